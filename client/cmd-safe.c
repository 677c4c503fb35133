/* SPDX-License-Identifier: ISC */
/*
 * /safe: you are safe; the safety timer's alert is cancelled.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_safe_exec(struct engine *e, const struct cmdline *c)
{
	(void)c;
	engine_timer_safe(e);
}

const struct cmd_entry cmd_safe_entry = {
    .name = "/safe",
    .usage = "/safe",
    .summary = "you are safe: cancel the safety timer's alert",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_safe_exec,
};
