/* SPDX-License-Identifier: ISC */
/*
 * Relay connections: accept, per-message dispatch with state checks, and
 * release. Logs name a connection by its process-local number only.
 */
#include "relay/conn.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xmalloc.h"
#include "relay/relay.h"

/* Connections past the limit that still get a refusal they can read. */
#define RELAY_BUSY_SLACK 64

typedef void relay_handle_fn(struct relay_conn *c, const struct wire_msg *m);

struct relay_handler {
	relay_handle_fn *fn;
	unsigned states; /* enum relay_conn_state bits it is valid in */
};

static void relay_conn_on_open(struct stream *s);
static void relay_conn_on_msg(struct stream *s, const struct wire_msg *m);
static void relay_conn_on_close(struct stream *s, int err, const char *why);
static relay_handle_fn relay_handle_hello, relay_handle_ping, relay_handle_pong,
    relay_handle_error;

static const struct stream_ops relay_conn_ops = {
    .on_open = relay_conn_on_open,
    .on_msg = relay_conn_on_msg,
    .on_close = relay_conn_on_close,
};

static const struct relay_handler relay_handlers[WIRE_MSG_TYPE_MAX + 1] = {
    [WIRE_MSG_HELLO] = {relay_handle_hello, RELAY_CONN_HELLO},
    [WIRE_MSG_PING] = {relay_handle_ping, RELAY_CONN_READY},
    [WIRE_MSG_PONG] = {relay_handle_pong, RELAY_CONN_READY},
    [WIRE_MSG_ERROR] = {relay_handle_error,
        RELAY_CONN_HELLO | RELAY_CONN_READY},
};

void
relay_conn_accept(struct relay *r)
{
	struct relay_conn *c = xcalloc(1, sizeof *c);
	int rc;

	c->relay = r;
	c->state = RELAY_CONN_HANDSHAKE;
	rc = stream_accept(&c->st, &r->sl, (uv_stream_t *)&r->server, r->s_priv,
	    &r->cfg.limits, &relay_conn_ops, c);
	if (rc != 0) {
		log_warn("accept failed: %s", err_str(rc));
		free(c);
		return;
	}
	c->next = r->conns;
	if (c->next != NULL)
		c->next->prevp = &c->next;
	c->prevp = &r->conns;
	r->conns = c;
	r->nconns++;
	r->accepted++;
	if (r->nconns > r->cfg.max_conns) {
		r->refused_busy++;
		log_debug("conn %llu: refused, at the connection limit",
		    (unsigned long long)c->st.id);
		/*
		 * A few over the limit get a polite refusal once they send
		 * message 1; past that, a flood is cut off at once so it
		 * cannot hold descriptors for a whole handshake timeout.
		 */
		if (r->nconns > r->cfg.max_conns + RELAY_BUSY_SLACK)
			stream_close(&c->st, ERR_HS_REFUSED);
		else
			stream_refuse(&c->st, PROTO_E_BUSY);
	}
}

void
relay_conn_close_all(struct relay *r)
{
	for (struct relay_conn *c = r->conns; c != NULL; c = c->next)
		stream_close(&c->st, 0);
}

static void
relay_conn_on_open(struct stream *s)
{
	struct relay_conn *c = s->data;

	c->relay->handshakes++;
	c->state = RELAY_CONN_HELLO;
}

static void
relay_conn_on_msg(struct stream *s, const struct wire_msg *m)
{
	struct relay_conn *c = s->data;
	const struct relay_handler *h = NULL;

	if (m->type <= WIRE_MSG_TYPE_MAX)
		h = &relay_handlers[m->type];
	if (h == NULL || h->fn == NULL) {
		stream_fail(s, ERR_PROTO, PROTO_E_STATE,
		    "message not accepted by a relay");
		return;
	}
	if ((h->states & c->state) == 0) {
		stream_fail(s, ERR_PROTO, PROTO_E_STATE,
		    c->state == RELAY_CONN_HELLO
		        ? "the first message must be hello"
		        : "message not allowed now");
		return;
	}
	h->fn(c, m);
}

static void
relay_conn_on_close(struct stream *s, int err, const char *why)
{
	struct relay_conn *c = s->data;
	struct relay *r = c->relay;

	if (err != 0 && err != ERR_CLOSED) {
		r->failed++;
		log_debug("conn %llu: closed: %s", (unsigned long long)s->id,
		    err_str(err));
	}
	*c->prevp = c->next;
	if (c->next != NULL)
		c->next->prevp = c->prevp;
	r->nconns--;
	free(c);
}

static void
relay_handle_hello(struct relay_conn *c, const struct wire_msg *m)
{
	struct wire_msg w;

	if (m->u.hello.version != WIRE_VERSION) {
		stream_fail(&c->st, ERR_HS_VERSION, PROTO_E_VERSION,
		    "unsupported version");
		return;
	}
	c->state = RELAY_CONN_READY;
	memset(&w, 0, sizeof w);
	w.type = WIRE_MSG_WELCOME;
	w.u.welcome.version = WIRE_VERSION;
	w.u.welcome.frame_max = PROTO_FRAME_MAX;
	w.u.welcome.idle_ms = c->relay->cfg.limits.idle_ms;
	stream_send(&c->st, &w);
}

static void
relay_handle_ping(struct relay_conn *c, const struct wire_msg *m)
{
	struct wire_msg w;

	memset(&w, 0, sizeof w);
	w.type = WIRE_MSG_PONG;
	w.u.ping.token = m->u.ping.token;
	stream_send(&c->st, &w);
}

static void
relay_handle_pong(struct relay_conn *c, const struct wire_msg *m)
{
	/* Any traffic already reset the idle clock; nothing else to do. */
}

static void
relay_handle_error(struct relay_conn *c, const struct wire_msg *m)
{
	stream_close(&c->st, ERR_REMOTE);
}
