/* SPDX-License-Identifier: ISC */
/* The id map: chained buckets that double when the load passes 1. */
#include "common/idmap.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/xmalloc.h"

#define IDMAP_MIN_BUCKETS 16

struct idmap_entry {
	struct idmap_entry *next;
	void *value;
	uint8_t key[IDMAP_KEY_LEN];
};

static size_t
idmap_slot(const struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, key, IDMAP_KEY_LEN, m->hash_key);
	for (size_t i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return (size_t)(v & (m->nbuckets - 1));
}

void
idmap_init(struct idmap *m)
{
	memset(m, 0, sizeof *m);
	m->nbuckets = IDMAP_MIN_BUCKETS;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	randombytes_buf(m->hash_key, sizeof m->hash_key);
}

void
idmap_release(struct idmap *m)
{
	struct idmap_entry *e, *next;

	for (size_t i = 0; i < m->nbuckets; i++) {
		for (e = m->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->buckets);
	memset(m, 0, sizeof *m);
}

static struct idmap_entry **
idmap_find(const struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN])
{
	struct idmap_entry **pp = &m->buckets[idmap_slot(m, key)];

	while (*pp != NULL && memcmp((*pp)->key, key, IDMAP_KEY_LEN) != 0)
		pp = &(*pp)->next;
	return pp;
}

void *
idmap_get(const struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN])
{
	struct idmap_entry *e = *idmap_find(m, key);

	return e != NULL ? e->value : NULL;
}

static void
idmap_grow(struct idmap *m)
{
	struct idmap_entry **old = m->buckets, *e, *next;
	size_t oldn = m->nbuckets, slot;

	m->nbuckets = oldn * 2;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	for (size_t i = 0; i < oldn; i++) {
		for (e = old[i]; e != NULL; e = next) {
			next = e->next;
			slot = idmap_slot(m, e->key);
			e->next = m->buckets[slot];
			m->buckets[slot] = e;
		}
	}
	free(old);
}

void
idmap_put(struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN], void *value)
{
	struct idmap_entry **pp = idmap_find(m, key), *e;

	if (*pp != NULL) {
		(*pp)->value = value;
		return;
	}
	e = xcalloc(1, sizeof *e);
	memcpy(e->key, key, IDMAP_KEY_LEN);
	e->value = value;
	*pp = e;
	if (++m->count > m->nbuckets)
		idmap_grow(m);
}

void *
idmap_del(struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN])
{
	struct idmap_entry **pp = idmap_find(m, key), *e = *pp;
	void *value;

	if (e == NULL)
		return NULL;
	*pp = e->next;
	value = e->value;
	free(e);
	m->count--;
	return value;
}
