/* SPDX-License-Identifier: ISC */
/*
 * /verify: show the safety number you share with a contact; yes marks it
 * checked.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_verify_exec(struct engine *e, const struct cmdline *c)
{
	if (c->nwords == 3 && strcmp(c->word[2], "yes") != 0) {
		engine_error(e, "/verify", cmd_verify_entry.usage);
		return;
	}
	engine_dm_verify(e, c->word[1], c->nwords == 3);
}

const struct cmd_entry cmd_verify_entry = {
    .name = "/verify",
    .usage = "/verify NAME#FP [yes]",
    .summary =
        "show the safety number you share with a contact; yes marks it checked",
    .min_args = 1,
    .max_args = 2,
    .exec = cmd_verify_exec,
};
