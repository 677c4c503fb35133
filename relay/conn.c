/* SPDX-License-Identifier: ISC */
/*
 * Relay connections: accept with the per-address limit, per-message
 * dispatch with state checks and the request rate limit, replies, and
 * release. Logs name a connection by its process-local number only, and
 * the source address lives only in memory, as a key of the count map.
 */
#include "relay/conn.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xmalloc.h"
#include "relay/handle.h"
#include "relay/mbox.h"
#include "relay/relay.h"
#include "relay/room.h"

/* Connections past the limit that still get a refusal they can read. */
#define RELAY_BUSY_SLACK 64
/* The same past the per-address limit, for each address. */
#define RELAY_ADDR_SLACK 4
/* The rate limiter's unit: one request is this many tokens. */
#define RELAY_TOKEN 1000

struct relay_handler {
	relay_handle_fn *fn;
	unsigned states; /* enum relay_conn_state bits it is valid in */
};

static void relay_conn_on_open(struct stream *s);
static void relay_conn_on_msg(struct stream *s, const struct wire_msg *m);
static void relay_conn_on_close(struct stream *s, int err, const char *why);
static relay_handle_fn relay_handle_hello, relay_handle_ping, relay_handle_pong,
    relay_handle_error, relay_handle_info;

static const struct stream_ops relay_conn_ops = {
    .on_open = relay_conn_on_open,
    .on_msg = relay_conn_on_msg,
    .on_close = relay_conn_on_close,
};

#define READY RELAY_CONN_READY
static const struct relay_handler relay_handlers[WIRE_MSG_TYPE_MAX + 1] = {
    [WIRE_MSG_HELLO] = {relay_handle_hello, RELAY_CONN_HELLO},
    [WIRE_MSG_PING] = {relay_handle_ping, READY},
    [WIRE_MSG_PONG] = {relay_handle_pong, READY},
    [WIRE_MSG_ERROR] = {relay_handle_error, RELAY_CONN_HELLO | READY},
    [WIRE_MSG_INFO_GET] = {relay_handle_info, READY},
    [WIRE_MSG_ROOM_CREATE] = {handle_room_create, READY},
    [WIRE_MSG_ROOM_SUB] = {handle_room_sub, READY},
    [WIRE_MSG_ROOM_UNSUB] = {handle_room_unsub, READY},
    [WIRE_MSG_ROOM_PUB] = {handle_room_pub, READY},
    [WIRE_MSG_ROOM_FETCH] = {handle_room_fetch, READY},
    [WIRE_MSG_ROOM_ROTATE] = {handle_room_rotate, READY},
    [WIRE_MSG_MBOX_CLAIM] = {handle_mbox_claim, READY},
    [WIRE_MSG_MBOX_PUT] = {handle_mbox_put, READY},
    [WIRE_MSG_MBOX_FETCH] = {handle_mbox_fetch, READY},
    [WIRE_MSG_MBOX_ACK] = {handle_mbox_ack, READY},
    [WIRE_MSG_PREKEY_PUB] = {handle_prekey_pub, READY},
    [WIRE_MSG_PREKEY_GET] = {handle_prekey_get, READY},
    [WIRE_MSG_ESCROW_PUT] = {handle_escrow_put, READY},
    [WIRE_MSG_ESCROW_CANCEL] = {handle_escrow_cancel, READY},
    [WIRE_MSG_ESCROW_EXTEND] = {handle_escrow_extend, READY},
};
#undef READY

/*
 * The key under which c's source address is counted: the family, then the
 * IPv4 address or the first 64 bits of an IPv6 address (one host usually
 * holds a whole /64). Returns false if the address is unknown.
 */
static bool
relay_conn_addr_key(struct relay_conn *c)
{
	struct sockaddr_storage ss;
	const struct in6_addr *a6;
	int len = sizeof ss;

	memset(c->addr_key, 0, sizeof c->addr_key);
	if (uv_tcp_getpeername(&c->st.tcp, (struct sockaddr *)&ss, &len) != 0)
		return false;
	if (ss.ss_family == AF_INET) {
		c->addr_key[0] = AF_INET;
		memcpy(
		    c->addr_key + 1, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		a6 = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		/*
		 * On a dual-stack listener IPv4 clients arrive as
		 * ::ffff:a.b.c.d, whose first 64 bits are the same for all:
		 * count them by their IPv4 address.
		 */
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			c->addr_key[0] = AF_INET;
			memcpy(c->addr_key + 1, a6->s6_addr + 12, 4);
		} else {
			c->addr_key[0] = AF_INET6;
			memcpy(c->addr_key + 1, a6->s6_addr, 8);
		}
	} else {
		return false;
	}
	return true;
}

/*
 * Counts c against its address and returns how many connections that
 * address now holds, this one included (0 if it is not counted).
 */
static uintptr_t
relay_conn_addr_add(struct relay *r, struct relay_conn *c)
{
	uintptr_t n;

	if (r->cfg.max_conns_per_addr == 0 || !relay_conn_addr_key(c))
		return 0;
	n = (uintptr_t)idmap_get(&r->addrs, c->addr_key) + 1;
	idmap_put(&r->addrs, c->addr_key, (void *)n);
	c->addr_counted = true;
	return n;
}

static void
relay_conn_addr_remove(struct relay *r, struct relay_conn *c)
{
	uintptr_t n;

	if (!c->addr_counted)
		return;
	n = (uintptr_t)idmap_get(&r->addrs, c->addr_key);
	if (n <= 1)
		idmap_del(&r->addrs, c->addr_key);
	else
		idmap_put(&r->addrs, c->addr_key, (void *)(n - 1));
	c->addr_counted = false;
}

/*
 * Closes a connection cut off at accept. It stops counting at once: libuv
 * accepts a whole backlog in one callback, and its close only completes
 * on a later turn, so a flood would otherwise still fill the total for
 * the connections accepted right after it.
 */
static void
relay_conn_drop(struct relay_conn *c)
{
	c->dropped = true;
	c->relay->nconns--;
	stream_close(&c->st, ERR_HS_REFUSED);
}

void
relay_conn_accept(struct relay *r)
{
	struct relay_conn *c = xcalloc(1, sizeof *c);
	struct stream_limits limits = r->cfg.limits;
	uintptr_t per_addr;
	int rc;

	c->relay = r;
	c->state = RELAY_CONN_HANDSHAKE;
	limits.frame_max = r->cfg.frame_max;
	rc = stream_accept(&c->st, &r->sl, (uv_stream_t *)&r->server, r->s_priv,
	    &limits, &relay_conn_ops, c);
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
	r->ctr.accepted++;
	c->tokens = (uint64_t)r->cfg.rate_burst * RELAY_TOKEN;
	c->tokens_ms = uv_now(r->loop);
	/*
	 * The per-address limit comes first: one address flooding the relay
	 * with silent connections must not fill the total for everyone.
	 * A few over it get a polite refusal once they send message 1; past
	 * that they are cut off at once, so they hold no slot for a whole
	 * handshake timeout.
	 */
	per_addr = relay_conn_addr_add(r, c);
	if (per_addr > r->cfg.max_conns_per_addr) {
		r->ctr.refused_per_addr++;
		log_debug("conn %llu: refused, at the per-address limit",
		    (unsigned long long)c->st.id);
		if (per_addr > r->cfg.max_conns_per_addr + RELAY_ADDR_SLACK)
			relay_conn_drop(c);
		else
			stream_refuse(&c->st, PROTO_E_BUSY);
		return;
	}
	if (r->nconns > r->cfg.max_conns) {
		r->ctr.refused_busy++;
		log_debug("conn %llu: refused, at the connection limit",
		    (unsigned long long)c->st.id);
		/* As above, for the total. */
		if (r->nconns > r->cfg.max_conns + RELAY_BUSY_SLACK)
			relay_conn_drop(c);
		else
			stream_refuse(&c->st, PROTO_E_BUSY);
	}
}

void
relay_conn_close_all(struct relay *r)
{
	for (struct relay_conn *c = r->conns; c != NULL; c = c->next) {
		/* Clients that can read it learn why they were dropped. */
		if (c->st.state == STREAM_OPEN)
			stream_fail(
			    &c->st, 0, PROTO_E_SHUTDOWN, "relay shutting down");
		else
			stream_close(&c->st, 0);
	}
}

static void
relay_conn_on_open(struct stream *s)
{
	struct relay_conn *c = s->data;

	c->relay->ctr.handshakes++;
	c->state = RELAY_CONN_HELLO;
}

/*
 * Takes one request's worth from c's bucket after refilling it for the
 * time passed. Returns false if the bucket is empty.
 */
static bool
relay_conn_take_token(struct relay_conn *c)
{
	struct relay *r = c->relay;
	uint64_t now = uv_now(r->loop);
	uint64_t cap = (uint64_t)r->cfg.rate_burst * RELAY_TOKEN;

	/* rate_per_s requests per second is rate_per_s tokens per ms. */
	if (now > c->tokens_ms) {
		c->tokens += (now - c->tokens_ms) * r->cfg.rate_per_s;
		if (c->tokens > cap)
			c->tokens = cap;
		c->tokens_ms = now;
	}
	if (c->tokens < RELAY_TOKEN)
		return false;
	c->tokens -= RELAY_TOKEN;
	return true;
}

/*
 * Refuses a message over the rate. A request gets FAIL(RATE) so the client
 * can slow down; a client that ignores that for a whole burst is cut off.
 */
static void
relay_conn_over_rate(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	uint64_t req;

	r->ctr.rate_limited++;
	if (++c->refused_in_row > r->cfg.rate_burst) {
		stream_fail(&c->st, ERR_RATE, PROTO_E_RATE,
		    "request rate limit exceeded");
		return;
	}
	if (wire_request_id(m, &req))
		relay_conn_fail(c, req, PROTO_E_RATE, "request rate limit");
}

static void
relay_conn_on_msg(struct stream *s, const struct wire_msg *m)
{
	struct relay_conn *c = s->data;
	struct relay *r = c->relay;
	const struct relay_handler *h = NULL;

	if (m->type <= WIRE_MSG_TYPE_MAX)
		h = &relay_handlers[m->type];
	if (h == NULL || h->fn == NULL) {
		r->ctr.protocol_errors++;
		stream_fail(s, ERR_PROTO, PROTO_E_STATE,
		    "message not accepted by a relay");
		return;
	}
	if ((h->states & c->state) == 0) {
		r->ctr.protocol_errors++;
		stream_fail(s, ERR_PROTO, PROTO_E_STATE,
		    c->state == RELAY_CONN_HELLO
		        ? "the first message must be hello"
		        : "message not allowed now");
		return;
	}
	if (c->state == RELAY_CONN_READY) {
		if (!relay_conn_take_token(c)) {
			relay_conn_over_rate(c, m);
			return;
		}
		c->refused_in_row = 0;
		r->ctr.requests++;
	}
	h->fn(c, m);
}

static void
relay_conn_on_close(struct stream *s, int err, const char *why)
{
	struct relay_conn *c = s->data;
	struct relay *r = c->relay;

	if (err == ERR_TOO_BIG)
		r->ctr.slow_readers++;
	else if (err == ERR_TIMEOUT)
		r->ctr.idle_timeouts++;
	if (err != 0 && err != ERR_CLOSED) {
		r->ctr.closed_error++;
		log_debug("conn %llu: closed: %s", (unsigned long long)s->id,
		    err_str(err));
	}
	room_drop_conn(r, c);
	mbox_drop_conn(r, c);
	relay_defer_forget(r, c);
	relay_conn_addr_remove(r, c);
	*c->prevp = c->next;
	if (c->next != NULL)
		c->next->prevp = c->prevp;
	if (!c->dropped)
		r->nconns--;
	free(c);
}

void
relay_conn_send(struct relay_conn *c, const struct wire_msg *m)
{
	/* A failure closes the stream itself; nothing more to do here. */
	(void)stream_send(&c->st, m);
}

void
relay_conn_ok(struct relay_conn *c, uint64_t req, uint64_t value)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_OK;
	m.u.ok.req = req;
	m.u.ok.value = value;
	relay_conn_send(c, &m);
}

void
relay_conn_ok_durable(struct relay_conn *c, uint64_t req, uint64_t value)
{
	struct relay *r = c->relay;
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_OK;
	m.u.ok.req = req;
	m.u.ok.value = value;
	buf_reset(&r->scratch);
	if (wire_encode(&r->scratch, &m) == 0)
		relay_defer(r, c, req, r->scratch.data, r->scratch.len);
}

void
relay_conn_fail(
    struct relay_conn *c, uint64_t req, unsigned code, const char *reason)
{
	struct relay *r = c->relay;
	struct wire_msg m;

	r->ctr.rejected++;
	if (code == PROTO_E_DENIED)
		r->ctr.denied++;
	else if (code == PROTO_E_QUOTA)
		r->ctr.quota_full++;
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_FAIL;
	m.u.fail.req = req;
	m.u.fail.code = code;
	m.u.fail.reason.p = (const uint8_t *)reason;
	m.u.fail.reason.len = strnlen(reason, PROTO_REASON_MAX);
	relay_conn_send(c, &m);
}

void
relay_conn_fail_err(struct relay_conn *c, uint64_t req, int err)
{
	switch (err) {
	case ERR_NOTFOUND:
		relay_conn_fail(c, req, PROTO_E_NOT_FOUND, "not found");
		break;
	case ERR_EXISTS:
		relay_conn_fail(c, req, PROTO_E_EXISTS, "already exists");
		break;
	case ERR_QUOTA:
		relay_conn_fail(c, req, PROTO_E_QUOTA, "quota full");
		break;
	case ERR_DENIED:
		relay_conn_fail(c, req, PROTO_E_DENIED, "proof invalid");
		break;
	default:
		c->relay->ctr.store_errors++;
		log_error("conn %llu: request failed: %s",
		    (unsigned long long)c->st.id, err_str(err));
		relay_conn_fail(c, req, PROTO_E_INTERNAL, "relay store failed");
		break;
	}
}

bool
relay_conn_has_claim(const struct relay_conn *c, const uint8_t id[32])
{
	for (unsigned i = 0; i < c->nclaims; i++)
		if (memcmp(c->claims[i], id, PROTO_ID_LEN) == 0)
			return true;
	return false;
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
	w.u.welcome.frame_max = c->relay->cfg.frame_max;
	w.u.welcome.idle_ms = c->relay->cfg.limits.idle_ms;
	relay_conn_send(c, &w);
}

static void
relay_handle_ping(struct relay_conn *c, const struct wire_msg *m)
{
	struct wire_msg w;

	memset(&w, 0, sizeof w);
	w.type = WIRE_MSG_PONG;
	w.u.ping.token = m->u.ping.token;
	relay_conn_send(c, &w);
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

static void
relay_handle_info(struct relay_conn *c, const struct wire_msg *m)
{
	static const char software[] = "hearth-relay " HEARTH_VERSION;
	const struct relay_config *cfg = &c->relay->cfg;
	struct wire_msg w;

	memset(&w, 0, sizeof w);
	w.type = WIRE_MSG_INFO;
	w.u.info.req = m->u.req.req;
	w.u.info.software.p = (const uint8_t *)software;
	w.u.info.software.len = sizeof software - 1;
	w.u.info.page_max = cfg->page_max;
	w.u.info.room_keep_count_max = cfg->room_keep_count_max;
	w.u.info.room_keep_age_max_s = cfg->room_keep_age_max_s;
	w.u.info.mbox_ttl_s = cfg->mbox_ttl_s;
	w.u.info.mbox_quota_count = cfg->mbox_quota_count;
	w.u.info.mbox_quota_bytes = cfg->mbox_quota_bytes;
	w.u.info.escrow_max_s = cfg->escrow_max_s;
	relay_conn_send(c, &w);
}
