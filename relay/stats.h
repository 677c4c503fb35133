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

#include <stdint.h>

#include <uv.h>

#include "common/buf.h"

#define RELAY_STATS_SOCK "stats.sock"
/* Largest stats text the server sends or the client accepts. */
#define RELAY_STATS_MAX (16 * 1024)

/* Appends the stats text to out (bounded by out's max). */
typedef void relay_stats_fill_cb(void *arg, struct buf *out);

struct relay_stats_server {
	uv_pipe_t pipe;
	relay_stats_fill_cb *fill;
	void *arg;
	char path[256];
	int open; /* handles not yet closed */
};

/*
 * Listens on dir/stats.sock, replacing a stale socket left by a relay that
 * died. Returns 0 or a libuv or project error (the relay then runs
 * without a stats socket and logs why).
 */
int relay_stats_listen(struct relay_stats_server *s, uv_loop_t *loop,
    const char *dir, relay_stats_fill_cb *fill, void *arg);

/* Stops listening, closes the handle and unlinks the socket. Idempotent. */
void relay_stats_close(struct relay_stats_server *s);

/*
 * The client side: connects to dir/stats.sock, reads the text (at most
 * RELAY_STATS_MAX bytes, 5 s at most) into out. Returns 0, UV_ENOENT or
 * UV_ECONNREFUSED if no relay is running there, or another error.
 */
int relay_stats_query(const char *dir, struct buf *out);

#endif
