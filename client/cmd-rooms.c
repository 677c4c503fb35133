/* SPDX-License-Identifier: ISC */
/*
 * /rooms: list your rooms.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_rooms_exec(struct engine *e, const struct cmdline *c)
{
	(void)c;
	engine_room_list(e);
}

const struct cmd_entry cmd_rooms_entry = {
    .name = "/rooms",
    .usage = "/rooms",
    .summary = "list your rooms",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_rooms_exec,
};
