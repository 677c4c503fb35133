/* SPDX-License-Identifier: ISC */
/*
 * /dm: send TEXT to one person you share a room with.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_dm_exec(struct engine *e, const struct cmdline *c)
{
	engine_dm_say(e, c->word[1], cmdline_rest(c, 2));
}

const struct cmd_entry cmd_dm_entry = {
    .name = "/dm",
    .usage = "/dm NAME#FP TEXT",
    .summary = "send TEXT to one person you share a room with",
    .min_args = 2,
    .max_args = CMDLINE_WORDS_MAX - 1,
    .exec = cmd_dm_exec,
};
