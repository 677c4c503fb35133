/* SPDX-License-Identifier: ISC */
/*
 * The client's connection to one relay: resolve the address's host,
 * connect, run the Noise handshake against the pinned relay key, say HELLO
 * and wait for WELCOME. After that it carries protocol messages both ways.
 *
 * Through a SOCKS5 proxy (Tor) it resolves and connects to the proxy
 * instead, and the proxy resolves the relay's name: with a proxy, the
 * relay's host is never looked up on this machine. Without one, a .onion
 * relay is refused rather than leaked to the system resolver.
 */
#ifndef HEARTH_CLIENT_UPSTREAM_H
#define HEARTH_CLIENT_UPSTREAM_H

#include <stdbool.h>

#include <uv.h>

#include "client/socks5.h"
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

/* How far a connection got; on_close readers use it to name the hop. */
enum upstream_step {
	UPSTREAM_RESOLVE, /* looking up the relay's, or the proxy's, name */
	UPSTREAM_PROXY_CONNECT, /* connecting to the proxy */
	UPSTREAM_PROXY,         /* asking the proxy to connect to the relay */
	UPSTREAM_RELAY,         /* connecting to the relay, handshake, hello */
	UPSTREAM_READY,         /* welcomed */
};

struct upstream {
	struct stream st;
	uv_getaddrinfo_t gai;
	uv_connect_t proxy_req;
	struct socks5 socks;
	struct socks5_proxy proxy;
	uint8_t proxy_rbuf[64]; /* one read of a proxy reply, any part */
	bool use_proxy;
	enum upstream_step step;
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
 * Starts connecting to a directly. Returns 0 (exactly one on_close follows)
 * or an error (no callback is called): ERR_PROXY_NEEDED for a .onion host,
 * or a libuv error.
 */
int upstream_connect(struct upstream *u, struct stream_loop *sl,
    const struct addr *a, const struct upstream_ops *ops, void *data);

/*
 * Like upstream_connect(), through proxy if it is not NULL (copied; the
 * caller may wipe its copy at once). The proxy's host may be looked up
 * here (a name, unless it is an address literal); the relay's never is.
 * The handshake limit covers the proxy's part too, and is longer than a
 * direct connection's, as Tor may first have to build a circuit.
 */
int upstream_connect_via(struct upstream *u, struct stream_loop *sl,
    const struct addr *a, const struct socks5_proxy *proxy,
    const struct upstream_ops *ops, void *data);

/* Sends m to the relay; ERR_PROTO before on_ready. */
int upstream_send(struct upstream *u, const struct wire_msg *m);

/* Closes the connection; on_close follows with err 0. Idempotent. */
void upstream_close(struct upstream *u);

#endif
