/* SPDX-License-Identifier: ISC */
/*
 * The relay server: one libuv loop, a TCP listener, and a connection per
 * client that completes the Noise handshake and answers protocol messages.
 * main.c only parses arguments and runs the loop; everything else is here,
 * so tests can link the real relay.
 */
#ifndef HEARTH_RELAY_H
#define HEARTH_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/addr.h"
#include "common/stream.h"
#include "relay/config.h"
#include "relay/stats.h"

struct relay_conn;

struct relay {
	uv_loop_t *loop;
	struct relay_config cfg;
	struct stream_loop sl;
	uv_tcp_t server;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	struct relay_stats_server stats; /* DIR/stats.sock, if it could be */
	uint8_t *s_priv;                 /* secmem */
	uint8_t s_pub[32];
	uint16_t port; /* bound port */
	struct relay_conn *conns;
	unsigned nconns;
	bool stopping;
	/* Counters, for logs now and `stats` later. */
	uint64_t accepted;
	uint64_t refused_busy;
	uint64_t handshakes;
	uint64_t failed;
};

/*
 * Binds and starts listening with priv as the static key (copied), and
 * installs SIGINT and SIGTERM handlers that stop the relay. If
 * cfg->data_dir is set, also serves the stats socket there (a relay that
 * cannot make it logs why and runs without it). Returns 0 or a libuv
 * error (nothing to release then but the loop).
 */
int relay_start(struct relay *r, uv_loop_t *loop,
    const struct relay_config *cfg, const uint8_t priv[static 32]);

/*
 * Stops listening and closes every connection. Run the loop afterwards
 * until it returns; then uv_loop_close() succeeds. Idempotent.
 */
void relay_stop(struct relay *r);

#endif
