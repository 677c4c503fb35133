/* SPDX-License-Identifier: ISC */
/* Slot pool over sodium_malloc'd chunks. */
#include "common/secmem.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "common/log.h"

#define SECMEM_PER_CHUNK 200

struct secmem_slot {
	struct secmem_slot *next; /* free list link, only while free */
};

struct secmem_chunk {
	struct secmem_chunk *next;
	uint8_t *slots; /* SECMEM_PER_CHUNK * SECMEM_SLOT, sodium_malloc'd */
};

static struct secmem_chunk *secmem_chunks;
static struct secmem_slot *secmem_free;
static size_t secmem_used;

static void
secmem_grow(void)
{
	struct secmem_chunk *c;

	c = sodium_malloc(sizeof *c);
	if (c != NULL)
		c->slots =
		    sodium_malloc((size_t)SECMEM_PER_CHUNK * SECMEM_SLOT);
	if (c == NULL || c->slots == NULL)
		fatalx("out of secure memory");
	for (size_t i = SECMEM_PER_CHUNK; i > 0; i--) {
		struct secmem_slot *s =
		    (struct secmem_slot *)(c->slots + (i - 1) * SECMEM_SLOT);

		s->next = secmem_free;
		secmem_free = s;
	}
	c->next = secmem_chunks;
	secmem_chunks = c;
}

void *
secmem_take(size_t size)
{
	struct secmem_slot *s;

	if (size > SECMEM_SLOT)
		fatalx("secmem_take: %zu bytes is larger than a slot", size);
	if (secmem_free == NULL)
		secmem_grow();
	s = secmem_free;
	secmem_free = s->next;
	secmem_used++;
	sodium_memzero(s, SECMEM_SLOT);
	return s;
}

void
secmem_give(void *p)
{
	struct secmem_slot *s = p;

	if (p == NULL)
		return;
	sodium_memzero(p, SECMEM_SLOT);
	s->next = secmem_free;
	secmem_free = s;
	secmem_used--;
}

void
secmem_shutdown(void)
{
	struct secmem_chunk *c, *next;

	assert(secmem_used == 0);
	for (c = secmem_chunks; c != NULL; c = next) {
		next = c->next;
		sodium_free(c->slots);
		sodium_free(c);
	}
	secmem_chunks = NULL;
	secmem_free = NULL;
}

size_t
secmem_in_use(void)
{
	return secmem_used;
}
