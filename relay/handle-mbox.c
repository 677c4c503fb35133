/* SPDX-License-Identifier: ISC */
/*
 * Mailbox and prekey requests. Anyone who knows a mailbox id may put into
 * it or fetch its prekey bundle; only a connection that has proven it
 * holds the mailbox key (claim) may fetch, acknowledge or publish prekeys.
 * A put is answered only after its commit, and a one-time prekey is handed
 * out only after its deletion is committed, so neither promise can be
 * broken by a crash.
 */
#include <string.h>

#include "common/err.h"
#include "common/proof.h"
#include "relay/conn.h"
#include "relay/handle.h"
#include "relay/mbox.h"
#include "relay/relay.h"
#include "relay/store.h"

static bool
handle_claimed(struct relay_conn *c, uint64_t req, const uint8_t *id)
{
	if (relay_conn_has_claim(c, id))
		return true;
	relay_conn_fail(c, req, PROTO_E_DENIED, "claim the mailbox first");
	return false;
}

void
handle_mbox_claim(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_proof *q = &m->u.proof;
	uint8_t id[PROTO_ID_LEN];
	uint64_t count = 0, bytes = 0;
	int rc;

	if (!proof_verify(q->sig.p, q->id.p, PROOF_MBOX_CLAIM, c->st.hs_hash,
	        q->id.p, PROTO_KEY_LEN)) {
		relay_conn_fail(
		    c, q->req, PROTO_E_DENIED, "mailbox proof invalid");
		return;
	}
	proof_mbox_id(id, q->id.p);
	/* The claim is recorded only once nothing else can fail. */
	rc = relay_store_mbox_usage(r->store, id, &count, &bytes);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	if (mbox_claim(r, c, id) != 0) {
		relay_conn_fail(c, q->req, PROTO_E_LIMIT,
		    "too many mailboxes on one connection");
		return;
	}
	relay_conn_ok(c, q->req, count);
}

void
handle_mbox_put(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_put *q = &m->u.put;
	uint64_t id, now_s = relay_now_ms() / 1000;
	int rc;

	rc = relay_store_mbox_put(r->store, q->id.p, now_s, q->envelope.p,
	    q->envelope.len, r->cfg.mbox_quota_count, r->cfg.mbox_quota_bytes,
	    &id);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.mbox_puts++;
	relay_conn_ok_durable(c, q->req, 0);
	mbox_push(r, q->id.p, id, now_s, q->envelope.p, q->envelope.len);
}

void
handle_mbox_fetch(struct relay_conn *c, const struct wire_msg *m)
{
	if (handle_claimed(c, m->u.fetch.req, m->u.fetch.id.p))
		handle__fetch(c, m, false);
}

void
handle_mbox_ack(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_mbox_ack *q = &m->u.ack;
	int rc;

	if (!handle_claimed(c, q->req, q->mbox.p))
		return;
	rc = relay_store_mbox_ack(r->store, q->mbox.p, q->id);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.mbox_acks++;
	relay_conn_ok_durable(c, q->req, 0);
}

void
handle_prekey_pub(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_prekey_pub *q = &m->u.prekey_pub;
	uint64_t count = 0;
	int rc = 0;

	if (!handle_claimed(c, q->req, q->mbox.p))
		return;
	/*
	 * One-time prekeys first: a full quota refuses the request before
	 * the bundle is replaced, so a FAIL leaves everything as it was.
	 */
	if (q->otks.len > 0)
		rc = relay_store_prekey_add(r->store, q->mbox.p, q->otks.p,
		    q->otks.len / PROTO_KEY_LEN, r->cfg.otk_max);
	if (rc == 0 && q->bundle.len > 0)
		rc = relay_store_prekey_set(
		    r->store, q->mbox.p, q->bundle.p, q->bundle.len);
	if (rc == 0)
		rc = relay_store_prekey_count(r->store, q->mbox.p, &count);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.prekey_publishes++;
	relay_conn_ok_durable(c, q->req, count);
}

void
handle_prekey_get(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_id_req *q = &m->u.id_req;
	uint8_t bundle[PROTO_BUNDLE_MAX], otk[PROTO_KEY_LEN];
	struct wire_msg out;
	size_t len = 0;
	bool have_otk = false;
	int rc;

	rc = relay_store_prekey_take(
	    r->store, q->id.p, bundle, sizeof bundle, &len, otk, &have_otk);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	memset(&out, 0, sizeof out);
	out.type = WIRE_MSG_PREKEY;
	out.u.prekey.req = q->req;
	out.u.prekey.bundle.p = bundle;
	out.u.prekey.bundle.len = len;
	out.u.prekey.otk.p = otk;
	out.u.prekey.otk.len = have_otk ? PROTO_KEY_LEN : 0;
	buf_reset(&r->scratch);
	rc = wire_encode(&r->scratch, &out);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.prekey_fetches++;
	/* Handed out only once its deletion is durable: at most once. */
	relay_defer(r, c, q->req, r->scratch.data, r->scratch.len);
}
