/* SPDX-License-Identifier: ISC */
/*
 * The command-line splitter over arbitrary bytes: it either refuses with a
 * known code or yields words that are non-empty, NUL-free, within the
 * line, and a rest that is a suffix of the line.
 */
#include <stdlib.h>
#include <string.h>

#include "client/cmdline.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

static struct cmdline fuzz_c;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t linelen;
	int rc = cmdline_split(&fuzz_c, (const char *)data, size);

	if (rc != 0) {
		if (rc != ERR_TOO_BIG && rc != ERR_UTF8 && rc != ERR_USAGE)
			abort();
		return 0;
	}
	if (fuzz_c.nwords == 0 || fuzz_c.nwords > CMDLINE_WORDS_MAX ||
	    fuzz_c.word[0][0] != '/')
		abort();
	linelen = strlen(fuzz_c.line);
	if (linelen > size)
		abort();
	for (size_t i = 0; i < fuzz_c.nwords; i++) {
		const char *r = cmdline_rest(&fuzz_c, i + 1);

		if (fuzz_c.word[i][0] == '\0')
			abort();
		if (strlen(r) > linelen ||
		    strcmp(r, fuzz_c.line + linelen - strlen(r)) != 0)
			abort();
	}
	return 0;
}
