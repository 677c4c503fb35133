/* SPDX-License-Identifier: ISC */
/*
 * /proxy: the SOCKS5 proxy (Tor) every relay connection goes through,
 * kept in the encrypted store; --proxy wins over it for one run.
 */
#include "client/cmd.h"
#include "client/engine.h"

static void
cmd_proxy_exec(struct engine *e, const struct cmdline *c)
{
	engine_proxy_set(e, c->nwords == 2 ? c->word[1] : NULL);
}

const struct cmd_entry cmd_proxy_entry = {
    .name = "/proxy",
    .usage = "/proxy [socks5://HOST:PORT|off]",
    .summary = "send every relay connection through a SOCKS5 proxy such as "
               "Tor, or show it",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_proxy_exec,
};
