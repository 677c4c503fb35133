/* SPDX-License-Identifier: ISC */
/*
 * /persona: the identities one person keeps apart. Nothing links two
 * personas on a relay; each has its own keys.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_persona_exec(struct engine *e, const struct cmdline *c)
{
	const char *sub = c->nwords > 1 ? c->word[1] : "list";

	if (strcmp(sub, "list") == 0 && c->nwords <= 2)
		engine_persona_list(e);
	else if (strcmp(sub, "new") == 0 && c->nwords == 3)
		engine_persona_new(e, c->word[2]);
	else if (strcmp(sub, "use") == 0 && c->nwords == 3)
		engine_persona_use(e, c->word[2]);
	else if (strcmp(sub, "rename") == 0 && c->nwords == 4)
		engine_persona_rename(e, c->word[2], c->word[3]);
	else
		engine_error(e, "/persona",
		    "usage: /persona [list] | new NAME | use NAME | rename OLD "
		    "NEW");
}

const struct cmd_entry cmd_persona_entry = {
    .name = "/persona",
    .usage = "/persona [list] | new NAME | use NAME | rename OLD NEW",
    .summary = "make, list, switch or rename your personas",
    .min_args = 0,
    .max_args = 3,
    .exec = cmd_persona_exec,
};
