/* SPDX-License-Identifier: ISC */
/*
 * The relay link. Each attempt gets its own struct upstream, freed in its
 * on_close, so an old attempt's late callbacks can never touch a new one.
 */
#include "client/link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "common/err.h"
#include "common/proof.h"
#include "common/xmalloc.h"

static void link_on_ready(struct upstream *u, const struct wire_welcome *w);
static void link_on_msg(struct upstream *u, const struct wire_msg *m);
static void link_on_close(struct upstream *u, int err, const char *reason);
static void link_on_retry(uv_timer_t *t);
static void link_on_timer_closed(uv_handle_t *h);

/* Frees a stopped link once nothing of it is open any more. */
static void
link_release(struct link *l)
{
	if (--l->pending == 0 && l->state == LINK_STOPPED) {
		free(l->reqs);
		free(l);
	}
}

static const struct upstream_ops link_ops = {
    .on_ready = link_on_ready,
    .on_msg = link_on_msg,
    .on_close = link_on_close,
};

const char *
link_state_name(enum link_state s)
{
	switch (s) {
	case LINK_CONNECTING:
		return "connecting";
	case LINK_CONNECTED:
		return "connected";
	case LINK_READY:
		return "ready";
	case LINK_WAITING:
		return "offline";
	case LINK_IDLE:
		return "unusable";
	case LINK_STOPPED:
		return "stopped";
	}
	return "unknown";
}

static uint32_t
link_rand(void *arg, uint32_t upper)
{
	return randombytes_uniform(upper);
}

/* Reports the link's state; reason and retry_ms when it went down. */
static void
link_event(struct link *l, const char *reason, uint32_t retry_ms, uint64_t n)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_RELAY;
	ev.action = link_state_name(l->state);
	ev.name = l->addr.host;
	ev.port = l->addr.port;
	ev.reason = reason;
	ev.retry_ms = retry_ms;
	ev.count = n;
	l->e->emit(l->e->arg, &ev);
}

/*
 * The proxy as this persona uses it. Tor keeps streams with different
 * SOCKS credentials on different circuits, so without credentials of
 * its own in the URL each persona offers its own (from its random id,
 * which means nothing to anyone): two personas never share a circuit,
 * which an onion relay could otherwise use to link them (review finding).
 * A proxy without authentication still accepts "none" (both offered).
 */
static void
link_proxy_for(struct engine *e, struct socks5_proxy *p)
{
	static const char hex[] = "0123456789abcdef";

	*p = e->proxy;
	if (p->user_len > 0)
		return;
	memcpy(p->user, "hearth-", 7);
	for (size_t i = 0; i < 8; i++) {
		p->user[7 + 2 * i] = (uint8_t)hex[e->persona_id[i] >> 4];
		p->user[8 + 2 * i] = (uint8_t)hex[e->persona_id[i] & 15];
	}
	p->user_len = 7 + 16;
	p->pass[0] = 'x';
	p->pass_len = 1;
}

/* One attempt. */
static void
link_attempt(struct link *l)
{
	struct engine *e = l->e;
	struct socks5_proxy proxy;
	int rc;

	l->up = xcalloc(1, sizeof *l->up);
	l->state = LINK_CONNECTING;
	if (e->use_proxy)
		link_proxy_for(e, &proxy);
	rc = upstream_connect_via(l->up, &e->sl, &l->addr,
	    e->use_proxy ? &proxy : NULL, &link_ops, l);
	socks5_wipe(&proxy, sizeof proxy);
	if (rc != 0) {
		uint32_t delay;

		/* No callback follows a failed start: nothing to wait for. */
		free(l->up);
		l->up = NULL;
		if (rc == ERR_PROXY_NEEDED || rc == ERR_ADDR) {
			/* Trying again would not help: say so and stop. */
			l->state = LINK_IDLE;
			link_event(l, err_str(rc), 0, 0);
			return;
		}
		delay = reconnect_next(&l->sched, uv_now(&e->loop));
		l->state = LINK_WAITING;
		link_event(l, err_str(rc), delay, 0);
		uv_timer_start(&l->retry, link_on_retry, delay, 0);
		return;
	}
	l->pending++;
	link_event(l, NULL, 0, 0);
}

int
link_start(struct link *l, struct engine *e, const char *address)
{
	memset(l, 0, sizeof *l);
	l->e = e;
	snprintf(l->address, sizeof l->address, "%s", address);
	if (addr_parse(address, strlen(address), &l->addr) != 0)
		return ERR_ADDR;
	reconnect_init(&l->sched, link_rand, NULL);
	uv_timer_init(&e->loop, &l->retry);
	l->retry.data = l;
	l->pending = 1;
	link_attempt(l);
	return 0;
}

static void
link_on_ready(struct upstream *u, const struct wire_welcome *w)
{
	struct link *l = u->data;
	struct engine *e = l->e;
	uint8_t pub[PROOF_PUB_LEN], sec[PROOF_SEC_LEN], sig[PROOF_SIG_LEN];
	struct wire_msg m;

	l->state = LINK_CONNECTED;
	reconnect_up(&l->sched, uv_now(&e->loop));
	link_event(l, NULL, 0, 0);
	/* Prove the mailbox is ours on this connection, and no other. */
	proof_keypair(pub, sec, e->keys->mbox_seed);
	proof_sign(sig, sec, PROOF_MBOX_CLAIM, u->st.hs_hash, pub, sizeof pub);
	sodium_memzero(sec, sizeof sec);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_CLAIM;
	m.u.proof.req = l->claim_req = ++e->next_req;
	m.u.proof.id.p = pub;
	m.u.proof.id.len = sizeof pub;
	m.u.proof.sig.p = sig;
	m.u.proof.sig.len = sizeof sig;
	if (upstream_send(u, &m) != 0)
		upstream_close(u);
}

int
link_request(struct link *l, const struct wire_msg *m, enum link_req_kind kind,
    uint64_t arg, const uint8_t id[32])
{
	struct link_req *r;
	uint64_t req;
	int rc;

	if (l->state != LINK_READY || l->up == NULL ||
	    !wire_request_id(m, &req))
		return UV_ENOTCONN;
	/* Remembered only once sent, or its entry would wait forever. */
	rc = upstream_send(l->up, m);
	if (rc != 0)
		return rc;
	if (l->nreqs == l->capreqs) {
		l->capreqs = l->capreqs == 0 ? 16 : 2 * l->capreqs;
		l->reqs = xreallocarray(l->reqs, l->capreqs, sizeof *l->reqs);
	}
	r = &l->reqs[l->nreqs++];
	memset(r, 0, sizeof *r);
	r->req = req;
	r->kind = kind;
	r->arg = arg;
	if (id != NULL)
		memcpy(r->id, id, sizeof r->id);
	return 0;
}

bool
link_in_flight(const struct link *l, enum link_req_kind kind, uint64_t arg,
    const uint8_t *id)
{
	for (size_t i = 0; i < l->nreqs; i++)
		if (l->reqs[i].kind == kind && l->reqs[i].arg == arg &&
		    (id == NULL || memcmp(l->reqs[i].id, id, 32) == 0))
			return true;
	return false;
}

/* Takes the request the answer m is for out of the list into *out. */
static bool
link_take(struct link *l, const struct wire_msg *m, struct link_req *out)
{
	uint64_t req;

	switch (m->type) {
	case WIRE_MSG_OK:
		req = m->u.ok.req;
		break;
	case WIRE_MSG_FAIL:
		req = m->u.fail.req;
		break;
	case WIRE_MSG_PREKEY:
		req = m->u.prekey.req;
		break;
	default:
		return false;
	}
	for (size_t i = 0; i < l->nreqs; i++) {
		if (l->reqs[i].req != req)
			continue;
		*out = l->reqs[i];
		l->reqs[i] = l->reqs[--l->nreqs];
		return true;
	}
	return false;
}

static void
link_on_msg(struct upstream *u, const struct wire_msg *m)
{
	struct link *l = u->data;
	struct link_req r;

	if (m->type == WIRE_MSG_OK && m->u.ok.req == l->claim_req) {
		l->state = LINK_READY;
		link_event(l, NULL, 0, m->u.ok.value);
		engine_link_ready(l->e, l);
	} else if (m->type == WIRE_MSG_FAIL && m->u.fail.req == l->claim_req) {
		engine_error(l->e, "/relay", "the relay refused the mailbox");
		upstream_close(u);
	} else if (m->type == WIRE_MSG_ROOM_MSG ||
	           m->type == WIRE_MSG_MBOX_MSG ||
	           m->type == WIRE_MSG_ROOM_ENDED) {
		engine_link_push(l->e, l, m);
	} else if (link_take(l, m, &r)) {
		engine_link_reply(l->e, l, &r, m);
	}
}

static void
link_on_close(struct upstream *u, int err, const char *reason)
{
	struct link *l = u->data;
	uint32_t delay;

	free(u);
	l->up = NULL;
	/* Their answers will never come: the engine sends again when ready. */
	l->nreqs = 0;
	if (l->state == LINK_STOPPED) {
		link_release(l);
		return;
	}
	l->pending--;
	engine_link_down(l->e, l);
	delay = reconnect_next(&l->sched, uv_now(&l->e->loop));
	l->state = LINK_WAITING;
	link_event(l, reason != NULL ? reason : err_str(err), delay, 0);
	uv_timer_start(&l->retry, link_on_retry, delay, 0);
}

static void
link_on_retry(uv_timer_t *t)
{
	struct link *l = t->data;

	if (l->state == LINK_WAITING)
		link_attempt(l);
}

static void
link_on_timer_closed(uv_handle_t *h)
{
	link_release(h->data);
}

void
link_stop(struct link *l)
{
	if (l->state == LINK_STOPPED)
		return;
	l->state = LINK_STOPPED;
	if (l->up != NULL)
		upstream_close(l->up);
	uv_timer_stop(&l->retry);
	uv_close((uv_handle_t *)&l->retry, link_on_timer_closed);
}
