/* SPDX-License-Identifier: ISC */
/*
 * Invite parsing over arbitrary strings, with an oracle: whatever decodes
 * must encode back to the same string (less the blanks at its ends), and
 * that string must decode to the same invite.
 */
#include <stdlib.h>
#include <string.h>

#include "common/invite.h"
#include "tests/fuzz/fuzz.h"

static bool
fuzz_invite_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct invite a, b;
	char s[INVITE_STR_MAX];
	size_t start = 0, end = size;

	if (invite_decode((const char *)data, size, &a) != 0)
		return 0;
	while (start < end && fuzz_invite_blank(data[start]))
		start++;
	while (end > start && fuzz_invite_blank(data[end - 1]))
		end--;
	if (invite_encode(&a, s, sizeof s) != 0)
		abort();
	if (strlen(s) != end - start || memcmp(s, data + start, end - start))
		abort();
	if (invite_decode(s, strlen(s), &b) != 0 ||
	    memcmp(&a, &b, sizeof a) != 0)
		abort();
	invite_wipe(&a);
	invite_wipe(&b);
	return 0;
}
