/* SPDX-License-Identifier: ISC */
/* /quit: leave; what is stored stays stored. */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_quit_exec(struct engine *e, const struct cmdline *c)
{
	e->quit = true;
}

const struct cmd_entry cmd_quit_entry = {
    .name = "/quit",
    .usage = "/quit",
    .summary = "leave hearth",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_quit_exec,
};
