/* SPDX-License-Identifier: ISC */
/*
 * /notify: whether the interface rings the terminal's bell when a message
 * comes in a conversation not in view. Off by default; the bell carries
 * no name and no text, and the title never changes.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_notify_exec(struct engine *e, const struct cmdline *c)
{
	engine_notify_set(e, c->nwords == 2 ? c->word[1] : NULL);
}

const struct cmd_entry cmd_notify_entry = {
    .name = "/notify",
    .usage = "/notify [bell|off]",
    .summary = "ring the terminal's bell for messages elsewhere (never with "
               "names or text), or not",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_notify_exec,
};
