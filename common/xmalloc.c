/* SPDX-License-Identifier: ISC */
/* Overflow-checked allocation that exits on failure (after tmux). */
#include "common/xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	p = malloc(size);
	if (p == NULL)
		fatalx("out of memory allocating %zu bytes", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (p == NULL)
		fatalx("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("allocation size overflow: %zu x %zu", nmemb, size);
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = realloc(ptr, nmemb * size);
	if (p == NULL)
		fatalx("out of memory allocating %zu x %zu bytes", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}
