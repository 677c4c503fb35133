/* SPDX-License-Identifier: ISC */
/*
 * A hash map from 32-byte ids (rooms, mailboxes, addresses) to pointers.
 * Ids come from the network, so buckets are chosen with a keyed hash
 * (SipHash, a random key per map): a client cannot pick ids that collide.
 */
#ifndef HEARTH_IDMAP_H
#define HEARTH_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#define IDMAP_KEY_LEN 32

struct idmap_entry;

struct idmap {
	struct idmap_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	uint8_t hash_key[16];
};

/* Prepares an empty map. */
void idmap_init(struct idmap *m);

/* Frees the map's own memory; the values are the caller's. */
void idmap_release(struct idmap *m);

/* The value stored under key, or NULL. */
void *idmap_get(const struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN]);

/* Stores value (not NULL) under key, replacing any value there. */
void idmap_put(
    struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN], void *value);

/* Removes key; returns its value, or NULL if it was not there. */
void *idmap_del(struct idmap *m, const uint8_t key[static IDMAP_KEY_LEN]);

#endif
