/* SPDX-License-Identifier: ISC */
/*
 * /join: join a room from its invite, under NAME on your screen.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_join_exec(struct engine *e, const struct cmdline *c)
{
	engine_room_join(e, c->word[1], c->nwords == 3 ? c->word[2] : NULL);
}

const struct cmd_entry cmd_join_entry = {
    .name = "/join",
    .usage = "/join INVITE [NAME]",
    .summary = "join a room from its invite, under NAME on your screen",
    .min_args = 1,
    .max_args = 2,
    .exec = cmd_join_exec,
};
