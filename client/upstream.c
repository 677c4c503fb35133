/* SPDX-License-Identifier: ISC */
/*
 * Client connection to a relay: resolve, connect (directly or through a
 * SOCKS5 proxy), handshake, hello.
 */
#include "client/upstream.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/proto.h"
#include "common/xmalloc.h"

#define UPSTREAM_HANDSHAKE_MS 15000
/* Tor may build a circuit, or reach an onion service, first. */
#define UPSTREAM_PROXY_HANDSHAKE_MS 120000
#define UPSTREAM_QUEUE_MAX (4 * 1024 * 1024)

/* One message to the proxy, owned by its write until the callback. */
struct upstream_wreq {
	uv_write_t req;
	uint8_t bytes[SOCKS5_OUT_MAX];
	size_t len;
};

static void upstream_on_resolved(
    uv_getaddrinfo_t *req, int status, struct addrinfo *res);
static void upstream_on_proxy_connect(uv_connect_t *req, int status);
static void upstream_on_proxy_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void upstream_on_proxy_read(
    uv_stream_t *h, ssize_t nread, const uv_buf_t *b);
static void upstream_on_proxy_write(uv_write_t *req, int status);
static void upstream_on_open(struct stream *s);
static void upstream_on_msg(struct stream *s, const struct wire_msg *m);
static void upstream_on_close(struct stream *s, int err, const char *why);

static const struct stream_ops upstream_stream_ops = {
    .on_open = upstream_on_open,
    .on_msg = upstream_on_msg,
    .on_close = upstream_on_close,
};

/*
 * Looks up the one host this connection may look up: the proxy's when
 * there is a proxy, else the relay's. Deciding it here, and only here,
 * is what keeps a relay name from ever reaching the local resolver when
 * the user asked for a proxy.
 */
static int
upstream_resolve(struct upstream *u)
{
	const char *host = u->use_proxy ? u->proxy.host : u->addr.host;
	uint16_t port = u->use_proxy ? u->proxy.port : u->addr.port;
	struct addrinfo hints;
	char service[8];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(service, sizeof service, "%u", (unsigned)port);
	u->gai.data = u;
	u->resolving = true;
	u->step = UPSTREAM_RESOLVE;
	rc = uv_getaddrinfo(
	    u->sl->loop, &u->gai, upstream_on_resolved, host, service, &hints);
	if (rc != 0)
		u->resolving = false;
	return rc;
}

/*
 * Connects to the proxy at sa. Returns 0 (on_close follows) or an error
 * (no callback).
 */
static int
upstream_proxy_start(struct upstream *u, const struct sockaddr *sa)
{
	int rc;

	rc = stream_connect_prepare(
	    &u->st, u->sl, u->addr.key, &u->limits, &upstream_stream_ops, u);
	if (rc != 0)
		return rc;
	u->connected = true;
	u->step = UPSTREAM_PROXY_CONNECT;
	u->proxy_req.data = u;
	rc = uv_tcp_connect(
	    &u->proxy_req, &u->st.tcp, sa, upstream_on_proxy_connect);
	if (rc != 0)
		stream_close(&u->st, rc);
	return 0;
}

int
upstream_connect(struct upstream *u, struct stream_loop *sl,
    const struct addr *a, const struct upstream_ops *ops, void *data)
{
	return upstream_connect_via(u, sl, a, NULL, ops, data);
}

int
upstream_connect_via(struct upstream *u, struct stream_loop *sl,
    const struct addr *a, const struct socks5_proxy *proxy,
    const struct upstream_ops *ops, void *data)
{
	struct sockaddr_storage ss;
	int rc;

	memset(u, 0, sizeof *u);
	u->sl = sl;
	u->addr = *a;
	u->ops = ops;
	u->data = data;
	u->limits.handshake_ms = UPSTREAM_HANDSHAKE_MS;
	u->limits.idle_ms = 0; /* the client decides when to give up */
	u->limits.queue_max = UPSTREAM_QUEUE_MAX;
	if (proxy == NULL) {
		/* Only Tor reaches it; the system resolver must not see it. */
		if (addr_is_onion(u->addr.host))
			return ERR_PROXY_NEEDED;
		return upstream_resolve(u);
	}
	u->use_proxy = true;
	u->proxy = *proxy;
	u->limits.handshake_ms = UPSTREAM_PROXY_HANDSHAKE_MS;
	rc = socks5_start(&u->socks, &u->proxy, u->addr.host, u->addr.port);
	/* The credentials now live in u->socks until they are sent. */
	socks5_proxy_release(&u->proxy);
	if (rc != 0)
		return rc;
	/* An address literal needs no resolver at all. */
	if (uv_ip4_addr(
	        u->proxy.host, u->proxy.port, (struct sockaddr_in *)&ss) == 0 ||
	    uv_ip6_addr(
	        u->proxy.host, u->proxy.port, (struct sockaddr_in6 *)&ss) == 0)
		rc = upstream_proxy_start(u, (const struct sockaddr *)&ss);
	else
		rc = upstream_resolve(u);
	if (rc != 0)
		socks5_release(&u->socks);
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
	if (rc == 0 && u->use_proxy)
		rc = upstream_proxy_start(u, res->ai_addr);
	else if (rc == 0) {
		u->step = UPSTREAM_RELAY;
		rc = stream_connect(&u->st, u->sl, res->ai_addr, u->addr.key,
		    &u->limits, &upstream_stream_ops, u);
		if (rc == 0)
			u->connected = true;
	}
	uv_freeaddrinfo(res);
	if (rc != 0) {
		socks5_release(&u->socks);
		u->ops->on_close(u, u->closing ? 0 : rc, NULL);
	}
}

/* Writes the proxy exchange's next message, u->socks.out. */
static int
upstream_proxy_write(struct upstream *u)
{
	struct upstream_wreq *w;
	uv_buf_t b;
	int rc;

	w = xmalloc(sizeof *w);
	w->len = u->socks.out_len;
	memcpy(w->bytes, u->socks.out, w->len);
	b = uv_buf_init((char *)w->bytes, (unsigned)w->len);
	rc = uv_write(
	    &w->req, (uv_stream_t *)&u->st.tcp, &b, 1, upstream_on_proxy_write);
	if (rc != 0) {
		socks5_wipe(w->bytes, sizeof w->bytes);
		free(w);
	}
	return rc;
}

static void
upstream_on_proxy_write(uv_write_t *req, int status)
{
	struct upstream_wreq *w = (struct upstream_wreq *)(void *)req;
	struct stream *s = req->handle->data;

	/* It may have carried the proxy password. */
	socks5_wipe(w->bytes, sizeof w->bytes);
	free(w);
	if (status != 0 && s->state != STREAM_CLOSING)
		stream_close(s, status);
}

static void
upstream_on_proxy_connect(uv_connect_t *req, int status)
{
	struct upstream *u = req->data;
	int rc = status;

	if (u->st.state == STREAM_CLOSING)
		return;
	if (rc == 0) {
		u->step = UPSTREAM_PROXY;
		rc = upstream_proxy_write(u);
	}
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&u->st.tcp,
		    upstream_on_proxy_alloc, upstream_on_proxy_read);
	if (rc != 0)
		stream_close(&u->st, rc);
}

static void
upstream_on_proxy_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct stream *s = h->data;
	struct upstream *u = s->data;

	b->base = (char *)u->proxy_rbuf;
	b->len = sizeof u->proxy_rbuf;
}

static void
upstream_on_proxy_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *b)
{
	struct stream *s = h->data;
	struct upstream *u = s->data;
	int rc;

	if (s->state == STREAM_CLOSING || nread == 0)
		return;
	if (nread < 0) {
		stream_close(s, nread == UV_EOF ? ERR_CLOSED : (int)nread);
		return;
	}
	rc = socks5_feed(&u->socks, (const uint8_t *)b->base, (size_t)nread);
	if (rc == SOCKS5_SEND)
		rc = upstream_proxy_write(u);
	if (rc == SOCKS5_OPEN) {
		/* The tunnel is up: from here on it is a plain connection. */
		uv_read_stop(h);
		socks5_release(&u->socks);
		u->step = UPSTREAM_RELAY;
		stream_connect_ready(s);
		return;
	}
	if (rc < 0)
		stream_close(s, rc);
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
			u->step = UPSTREAM_READY;
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

	socks5_release(&u->socks);
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
