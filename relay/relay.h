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

struct relay_config {
	char host[ADDR_HOST_MAX + 1]; /* listen address, numeric */
	uint16_t port;                /* 0: any free port */
	int ready_fd;                 /* gets "PORT\n" once listening; -1 */
	unsigned max_conns;           /* connections at once */
	struct stream_limits limits;
};

/* Fills cfg with the documented defaults (man/hearth-relay.8). */
void relay_config_defaults(struct relay_config *cfg);

struct relay_conn;

struct relay {
	uv_loop_t *loop;
	struct relay_config cfg;
	struct stream_loop sl;
	uv_tcp_t server;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	uint8_t *s_priv; /* secmem */
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
 * installs SIGINT and SIGTERM handlers that stop the relay. Returns 0 or a
 * libuv error (nothing to release then but the loop).
 */
int relay_start(struct relay *r, uv_loop_t *loop,
    const struct relay_config *cfg, const uint8_t priv[static 32]);

/*
 * Stops listening and closes every connection. Run the loop afterwards
 * until it returns; then uv_loop_close() succeeds. Idempotent.
 */
void relay_stop(struct relay *r);

#endif
