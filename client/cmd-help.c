/* SPDX-License-Identifier: ISC */
/* /help: one line per command, or one command's usage. */
#include <stdio.h>
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_help_one(struct engine *e, const struct cmd_entry *ce)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_HELP;
	ev.command = ce->name;
	ev.usage = ce->usage;
	ev.summary = ce->summary;
	e->emit(e->arg, &ev);
}

static void
cmd_help_exec(struct engine *e, const struct cmdline *c)
{
	const struct cmd_entry *ce;
	char name[64];

	if (c->nwords == 2) {
		/* "/help say" and "/help /say" both work. */
		snprintf(name, sizeof name, "%s%s",
		    c->word[1][0] == '/' ? "" : "/", c->word[1]);
		ce = cmd_find(name);
		if (ce == NULL) {
			engine_error(e, "/help", "no such command");
			return;
		}
		cmd_help_one(e, ce);
		return;
	}
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		cmd_help_one(e, cmd_table[i]);
}

const struct cmd_entry cmd_help_entry = {
    .name = "/help",
    .usage = "/help [COMMAND]",
    .summary = "show what each command does",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_help_exec,
};
