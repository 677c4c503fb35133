/* SPDX-License-Identifier: ISC */
/*
 * Address parsing over arbitrary strings, with an oracle: whatever parses
 * must format and parse again to the same address.
 */
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr a, b;
	char s[ADDR_STR_MAX];

	if (addr_parse((const char *)data, size, &a) != 0)
		return 0;
	if (addr_format(&a, s, sizeof s) != 0)
		abort();
	if (addr_parse(s, strlen(s), &b) != 0 || memcmp(&a, &b, sizeof a) != 0)
		abort();
	return 0;
}
