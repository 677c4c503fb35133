/* SPDX-License-Identifier: ISC */
/*
 * /say: send TEXT to a room.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_say_exec(struct engine *e, const struct cmdline *c)
{
	engine_room_say(e, c->word[1], cmdline_rest(c, 2));
}

const struct cmd_entry cmd_say_entry = {
    .name = "/say",
    .usage = "/say ROOM TEXT",
    .summary = "send TEXT to a room",
    .min_args = 2,
    .max_args = CMDLINE_WORDS_MAX - 1,
    .exec = cmd_say_exec,
};
