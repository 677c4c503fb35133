/* SPDX-License-Identifier: ISC */
/*
 * Room requests: create, subscribe, unsubscribe, publish, fetch and rotate.
 * Access to a room is proven per connection by a signature of the room's
 * access key over the connection's handshake hash (common/proof.h); the
 * relay never learns who the members are, only which connections proved.
 */
#include <string.h>

#include "common/err.h"
#include "common/proof.h"
#include "relay/conn.h"
#include "relay/handle.h"
#include "relay/relay.h"
#include "relay/room.h"
#include "relay/store.h"

/* A fetch stops adding envelopes once this much of the queue is used. */
#define ROOM_FETCH_QUEUE_SHARE 2

struct fetch_ctx {
	struct relay_conn *c;
	uint64_t req;
	const uint8_t *id;
	enum wire_type type;
	uint64_t last;
	uint64_t count;
};

/*
 * Queues one fetched envelope. Fetched envelopes wait for the commit like
 * every delivery: the store's reads see the open batch, so without that a
 * fetch could show an envelope that a crash then takes back. Stops the
 * fetch (with ERR_QUOTA, which the caller treats as "page full") once it
 * has queued half the connection's queue, so a fetch alone never makes
 * the relay drop a reader as slow; but the first envelope always goes, as
 * a reply with none would tell the client that nothing is left.
 */
static int
handle_fetch_one(
    void *arg, uint64_t seq, uint64_t time_s, const uint8_t *env, size_t len)
{
	struct fetch_ctx *f = arg;
	struct relay *r = f->c->relay;
	struct wire_msg m;
	int rc;

	/* Everything this connection has waiting counts, earlier requests'
	 * deferred replies included. */
	if (f->count > 0 &&
	    stream_queued(&f->c->st) + f->c->deferred >
	        r->cfg.limits.queue_max / ROOM_FETCH_QUEUE_SHARE)
		return ERR_QUOTA;
	memset(&m, 0, sizeof m);
	m.type = f->type;
	m.u.deliver.id.p = f->id;
	m.u.deliver.id.len = PROTO_ID_LEN;
	m.u.deliver.seq = seq;
	m.u.deliver.time_s = time_s;
	m.u.deliver.envelope.p = env;
	m.u.deliver.envelope.len = len;
	buf_reset(&r->scratch);
	rc = wire_encode(&r->scratch, &m);
	if (rc != 0)
		return rc;
	/*
	 * Never force a commit from inside the store's walk: end the page
	 * instead (the client asks again from the last number it got, or,
	 * for an empty page, handle__fetch commits and walks again).
	 */
	if (!relay_defer_fits(r, r->scratch.len))
		return ERR_QUOTA;
	relay_defer_data(r, f->c, r->scratch.data, r->scratch.len);
	f->last = seq;
	f->count++;
	return 0;
}

static unsigned
handle_page(const struct relay_conn *c, uint64_t limit)
{
	unsigned max = c->relay->cfg.page_max;

	return limit == 0 || limit > max ? max : (unsigned)limit;
}

/*
 * Runs a room or mailbox fetch and answers OK with the last sequence
 * number or id sent, or `after` if none: the client asks again from there
 * until the answer equals its `after`.
 */
void
handle__fetch(struct relay_conn *c, const struct wire_msg *m, bool room)
{
	struct relay *r = c->relay;
	const struct wire_fetch *q = &m->u.fetch;
	struct fetch_ctx f = {c, q->req, q->id.p,
	    room ? WIRE_MSG_ROOM_MSG : WIRE_MSG_MBOX_MSG, q->after, 0};
	size_t mark = r->ndeferred;
	unsigned limit = handle_page(c, q->limit);
	int rc;

	/*
	 * With half the queue already waiting (pipelined fetches), even one
	 * more page could make this connection a slow reader: ask it to come
	 * back, rather than answer an empty page that means "nothing left".
	 */
	if (stream_queued(&c->st) + c->deferred >
	    r->cfg.limits.queue_max / ROOM_FETCH_QUEUE_SHARE) {
		relay_conn_fail(c, q->req, PROTO_E_RATE,
		    "too much already queued for this connection; fetch again");
		return;
	}
	for (int attempt = 0;; attempt++) {
		if (room)
			rc = relay_store_room_fetch(r->store, q->id.p, q->after,
			    limit, handle_fetch_one, &f);
		else
			rc = relay_store_mbox_fetch(r->store, q->id.p, q->after,
			    limit, handle_fetch_one, &f);
		/*
		 * An empty page would read as "nothing left": if not even
		 * the first envelope fitted in the deferred list, commit
		 * now, outside the store's walk, and try once more.
		 */
		if (rc != ERR_QUOTA || f.count > 0 || attempt > 0)
			break;
		relay_commit_now(r);
		mark = r->ndeferred;
	}
	if (rc != 0 && rc != ERR_QUOTA) {
		/* Nothing of a failed fetch goes out: only its FAIL. */
		relay_defer_truncate(r, mark);
		if (c->st.state == STREAM_OPEN)
			relay_conn_fail_err(c, q->req, rc);
		return;
	}
	if (room)
		r->ctr.room_fetched += f.count;
	else
		r->ctr.mbox_fetched += f.count;
	/* After the envelopes, which wait for the commit too. */
	relay_conn_ok_durable(c, q->req, f.last);
}

void
handle_room_create(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct relay_config *cfg = &r->cfg;
	const struct wire_room_create *q = &m->u.room_create;
	struct relay_store_room sr;
	int rc;

	if (cfg->room_create == RELAY_ROOM_CREATE_TOKEN &&
	    (cfg->token_len == 0 || q->token.len != cfg->token_len ||
	        !proof_equal(q->token.p, cfg->token, cfg->token_len))) {
		relay_conn_fail(c, q->req, PROTO_E_DENIED,
		    "creating rooms needs the operator token");
		return;
	}
	memset(&sr, 0, sizeof sr);
	memcpy(sr.id, q->room.p, PROTO_ID_LEN);
	memcpy(sr.access_pub, q->access_pub.p, PROTO_KEY_LEN);
	sr.keep_count =
	    q->keep_count == 0 ? cfg->room_keep_count : q->keep_count;
	sr.keep_age_s =
	    q->keep_age_s == 0 ? cfg->room_keep_age_s : q->keep_age_s;
	if (sr.keep_count > cfg->room_keep_count_max ||
	    sr.keep_age_s > cfg->room_keep_age_max_s) {
		relay_conn_fail(c, q->req, PROTO_E_BAD_VALUE,
		    "retention above the relay's maximum (see info)");
		return;
	}
	rc = relay_store_room_create(r->store, &sr);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.rooms_created++;
	relay_conn_ok_durable(c, q->req, 0);
}

void
handle_room_sub(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_proof *q = &m->u.proof;
	struct relay_room *room;
	int rc;

	rc = room_get(r, q->id.p, &room);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	if (!proof_verify(q->sig.p, room->access_pub, PROOF_ROOM_SUB,
	        c->st.hs_hash, q->id.p, PROTO_ID_LEN)) {
		room_release_unused(r, room);
		relay_conn_fail(
		    c, q->req, PROTO_E_DENIED, "room access proof invalid");
		return;
	}
	if (room_subscribe(r, room, c) != 0) {
		room_release_unused(r, room);
		relay_conn_fail(c, q->req, PROTO_E_LIMIT,
		    "too many subscriptions on one connection");
		return;
	}
	r->ctr.room_subscribes++;
	relay_conn_ok(c, q->req, room->next_seq - 1);
}

/* The room c is subscribed to under id, or NULL. */
static struct relay_room *
handle_subscribed(struct relay_conn *c, const uint8_t *id)
{
	struct relay_room *room = idmap_get(&c->relay->rooms, id);

	return room != NULL && room_has(room, c) ? room : NULL;
}

void
handle_room_unsub(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay_room *room = handle_subscribed(c, m->u.id_req.id.p);

	if (room != NULL)
		room_unsubscribe(c->relay, room, c);
	relay_conn_ok(c, m->u.id_req.req, room != NULL);
}

void
handle_room_pub(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_put *q = &m->u.put;
	struct relay_room *room = handle_subscribed(c, q->id.p);
	struct wire_msg out;
	uint64_t seq, now_s = relay_now_ms() / 1000;
	int rc;

	if (room == NULL) {
		relay_conn_fail(
		    c, q->req, PROTO_E_DENIED, "subscribe to the room first");
		return;
	}
	seq = room->next_seq;
	rc = relay_store_room_append(
	    r->store, q->id.p, seq, now_s, q->envelope.p, q->envelope.len);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	room->next_seq++;
	memset(&out, 0, sizeof out);
	out.type = WIRE_MSG_ROOM_MSG;
	out.u.deliver.id = q->id;
	out.u.deliver.seq = seq;
	out.u.deliver.time_s = now_s;
	out.u.deliver.envelope = q->envelope;
	buf_reset(&r->scratch);
	/* Fanned out once committed: see relay_defer_fanout(). */
	if (wire_encode(&r->scratch, &out) == 0)
		relay_defer_fanout(
		    r, q->id.p, c->st.id, r->scratch.data, r->scratch.len);
	r->ctr.room_publishes++;
	relay_conn_ok_durable(c, q->req, seq);
}

void
handle_room_fetch(struct relay_conn *c, const struct wire_msg *m)
{
	if (handle_subscribed(c, m->u.fetch.id.p) == NULL) {
		relay_conn_fail(c, m->u.fetch.req, PROTO_E_DENIED,
		    "subscribe to the room first");
		return;
	}
	handle__fetch(c, m, true);
}

void
handle_room_rotate(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_room_rotate *q = &m->u.rotate;
	struct relay_room *room = handle_subscribed(c, q->room.p);
	uint8_t body[PROTO_ID_LEN + PROTO_KEY_LEN];
	int rc;

	if (room == NULL) {
		relay_conn_fail(
		    c, q->req, PROTO_E_DENIED, "subscribe to the room first");
		return;
	}
	memcpy(body, q->room.p, PROTO_ID_LEN);
	memcpy(body + PROTO_ID_LEN, q->new_pub.p, PROTO_KEY_LEN);
	if (!proof_verify(q->sig.p, room->access_pub, PROOF_ROOM_ROTATE,
	        c->st.hs_hash, body, sizeof body)) {
		relay_conn_fail(c, q->req, PROTO_E_DENIED,
		    "rotation must be signed by the current access key");
		return;
	}
	rc = relay_store_room_set_key(r->store, q->room.p, q->new_pub.p);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	memcpy(room->access_pub, q->new_pub.p, PROTO_KEY_LEN);
	/* Everyone else proved access with the old key: prove it again. */
	room_end_others(r, room, c, PROTO_E_ROTATED);
	r->ctr.room_rotations++;
	relay_conn_ok_durable(c, q->req, 0);
}
