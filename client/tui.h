/* SPDX-License-Identifier: ISC */
/*
 * The interactive interface: `hearth` in a terminal. The engine, the
 * model (client/model.c), the view (client/view.c) and the terminal
 * (client/term.c) on the engine's one libuv loop.
 */
#ifndef HEARTH_CLIENT_TUI_H
#define HEARTH_CLIENT_TUI_H

struct socks5_proxy;

/*
 * Asks for the passphrase (or takes it from HEARTH_PASSPHRASE or
 * passphrase_file), opens the store in home and runs until /quit or the
 * panic key. Returns the exit status.
 */
int tui_run(const char *home, const char *passphrase_file,
    const struct socks5_proxy *proxy);

#endif
