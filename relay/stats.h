/* SPDX-License-Identifier: ISC */
/*
 * The operator's stats socket: a Unix socket DIR/stats.sock (mode 0600, in
 * the 0700 data folder, so only the operator reaches it). Each connection
 * gets the relay's counters and gauges as text, one "name value" line
 * each, and is closed. `hearth-relay stats --data DIR` prints them.
 * Nothing in the output identifies a client, a room or an address.
 */
#ifndef HEARTH_RELAY_STATS_H
#define HEARTH_RELAY_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "common/buf.h"

#define RELAY_STATS_SOCK "stats.sock"
/* Largest stats text the server sends or the client accepts. */
#define RELAY_STATS_MAX (16 * 1024)
/* Stats connections answered at once; more are closed unanswered. */
#define RELAY_STATS_CONNS_MAX 4
/* How long the client waits for the relay to connect and answer, in s. */
#define RELAY_STATS_TIMEOUT_S 5

/* Appends the stats text to out (bounded by out's max). */
typedef void relay_stats_fill_cb(void *arg, struct buf *out);

struct relay_stats_server {
	uv_pipe_t pipe;
	uv_loop_t *loop;
	relay_stats_fill_cb *fill;
	void *arg;
	char path[256]; /* the socket this server made; "" if none */
	int open;       /* handles not yet closed, connections included */
	unsigned conns; /* connections being answered */
	bool listening; /* pipe initialised and not closed */
};

/*
 * Appends one "name value\n" line to out, for fill callbacks. Returns 0
 * or ERR_TOO_BIG (out unchanged) past out's max.
 */
int relay_stats_add(struct buf *out, const char *name, uint64_t value);

/*
 * Listens on dir/stats.sock (mode 0600), replacing a stale socket left by
 * a relay that died. Refuses (UV_EEXIST) to replace anything that is not
 * a socket, and (UV_EADDRINUSE) a socket a live process answers on.
 * Every connection gets what fill(arg, out) appends, at most
 * RELAY_STATS_MAX bytes, and is closed; the client's input is never read.
 * s must be zeroed or closed, and stay in place until the loop has run
 * after relay_stats_close(). Returns 0 or a libuv or project error
 * (ERR_TOO_BIG: the path does not fit a Unix socket address); then s
 * needs no relay_stats_close() (it is harmless) but must stay in place
 * until the loop has run, and the relay runs without a stats socket and
 * logs why.
 */
int relay_stats_listen(struct relay_stats_server *s, uv_loop_t *loop,
    const char *dir, relay_stats_fill_cb *fill, void *arg);

/*
 * Stops listening, closes the handle and unlinks the socket. Connections
 * being answered finish on their own. Idempotent; a no-op on a zeroed s.
 */
void relay_stats_close(struct relay_stats_server *s);

/*
 * The client side: connects to dir/stats.sock, reads the text (at most
 * RELAY_STATS_MAX bytes, RELAY_STATS_TIMEOUT_S at most) into out, which is
 * reset first and left empty on failure. Blocking; no loop needed.
 * Returns 0, UV_ENOENT or UV_ECONNREFUSED if no relay is running there,
 * ERR_TIMEOUT, ERR_TOO_BIG, or another error.
 */
int relay_stats_query(const char *dir, struct buf *out);

#endif
