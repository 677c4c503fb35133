/* SPDX-License-Identifier: ISC */
/*
 * /expire: make messages disappear SECONDS after they arrive.
 */
#include <string.h>

#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_expire_exec(struct engine *e, const struct cmdline *c)
{
	engine_expire_set(e, c->word[1], c->word[2]);
}

const struct cmd_entry cmd_expire_entry = {
    .name = "/expire",
    .usage = "/expire ROOM|NAME#FP SECONDS|off",
    .summary = "make messages disappear SECONDS after they arrive",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_expire_exec,
};
