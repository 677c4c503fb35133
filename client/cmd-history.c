/* SPDX-License-Identifier: ISC */
/*
 * /history: show kept messages, or turn keeping them on or off (off deletes
 * them).
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_history_exec(struct engine *e, const struct cmdline *c)
{
	engine_history(e, c->word[1], c->nwords == 3 ? c->word[2] : NULL);
}

const struct cmd_entry cmd_history_entry = {
    .name = "/history",
    .usage = "/history ROOM|NAME#FP [on|off]",
    .summary =
        "show kept messages, or turn keeping them on or off (off deletes them)",
    .min_args = 1,
    .max_args = 2,
    .exec = cmd_history_exec,
};
