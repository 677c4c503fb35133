/* SPDX-License-Identifier: ISC */
/*
 * /join: join a room from its invite, under NAME on your screen. An
 * invite copied from a terminal may arrive cut into pieces by spaces
 * (its rows): if the pieces together make an invite, that is the one.
 */
#include <stdlib.h>
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"
#include "common/invite.h"
#include "common/xmalloc.h"

static void
cmd_join_exec(struct engine *e, const struct cmdline *c)
{
	struct invite inv;
	size_t len = 0, n;
	char *joined;

	if (c->nwords > 3 ||
	    (c->nwords == 3 &&
	        invite_decode(c->word[1], strlen(c->word[1]), &inv) != 0)) {
		for (size_t i = 1; i < c->nwords; i++)
			len += strlen(c->word[i]);
		joined = xmalloc(len + 1);
		len = 0;
		for (size_t i = 1; i < c->nwords; i++) {
			/* The last word may hold the rest of the line. */
			for (const char *p = c->word[i]; *p != '\0'; p++)
				if (*p != ' ' && *p != '\t')
					joined[len++] = *p;
		}
		joined[len] = '\0';
		n = len;
		if (invite_decode(joined, n, &inv) == 0) {
			invite_wipe(&inv);
			engine_room_join(e, joined, NULL);
			memset(joined, 0, n);
			free(joined);
			return;
		}
		memset(joined, 0, n);
		free(joined);
	}
	invite_wipe(&inv);
	if (c->nwords > 3) {
		engine_error(e, "/join", cmd_join_entry.usage);
		return;
	}
	engine_room_join(e, c->word[1], c->nwords == 3 ? c->word[2] : NULL);
}

const struct cmd_entry cmd_join_entry = {
    .name = "/join",
    .usage = "/join INVITE [NAME]",
    .summary = "join a room from its invite, under NAME on your screen",
    .min_args = 1,
    .max_args = CMDLINE_WORDS_MAX - 1,
    .exec = cmd_join_exec,
};
