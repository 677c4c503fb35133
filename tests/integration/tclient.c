/* SPDX-License-Identifier: ISC */
/* Step-by-step test clients over client/upstream.c. */
#include "tests/integration/tclient.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/xmalloc.h"

static void
tc_on_ready(struct upstream *u, const struct wire_welcome *w)
{
	struct tc *c = u->data;

	c->ready = true;
}

static void
tc_keep(struct tc *c, const struct wire_msg *m)
{
	struct tc_delivery *d;

	if (c->count_only) {
		c->ninbox++;
		return;
	}
	if (c->ninbox == c->cap) {
		c->cap = c->cap == 0 ? 64 : c->cap * 2;
		c->inbox = xreallocarray(c->inbox, c->cap, sizeof *c->inbox);
	}
	d = &c->inbox[c->ninbox++];
	d->type = m->type;
	memcpy(d->id, m->u.deliver.id.p, PROTO_ID_LEN);
	d->seq = m->u.deliver.seq;
	d->time_s = m->u.deliver.time_s;
	d->len = m->u.deliver.envelope.len;
	d->env = xmalloc(d->len);
	memcpy(d->env, m->u.deliver.envelope.p, d->len);
}

static void
tc_on_msg(struct upstream *u, const struct wire_msg *m)
{
	struct tc *c = u->data;
	uint64_t req;

	switch (m->type) {
	case WIRE_MSG_ROOM_MSG:
	case WIRE_MSG_MBOX_MSG:
		tc_keep(c, m);
		return;
	case WIRE_MSG_ROOM_ENDED:
		c->ended++;
		c->ended_code = m->u.ended.code;
		return;
	case WIRE_MSG_OK:
		req = m->u.ok.req;
		break;
	case WIRE_MSG_FAIL:
		req = m->u.fail.req;
		break;
	case WIRE_MSG_INFO:
		req = m->u.info.req;
		break;
	case WIRE_MSG_PREKEY:
		req = m->u.prekey.req;
		break;
	default:
		return;
	}
	if (req != c->want_req || c->answered) {
		c->unanswered++;
		if (m->type == WIRE_MSG_OK) {
			c->ok_only++;
			c->last_only_value = m->u.ok.value;
		} else if (m->type == WIRE_MSG_FAIL)
			c->fail_only++;
		return;
	}
	c->answered = true;
	c->reply_type = m->type;
	c->value = m->type == WIRE_MSG_OK ? m->u.ok.value : 0;
	c->fail_code = m->type == WIRE_MSG_FAIL ? m->u.fail.code : 0;
	if (m->type == WIRE_MSG_INFO) {
		c->info = m->u.info;
		c->info.software.p = NULL;
	}
	if (m->type == WIRE_MSG_PREKEY) {
		c->bundle_len = m->u.prekey.bundle.len;
		memcpy(c->bundle, m->u.prekey.bundle.p, c->bundle_len);
		c->otk_len = m->u.prekey.otk.len;
		if (c->otk_len > 0)
			memcpy(c->otk, m->u.prekey.otk.p, c->otk_len);
	}
}

static void
tc_on_close(struct upstream *u, int err, const char *reason)
{
	struct tc *c = u->data;

	c->closed = true;
	c->close_err = err;
	if (reason != NULL)
		snprintf(c->reason, sizeof c->reason, "%s", reason);
}

static const struct upstream_ops tc_ops = {
    .on_ready = tc_on_ready,
    .on_msg = tc_on_msg,
    .on_close = tc_on_close,
};

static void
tc_on_deadline(uv_timer_t *t)
{
	struct tc_env *e = t->data;

	e->expired = true;
}

void
tc_env_init(struct tc_env *e)
{
	memset(e, 0, sizeof *e);
	uv_loop_init(&e->loop);
	stream_loop_init(&e->sl, &e->loop);
	uv_timer_init(&e->loop, &e->deadline);
	e->deadline.data = e;
}

void
tc_env_release(struct tc_env *e)
{
	uv_close((uv_handle_t *)&e->deadline, NULL);
	stream_loop_release(&e->sl);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&e->loop) != 0)
		abort();
}

bool
tc_run(struct tc_env *e, bool (*done)(void *), void *arg, unsigned ms)
{
	e->expired = false;
	uv_timer_start(&e->deadline, tc_on_deadline, ms, 0);
	while (!done(arg) && !e->expired)
		uv_run(&e->loop, UV_RUN_ONCE);
	uv_timer_stop(&e->deadline);
	return done(arg);
}

static bool
tc_is_settled(void *arg)
{
	struct tc *c = arg;

	return c->ready || c->closed;
}

int
tc_open(struct tc *c, struct tc_env *e, const struct addr *a)
{
	memset(c, 0, sizeof *c);
	c->env = e;
	c->next_req = 1;
	if (upstream_connect(&c->up, &e->sl, a, &tc_ops, c) != 0)
		return -1;
	tc_run(e, tc_is_settled, c, 5000);
	return c->ready && !c->closed ? 0 : -1;
}

static bool
tc_is_closed(void *arg)
{
	return ((struct tc *)arg)->closed;
}

void
tc_close(struct tc *c)
{
	if (!c->closed)
		upstream_close(&c->up);
	tc_run(c->env, tc_is_closed, c, 5000);
	tc_inbox_clear(c);
	free(c->inbox);
	c->inbox = NULL;
	c->cap = 0;
}

int
tc_wait_closed(struct tc *c, unsigned ms)
{
	return tc_run(c->env, tc_is_closed, c, ms) ? 0 : -1;
}

static bool
tc_is_answered(void *arg)
{
	struct tc *c = arg;

	return c->answered || c->closed;
}

int
tc_call(struct tc *c, struct wire_msg *m)
{
	uint64_t req = c->next_req++;

	/* Every request's number is its first field (wire.h). */
	m->u.req.req = req;
	c->want_req = req;
	c->answered = false;
	if (upstream_send(&c->up, m) != 0)
		return -1;
	if (!tc_run(c->env, tc_is_answered, c, 10000) || !c->answered)
		return -1;
	return c->reply_type == WIRE_MSG_FAIL ? (int)c->fail_code : 0;
}

int
tc_send_only(struct tc *c, struct wire_msg *m)
{
	m->u.req.req = c->next_req++;
	c->sent_only++;
	return upstream_send(&c->up, m);
}

struct tc_inbox_wait {
	struct tc *c;
	size_t n;
};

static bool
tc_has_inbox(void *arg)
{
	struct tc_inbox_wait *w = arg;

	return w->c->ninbox >= w->n || w->c->closed;
}

int
tc_wait_inbox(struct tc *c, size_t n, unsigned ms)
{
	struct tc_inbox_wait w = {c, n};

	tc_run(c->env, tc_has_inbox, &w, ms);
	return c->ninbox >= n ? 0 : -1;
}

void
tc_inbox_clear(struct tc *c)
{
	for (size_t i = 0; i < c->ninbox && !c->count_only; i++)
		free(c->inbox[i].env);
	c->ninbox = 0;
}

static struct wire_bytes
tc_bytes(const void *p, size_t len)
{
	struct wire_bytes b = {p, len};

	return b;
}

int
tc_room_create(struct tc *c, const uint8_t room[32],
    const uint8_t access_pub[32], uint64_t keep_count, uint64_t keep_age_s)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_CREATE;
	m.u.room_create.room = tc_bytes(room, 32);
	m.u.room_create.access_pub = tc_bytes(access_pub, 32);
	m.u.room_create.keep_count = keep_count;
	m.u.room_create.keep_age_s = keep_age_s;
	return tc_call(c, &m);
}

int
tc_room_sub(struct tc *c, const uint8_t room[32],
    const uint8_t access_sec[PROOF_SEC_LEN])
{
	uint8_t sig[PROOF_SIG_LEN];
	struct wire_msg m;

	proof_sign(sig, access_sec, PROOF_ROOM_SUB, c->up.st.hs_hash, room, 32);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_SUB;
	m.u.proof.id = tc_bytes(room, 32);
	m.u.proof.sig = tc_bytes(sig, sizeof sig);
	return tc_call(c, &m);
}

int
tc_room_pub(struct tc *c, const uint8_t room[32], const void *env, size_t len)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_PUB;
	m.u.put.id = tc_bytes(room, 32);
	m.u.put.envelope = tc_bytes(env, len);
	return tc_call(c, &m);
}

static int
tc_fetch(struct tc *c, enum wire_type type, const uint8_t id[32],
    uint64_t after, uint64_t limit)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = type;
	m.u.fetch.id = tc_bytes(id, 32);
	m.u.fetch.after = after;
	m.u.fetch.limit = limit;
	return tc_call(c, &m);
}

int
tc_room_fetch(
    struct tc *c, const uint8_t room[32], uint64_t after, uint64_t limit)
{
	return tc_fetch(c, WIRE_MSG_ROOM_FETCH, room, after, limit);
}

int
tc_mbox_claim(
    struct tc *c, const uint8_t pub[32], const uint8_t sec[PROOF_SEC_LEN])
{
	uint8_t sig[PROOF_SIG_LEN];
	struct wire_msg m;

	proof_sign(sig, sec, PROOF_MBOX_CLAIM, c->up.st.hs_hash, pub, 32);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_CLAIM;
	m.u.proof.id = tc_bytes(pub, 32);
	m.u.proof.sig = tc_bytes(sig, sizeof sig);
	return tc_call(c, &m);
}

int
tc_mbox_put(struct tc *c, const uint8_t mbox[32], const void *env, size_t len)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_PUT;
	m.u.put.id = tc_bytes(mbox, 32);
	m.u.put.envelope = tc_bytes(env, len);
	return tc_call(c, &m);
}

int
tc_mbox_fetch(
    struct tc *c, const uint8_t mbox[32], uint64_t after, uint64_t limit)
{
	return tc_fetch(c, WIRE_MSG_MBOX_FETCH, mbox, after, limit);
}

int
tc_mbox_ack(struct tc *c, const uint8_t mbox[32], uint64_t id)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_ACK;
	m.u.ack.mbox = tc_bytes(mbox, 32);
	m.u.ack.id = id;
	return tc_call(c, &m);
}

void
tc_keypair(uint8_t seed_byte, uint8_t pub[32], uint8_t sec[PROOF_SEC_LEN])
{
	uint8_t seed[PROOF_SEED_LEN];

	memset(seed, seed_byte, sizeof seed);
	proof_keypair(pub, sec, seed);
}

uint64_t
relay_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}
