/* SPDX-License-Identifier: ISC */
/*
 * /room: make a room on your relay (or RELAY) and show its invite.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_room_exec(struct engine *e, const struct cmdline *c)
{
	if (strcmp(c->word[1], "new") != 0) {
		engine_error(e, "/room", cmd_room_entry.usage);
		return;
	}
	engine_room_new(e, c->word[2], c->nwords == 4 ? c->word[3] : NULL);
}

const struct cmd_entry cmd_room_entry = {
    .name = "/room",
    .usage = "/room new NAME [RELAY]",
    .summary = "make a room on your relay (or RELAY) and show its invite",
    .min_args = 2,
    .max_args = 3,
    .exec = cmd_room_exec,
};
