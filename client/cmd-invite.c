/* SPDX-License-Identifier: ISC */
/*
 * /invite: show a room's invite again; give it only to people who may join.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_invite_exec(struct engine *e, const struct cmdline *c)
{
	engine_room_invite(e, c->word[1]);
}

const struct cmd_entry cmd_invite_entry = {
    .name = "/invite",
    .usage = "/invite ROOM",
    .summary =
        "show a room's invite again; give it only to people who may join",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_invite_exec,
};
