/* SPDX-License-Identifier: ISC */
/*
 * /relay: the relay the persona in use talks through. Each persona has
 * its own, over its own connection, so a relay cannot link personas by
 * their connections.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_relay_exec(struct engine *e, const struct cmdline *c)
{
	if (c->nwords == 2)
		engine_relay_set(e, c->word[1]);
	else
		engine_relay_show(e);
}

const struct cmd_entry cmd_relay_entry = {
    .name = "/relay",
    .usage = "/relay [hearth://KEY@HOST:PORT]",
    .summary = "set the relay your persona uses, or show its state",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_relay_exec,
};
