/* SPDX-License-Identifier: ISC */
/*
 * Allocation that cannot fail: on exhaustion the process exits with a
 * message, because no caller can do anything better. Sizes are checked for
 * overflow. Used for the program's own structures, never for sizes that
 * come from input without a bound checked first.
 */
#ifndef HEARTH_XMALLOC_H
#define HEARTH_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);

#endif
