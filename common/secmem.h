/* SPDX-License-Identifier: ISC */
/*
 * A pool of fixed-size slots for secrets (handshake and cipher states).
 * Slots are carved from large sodium_malloc() chunks, so they get guard
 * pages and mlock without paying a page or more for every connection.
 * Freed slots are wiped at once. Single-threaded, like the rest.
 */
#ifndef HEARTH_SECMEM_H
#define HEARTH_SECMEM_H

#include <stddef.h>

/* The size of every slot; secmem_take() refuses larger requests. */
#define SECMEM_SLOT 320

/* Returns a zeroed slot of at least size bytes; exits if out of memory. */
void *secmem_take(size_t size);

/* Wipes p's slot and returns it to the pool. p may be NULL. */
void secmem_give(void *p);

/* Frees every chunk; all slots must have been given back. */
void secmem_shutdown(void);

/* Slots currently taken (for tests and stats). */
size_t secmem_in_use(void);

#endif
