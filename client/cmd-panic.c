/* SPDX-License-Identifier: ISC */
/*
 * /panic: what the panic key (F12, Ctrl-Q twice) does besides clearing
 * the screen and leaving at once: nothing more, or wiping the store.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_panic_exec(struct engine *e, const struct cmdline *c)
{
	engine_panic_set(e, c->nwords == 2 ? c->word[1] : NULL);
}

const struct cmd_entry cmd_panic_entry = {
    .name = "/panic",
    .usage = "/panic [exit|wipe]",
    .summary = "what the panic key does: leave at once, or also wipe this "
               "device's store",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_panic_exec,
};
