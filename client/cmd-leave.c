/* SPDX-License-Identifier: ISC */
/*
 * /leave: leave a room and delete what this device kept of it.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_leave_exec(struct engine *e, const struct cmdline *c)
{
	engine_room_leave(e, c->word[1]);
}

const struct cmd_entry cmd_leave_entry = {
    .name = "/leave",
    .usage = "/leave ROOM",
    .summary = "leave a room and delete what this device kept of it",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_leave_exec,
};
