/* SPDX-License-Identifier: ISC */
/*
 * /timer: the safety timer. "/timer 45m NAME#FP [note]" leaves an alert
 * for NAME#FP with the relay, released at the deadline unless /safe
 * cancels it; "/timer +30m" moves the deadline; "/timer" shows it.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_timer_exec(struct engine *e, const struct cmdline *c)
{
	if (c->nwords == 1)
		engine_timer_show(e);
	else if (c->word[1][0] == '+' && c->nwords == 2)
		engine_timer_extend(e, c->word[1]);
	else if (c->nwords >= 3)
		engine_timer_set(e, c->word[1], c->word[2],
		    c->nwords > 3 ? cmdline_rest(c, 3) : "");
	else
		engine_error(e, "/timer", cmd_timer_entry.usage);
}

const struct cmd_entry cmd_timer_entry = {
    .name = "/timer",
    .usage = "/timer [DURATION NAME#FP [NOTE] | +DURATION]",
    .summary = "if you do not type /safe in time, NAME#FP gets an alert with "
               "your note",
    .min_args = 0,
    .max_args = CMDLINE_WORDS_MAX - 1,
    .exec = cmd_timer_exec,
};
