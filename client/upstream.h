/* SPDX-License-Identifier: ISC */
/*
 * The client's connection to one relay: resolve the address's host,
 * connect, run the Noise handshake against the pinned relay key, say HELLO
 * and wait for WELCOME. After that it carries protocol messages both ways.
 */
#ifndef HEARTH_CLIENT_UPSTREAM_H
#define HEARTH_CLIENT_UPSTREAM_H

#include <stdbool.h>

#include <uv.h>

#include "common/addr.h"
#include "common/stream.h"

struct upstream;

struct upstream_ops {
	/* The relay welcomed us; w is borrowed for the call. */
	void (*on_ready)(struct upstream *u, const struct wire_welcome *w);
	/* Any other message from the relay, borrowed for the call. */
	void (*on_msg)(struct upstream *u, const struct wire_msg *m);
	/*
	 * The connection is over (err 0 if we closed it) and u may be freed.
	 * reason is the relay's error text, or NULL, borrowed for the call.
	 */
	void (*on_close)(struct upstream *u, int err, const char *reason);
};

struct upstream {
	struct stream st;
	uv_getaddrinfo_t gai;
	struct stream_loop *sl;
	struct addr addr;
	struct stream_limits limits;
	const struct upstream_ops *ops;
	void *data;
	bool resolving;
	bool connected; /* stream_connect() was called */
	bool ready;
	bool closing;
};

/*
 * Starts connecting to a. Returns 0 (exactly one on_close follows) or a
 * libuv error (no callback is called).
 */
int upstream_connect(struct upstream *u, struct stream_loop *sl,
    const struct addr *a, const struct upstream_ops *ops, void *data);

/* Sends m to the relay; ERR_PROTO before on_ready. */
int upstream_send(struct upstream *u, const struct wire_msg *m);

/* Closes the connection; on_close follows with err 0. Idempotent. */
void upstream_close(struct upstream *u);

#endif
