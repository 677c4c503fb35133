/* SPDX-License-Identifier: ISC */
/*
 * /alert: an urgent alert (police nearby, someone needs help) to everyone
 * in a room at once, shown on top of every view until acknowledged, and
 * to members who come back within 12 hours. At most three an hour.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_alert_exec(struct engine *e, const struct cmdline *c)
{
	engine_room_alert(e, c->word[1], cmdline_rest(c, 2));
}

const struct cmd_entry cmd_alert_entry = {
    .name = "/alert",
    .usage = "/alert ROOM TEXT",
    .summary =
        "an urgent alert to everyone in the room, shown until they close it",
    .min_args = 2,
    .max_args = CMDLINE_WORDS_MAX - 1,
    .exec = cmd_alert_exec,
};
