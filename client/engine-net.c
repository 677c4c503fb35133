/* SPDX-License-Identifier: ISC */
/*
 * The engine's relay links: one per relay the persona in use needs (its
 * own relay and its rooms' relays, each over its own connection), what
 * happens when one becomes ready, and the outbox that waits for them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/store.h"
#include "common/err.h"
#include "common/pad.h"
#include "common/xmalloc.h"

/* How often the engine retries what is waiting. */
#define ENGINE_TICK_MS 10000

static cstore_log_cb engine_need_outbox;

struct link *
engine_link_for(struct engine *e, const char *relay)
{
	for (size_t i = 0; i < e->nlinks; i++)
		if (strcmp(e->links[i]->address, relay) == 0)
			return e->links[i];
	return NULL;
}

/* Marks relay as needed, starting a link to it if there is none. */
static void
engine_link_need(struct engine *e, const char *relay)
{
	struct link *l = engine_link_for(e, relay);

	if (l != NULL) {
		l->used = true;
		return;
	}
	if (e->nlinks == ENGINE_LINKS_MAX) {
		engine_error(e, "/relay",
		    "too many relays at once; "
		    "leave a room on another relay first");
		return;
	}
	l = xcalloc(1, sizeof *l);
	if (link_start(l, e, relay) != 0) {
		free(l);
		return;
	}
	l->used = true;
	e->links[e->nlinks++] = l;
}

void
engine_links_sync(struct engine *e)
{
	uint8_t key[5 + ENGINE_PID_LEN];
	char address[ADDR_STR_MAX];
	size_t len = 0, i;

	for (i = 0; i < e->nlinks; i++)
		e->links[i]->used = false;
	if (e->persona[0] != '\0' && e->store != NULL) {
		if (cstore_get(e->store, CSTORE_SETTING, key,
		        engine_key(e, key, "relay", 5, NULL, 0),
		        (uint8_t *)address, sizeof address - 1, &len) == 0) {
			address[len] = '\0';
			engine_link_need(e, address);
		}
		for (i = 0; i < e->nrooms; i++)
			engine_link_need(e, e->rooms[i].relay);
		cstore_log_each(e->store, CSTORE_OUTBOX, e->persona_id,
		    ENGINE_PID_LEN, 0, engine_need_outbox, e);
	}
	/* Links nobody needs any more close and free themselves. */
	for (i = 0; i < e->nlinks;) {
		if (e->links[i]->used) {
			i++;
			continue;
		}
		link_stop(e->links[i]);
		e->links[i] = e->links[--e->nlinks];
	}
}

void
engine_links_drop(struct engine *e)
{
	for (size_t i = 0; i < e->nlinks; i++)
		link_stop(e->links[i]);
	e->nlinks = 0;
}

/* Relays that outbox entries wait for stay connected until they leave. */
static int
engine_need_outbox(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct engine *e = arg;
	struct outbox_rec o;

	(void)id;
	(void)time_s;
	(void)expires_s;
	if (outbox_rec_load(&o, val, vlen) == 0)
		engine_link_need(e, o.relay);
	return 0;
}

static void
engine_on_tick(uv_timer_t *t)
{
	struct engine *e = t->data;

	engine_links_sync(e);
	engine_prekeys_rotate_due(e);
	for (size_t i = 0; i < e->nlinks; i++)
		if (e->links[i]->state == LINK_READY) {
			engine_room_on_tick(e, e->links[i]);
			engine_dm_on_tick(e, e->links[i]);
		}
	engine_outbox_flush(e, NULL);
	engine_room_replay(e);
}

void
engine_tick_start(struct engine *e)
{
	if (e->tick_open)
		return;
	uv_timer_init(&e->loop, &e->tick);
	e->tick.data = e;
	e->tick_open = true;
	/* Room messages held when hearth stopped may open now. */
	e->replay = true;
	uv_timer_start(
	    &e->tick, engine_on_tick, ENGINE_TICK_MS, ENGINE_TICK_MS);
}

void
engine_tick_stop(struct engine *e)
{
	if (!e->tick_open)
		return;
	e->tick_open = false;
	uv_timer_stop(&e->tick);
	uv_close((uv_handle_t *)&e->tick, NULL);
}

void
engine_link_ready(struct engine *e, struct link *l)
{
	engine_dm_on_ready(e, l);
	engine_room_on_ready(e, l);
	engine_outbox_flush(e, l);
}

void
engine_link_down(struct engine *e, struct link *l)
{
	engine_room_on_down(e, l);
}

struct engine_find {
	uint64_t id;
	uint8_t *val;
	size_t vlen;
	bool found;
};

static int
engine_find_one(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct engine_find *f = arg;

	(void)time_s;
	(void)expires_s;
	if (id == f->id && vlen <= CSTORE_VALUE_MAX) {
		memcpy(f->val, val, vlen);
		f->vlen = vlen;
		f->found = true;
	}
	return 1; /* the first entry after id - 1 is the one, if any */
}

/* The relay answered an outbox entry: done, or refused for good. */
static void
engine_outbox_answer(
    struct engine *e, const struct link_req *r, const struct wire_msg *m)
{
	struct engine_find f = {0};
	struct engine_event ev;
	struct outbox_rec o;
	uint8_t *val;
	char msgid[2 * CONTENT_ID_LEN + 1], who[ENGINE_ID_MAX];
	struct engine_room *rm;
	struct contact_rec c;
	size_t vlen = 0;
	int rc;

	/*
	 * Only an ok, or a refusal that trying again cannot change, ends an
	 * entry: a full mailbox, a relay's trouble or a refused subscription
	 * may pass, and the tick sends it again.
	 */
	bool ok = m->type == WIRE_MSG_OK;

	/* An escrow that exists already is ours, sent before a crash. */
	if (m->type == WIRE_MSG_FAIL && m->u.fail.code == PROTO_E_EXISTS)
		ok = true;
	if (!ok && m->type == WIRE_MSG_FAIL &&
	    m->u.fail.code != PROTO_E_NOT_FOUND &&
	    m->u.fail.code != PROTO_E_BAD_VALUE &&
	    m->u.fail.code != PROTO_E_MALFORMED)
		return;
	/* Read the entry back for what to report. */
	val = xmalloc(CSTORE_VALUE_MAX);
	f.id = r->arg;
	f.val = val;
	cstore_log_each(e->store, CSTORE_OUTBOX, e->persona_id, ENGINE_PID_LEN,
	    r->arg - 1, engine_find_one, &f);
	vlen = f.vlen;
	if (!f.found || outbox_rec_load(&o, val, vlen) != 0) {
		free(val);
		return;
	}
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = cstore_log_del(e->store, CSTORE_OUTBOX, r->arg);
	if (rc == 0 && m->type == WIRE_MSG_OK)
		rc = engine_room_on_sent(e, &o);
	if (engine_commit(e, rc) != 0 || !o.report) {
		free(val);
		return;
	}
	if (o.op >= OUTBOX_ESCROW_PUT) {
		engine_timer_answer(e, &o, ok);
		free(val);
		return;
	}
	memset(&ev, 0, sizeof ev);
	engine_hex(msgid, o.msgid, sizeof o.msgid);
	ev.msgid = msgid;
	if (o.op == OUTBOX_ROOM_PUB) {
		rm = engine_room_by_id(e, o.about);
		ev.room = rm != NULL ? rm->name : "";
	} else {
		if (engine_contact_load(e, o.about, &c) == 0)
			engine_display(who, c.name, o.about);
		else
			engine_display(who, NULL, o.about);
		ev.peer = who;
	}
	if (m->type == WIRE_MSG_OK) {
		ev.kind = ENGINE_EV_DELIVERED;
		e->emit(e->arg, &ev);
	} else {
		engine_error(e, o.op == OUTBOX_ROOM_PUB ? "/say" : "/dm",
		    "the relay refused a message; it was not delivered");
	}
	free(val);
}

void
engine_link_reply(struct engine *e, struct link *l, const struct link_req *r,
    const struct wire_msg *m)
{
	switch (r->kind) {
	case LINK_REQ_OUTBOX:
		engine_outbox_answer(e, r, m);
		break;
	case LINK_REQ_SUB:
	case LINK_REQ_FETCH:
	case LINK_REQ_CREATE:
	case LINK_REQ_UNSUB:
		engine_room_on_reply(e, l, r, m);
		break;
	case LINK_REQ_MBOX_FETCH:
	case LINK_REQ_ACK:
	case LINK_REQ_PREKEY_PUB:
	case LINK_REQ_PREKEY_GET:
		engine_dm_on_reply(e, l, r, m);
		break;
	}
}

void
engine_link_push(struct engine *e, struct link *l, const struct wire_msg *m)
{
	struct engine_room *rm;

	switch (m->type) {
	case WIRE_MSG_ROOM_MSG:
		engine_room_on_msg(e, l, m);
		break;
	case WIRE_MSG_MBOX_MSG:
		engine_dm_on_msg(e, l, m);
		break;
	case WIRE_MSG_ROOM_ENDED:
		if (m->u.ended.room.len != 32)
			break;
		rm = engine_room_by_id(e, m->u.ended.room.p);
		if (rm != NULL && strcmp(rm->relay, l->address) == 0) {
			rm->subscribed = false;
			engine_error(
			    e, "/room", "the relay ended a room subscription");
		}
		break;
	default:
		break;
	}
}

int
engine_outbox_add(
    struct engine *e, const struct outbox_rec *o, uint64_t expires_s)
{
	uint8_t *val = xmalloc(CSTORE_VALUE_MAX);
	size_t vlen = 0;
	uint64_t id;
	int rc;

	rc = outbox_rec_save(o, val, CSTORE_VALUE_MAX, &vlen);
	if (rc == 0)
		rc = cstore_log_append(e->store, CSTORE_OUTBOX, e->persona_id,
		    ENGINE_PID_LEN, (uint64_t)time(NULL), expires_s, val, vlen,
		    &id);
	free(val);
	if (rc == 0 && expires_s != 0)
		engine_expiry_start(e);
	return rc;
}

/* Peers whose waiting messages one flush moves onto their sessions. */
#define ENGINE_DRAIN_MAX 8

struct engine_flush {
	struct engine *e;
	struct link *l; /* NULL: every ready link */
	uint8_t drain[ENGINE_DRAIN_MAX][32];
	size_t ndrain;
};

/* The safety timer's requests (their layouts: client/records.h). */
static void
engine_flush_escrow(
    struct engine *e, struct link *l, uint64_t id, const struct outbox_rec *o)
{
	uint64_t release = 0;
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	if (o->op == OUTBOX_ESCROW_PUT) {
		if (o->env_len <= 8)
			return;
		for (int i = 0; i < 8; i++)
			release = release << 8 | o->env[i];
		m.type = WIRE_MSG_ESCROW_PUT;
		m.u.escrow_put.req = ++e->next_req;
		m.u.escrow_put.cancel_hash.p = o->about;
		m.u.escrow_put.cancel_hash.len = 32;
		m.u.escrow_put.mbox.p = o->target;
		m.u.escrow_put.mbox.len = 32;
		m.u.escrow_put.release_s = release;
		m.u.escrow_put.envelope.p = o->env + 8;
		m.u.escrow_put.envelope.len = o->env_len - 8;
	} else {
		if (o->env_len != (o->op == OUTBOX_ESCROW_EXTEND ? 40u : 32u))
			return;
		if (o->op == OUTBOX_ESCROW_EXTEND)
			for (int i = 0; i < 8; i++)
				release = release << 8 | o->env[32 + i];
		m.type = o->op == OUTBOX_ESCROW_CANCEL ? WIRE_MSG_ESCROW_CANCEL
		                                       : WIRE_MSG_ESCROW_EXTEND;
		m.u.escrow.req = ++e->next_req;
		m.u.escrow.token.p = o->env;
		m.u.escrow.token.len = 32;
		m.u.escrow.release_s = release;
	}
	link_request(l, &m, LINK_REQ_OUTBOX, id, NULL);
}

static int
engine_flush_one(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct engine_flush *f = arg;
	struct engine_room *rm;
	struct outbox_rec o;
	struct wire_msg m;
	struct link *l;

	(void)time_s;
	(void)expires_s;
	if (outbox_rec_load(&o, val, vlen) != 0)
		return 0;
	l = engine_link_for(f->e, o.relay);
	if (l == NULL || (f->l != NULL && l != f->l) ||
	    l->state != LINK_READY ||
	    link_in_flight(l, LINK_REQ_OUTBOX, id, NULL))
		return 0;
	if (o.op == OUTBOX_WAIT) {
		/*
		 * A session that exists already (one the peer started, say
		 * before a crash let its messages drain) takes it; else the
		 * session starts with the peer's bundle from this relay. Every
		 * bundle fetched costs the peer a one-time prekey (review).
		 */
		if (engine_dm_has_session(f->e, o.about)) {
			if (f->ndrain < ENGINE_DRAIN_MAX &&
			    (f->ndrain == 0 || memcmp(f->drain[f->ndrain - 1],
			                           o.about, 32) != 0))
				memcpy(f->drain[f->ndrain++], o.about, 32);
		} else if (!link_in_flight(l, LINK_REQ_PREKEY_GET, 0, o.about))
			engine_dm_request_bundle(f->e, l, o.target, o.about);
		return 0;
	}
	memset(&m, 0, sizeof m);
	if (o.op >= OUTBOX_ESCROW_PUT) {
		engine_flush_escrow(f->e, l, id, &o);
		return 0;
	}
	if (o.op == OUTBOX_MBOX_PUT) {
		m.type = WIRE_MSG_MBOX_PUT;
	} else {
		/* Only a subscriber may publish. */
		rm = engine_room_by_id(f->e, o.target);
		if (rm == NULL || !rm->subscribed)
			return 0;
		m.type = WIRE_MSG_ROOM_PUB;
	}
	m.u.put.req = ++f->e->next_req;
	m.u.put.id.p = o.target;
	m.u.put.id.len = sizeof o.target;
	m.u.put.envelope.p = o.env;
	m.u.put.envelope.len = o.env_len;
	link_request(l, &m, LINK_REQ_OUTBOX, id, NULL);
	return 0;
}

void
engine_outbox_flush(struct engine *e, struct link *l)
{
	struct engine_flush f = {.e = e, .l = l};

	if (e->persona[0] == '\0')
		return;
	cstore_log_each(e->store, CSTORE_OUTBOX, e->persona_id, ENGINE_PID_LEN,
	    0, engine_flush_one, &f);
	/* Each drain flushes again, with these entries gone. */
	for (size_t i = 0; i < f.ndrain; i++)
		engine_dm_send_waiting(e, f.drain[i]);
}
