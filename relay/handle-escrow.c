/* SPDX-License-Identifier: ISC */
/*
 * Escrow requests, for safety timers: an envelope left with the relay to be
 * put into a mailbox at a release time unless cancelled first. The escrow
 * is named by the hash of a cancel token that only its author knows, so
 * nobody else can cancel or extend it, and the relay cannot read it.
 */
#include <string.h>

#include "common/err.h"
#include "common/proof.h"
#include "relay/conn.h"
#include "relay/handle.h"
#include "relay/relay.h"
#include "relay/store.h"

/* Checks a release time against now and the relay's furthest delay. */
static bool
handle_release_ok(struct relay_conn *c, uint64_t req, uint64_t release_s)
{
	uint64_t now_s = relay_now_ms() / 1000;

	if (release_s <= now_s) {
		relay_conn_fail(c, req, PROTO_E_BAD_VALUE,
		    "release time is not in the future");
		return false;
	}
	if (release_s - now_s > c->relay->cfg.escrow_max_s) {
		relay_conn_fail(c, req, PROTO_E_BAD_VALUE,
		    "release time beyond the relay's maximum (see info)");
		return false;
	}
	return true;
}

void
handle_escrow_put(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_escrow_put *q = &m->u.escrow_put;
	int rc;

	if (!handle_release_ok(c, q->req, q->release_s))
		return;
	rc = relay_store_escrow_put(r->store, q->cancel_hash.p, q->mbox.p,
	    q->release_s, q->envelope.p, q->envelope.len, r->cfg.escrow_max);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.escrow_puts++;
	relay_conn_ok_durable(c, q->req, 0);
	relay_escrow_arm(r);
}

void
handle_escrow_cancel(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_escrow_token *q = &m->u.escrow;
	uint8_t hash[PROTO_ID_LEN];
	int rc;

	proof_escrow_hash(hash, q->token.p);
	rc = relay_store_escrow_cancel(r->store, hash);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.escrow_cancels++;
	relay_conn_ok_durable(c, q->req, 0);
	relay_escrow_arm(r);
}

void
handle_escrow_extend(struct relay_conn *c, const struct wire_msg *m)
{
	struct relay *r = c->relay;
	const struct wire_escrow_token *q = &m->u.escrow;
	uint8_t hash[PROTO_ID_LEN];
	int rc;

	if (!handle_release_ok(c, q->req, q->release_s))
		return;
	proof_escrow_hash(hash, q->token.p);
	rc = relay_store_escrow_extend(r->store, hash, q->release_s);
	if (rc != 0) {
		relay_conn_fail_err(c, q->req, rc);
		return;
	}
	r->ctr.escrow_extends++;
	relay_conn_ok_durable(c, q->req, 0);
	relay_escrow_arm(r);
}
