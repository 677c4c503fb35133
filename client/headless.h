/* SPDX-License-Identifier: ISC */
/*
 * Headless mode: `hearth --headless --home DIR` reads slash commands on
 * standard input, one per line, and writes one JSON object per line on
 * standard output for every event (schema in man/hearth.1, versioned by
 * the ready event). The passphrase comes from HEARTH_PASSPHRASE or
 * --passphrase-file, never from the command line.
 */
#ifndef HEARTH_CLIENT_HEADLESS_H
#define HEARTH_CLIENT_HEADLESS_H

#include <stddef.h>

struct cstore_cost;
struct socks5_proxy;

/*
 * Runs headless mode until /quit or the end of input, with relay
 * connections through proxy if not NULL. Returns the exit
 * status: 0, 1 if the store could not be opened (an error event says
 * why), 2 for a bad passphrase source.
 */
int headless_run(const char *home, const char *passphrase_file,
    const struct cstore_cost *cost, const struct socks5_proxy *proxy);

/* Longest passphrase, with its NUL. */
#define HEADLESS_PASS_MAX 1024

/*
 * Reads the passphrase: the first line of file (which others must not be
 * able to read), or HEARTH_PASSPHRASE (then removed from the
 * environment). Returns its length, or -1 with *why set. The interface
 * uses it too, before it asks at the terminal.
 */
long headless_passphrase(
    const char *file, char *pass, size_t cap, const char **why);

#endif
