/* SPDX-License-Identifier: ISC */
/* Client connection to a relay: resolve, connect, handshake, hello. */
#include "client/upstream.h"

#include <string.h>

#include "common/err.h"
#include "common/proto.h"

#define UPSTREAM_HANDSHAKE_MS 15000
#define UPSTREAM_QUEUE_MAX (4 * 1024 * 1024)

static void upstream_on_resolved(
    uv_getaddrinfo_t *req, int status, struct addrinfo *res);
static void upstream_on_open(struct stream *s);
static void upstream_on_msg(struct stream *s, const struct wire_msg *m);
static void upstream_on_close(struct stream *s, int err, const char *why);

static const struct stream_ops upstream_stream_ops = {
    .on_open = upstream_on_open,
    .on_msg = upstream_on_msg,
    .on_close = upstream_on_close,
};

int
upstream_connect(struct upstream *u, struct stream_loop *sl,
    const struct addr *a, const struct upstream_ops *ops, void *data)
{
	struct addrinfo hints;
	char port[8];
	int rc;

	memset(u, 0, sizeof *u);
	u->sl = sl;
	u->addr = *a;
	u->ops = ops;
	u->data = data;
	u->limits.handshake_ms = UPSTREAM_HANDSHAKE_MS;
	u->limits.idle_ms = 0; /* the client decides when to give up */
	u->limits.queue_max = UPSTREAM_QUEUE_MAX;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof port, "%u", (unsigned)a->port);
	u->gai.data = u;
	u->resolving = true;
	rc = uv_getaddrinfo(sl->loop, &u->gai, upstream_on_resolved,
	    u->addr.host, port, &hints);
	if (rc != 0)
		u->resolving = false;
	return rc;
}

static void
upstream_on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct upstream *u = req->data;
	int rc = status;

	u->resolving = false;
	if (rc == 0 && u->closing)
		rc = UV_ECANCELED;
	if (rc == 0) {
		rc = stream_connect(&u->st, u->sl, res->ai_addr, u->addr.key,
		    &u->limits, &upstream_stream_ops, u);
		if (rc == 0)
			u->connected = true;
	}
	uv_freeaddrinfo(res);
	if (rc != 0)
		u->ops->on_close(u, u->closing ? 0 : rc, NULL);
}

static void
upstream_on_open(struct stream *s)
{
	struct wire_msg m;

	/* Say hello at once: it rides in the first transport frame. */
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_HELLO;
	m.u.hello.version = WIRE_VERSION;
	m.u.hello.features = 0;
	stream_send(s, &m);
}

static void
upstream_on_msg(struct stream *s, const struct wire_msg *m)
{
	struct upstream *u = s->data;

	if (!u->ready) {
		if (m->type == WIRE_MSG_WELCOME) {
			u->ready = true;
			u->ops->on_ready(u, &m->u.welcome);
			return;
		}
		if (m->type != WIRE_MSG_ERROR) {
			stream_fail(
			    s, ERR_PROTO, PROTO_E_STATE, "expected welcome");
			return;
		}
	}
	if (m->type == WIRE_MSG_PING) {
		struct wire_msg pong;

		memset(&pong, 0, sizeof pong);
		pong.type = WIRE_MSG_PONG;
		pong.u.ping.token = m->u.ping.token;
		stream_send(s, &pong);
		return;
	}
	if (m->type == WIRE_MSG_ERROR) {
		/* The relay closes after an error; record why. */
		stream_close(s, ERR_REMOTE);
		return;
	}
	u->ops->on_msg(u, m);
}

static void
upstream_on_close(struct stream *s, int err, const char *why)
{
	struct upstream *u = s->data;

	u->ops->on_close(u, u->closing && err == 0 ? 0 : err, why);
}

int
upstream_send(struct upstream *u, const struct wire_msg *m)
{
	if (!u->ready || u->closing)
		return ERR_PROTO;
	return stream_send(&u->st, m);
}

void
upstream_close(struct upstream *u)
{
	if (u->closing)
		return;
	u->closing = true;
	if (u->resolving)
		uv_cancel((uv_req_t *)&u->gai);
	else if (u->connected)
		stream_close(&u->st, 0);
}
