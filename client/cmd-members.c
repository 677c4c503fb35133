/* SPDX-License-Identifier: ISC */
/*
 * /members: list the members of a room you have seen announce themselves.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_members_exec(struct engine *e, const struct cmdline *c)
{
	engine_room_members(e, c->word[1]);
}

const struct cmd_entry cmd_members_entry = {
    .name = "/members",
    .usage = "/members ROOM",
    .summary = "list the members of a room you have seen announce themselves",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_members_exec,
};
