/* SPDX-License-Identifier: ISC */
/*
 * Direct messages and the pairwise sessions under them: contacts (from
 * room announcements), X3DH and the Double Ratchet (client/session.h),
 * sealed envelopes through mailboxes. Sender-key distributions travel the
 * same way. Order of work for every envelope: decrypt, persist the new
 * session state and whatever the message changes, show, then ack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/prekeys.h"
#include "client/session.h"
#include "client/store.h"
#include "common/err.h"
#include "common/pad.h"
#include "common/proof.h"
#include "common/sealed.h"
#include "common/xmalloc.h"

static void engine_prekeys_publish(struct engine *e, struct link *l,
    bool with_bundle, const uint8_t (*pubs)[X3DH_KEY_LEN], size_t n,
    uint64_t phase);

#define CONTACT_KEY_LEN (ENGINE_PID_LEN + 32)
#define PREKEYS_SETTING "prekeys"
/* When the signed prekey last changed, and how often it does. */
#define PREKEYS_AT_SETTING "prekeys-at"
/* Longer than a mailbox keeps an envelope (30 days by default), so the
 * previous key, kept one more period, still opens every first message
 * that can arrive (review finding: a week lost a long absence's mail). */
#define ENGINE_SPK_ROTATE_S (35u * 24 * 3600)
/* One-time prekeys: a relay holding fewer gets a new batch. */
#define ENGINE_OPK_LOW 10
#define ENGINE_OPK_BATCH 20

int
engine_contact_load(
    struct engine *e, const uint8_t ik[32], struct contact_rec *c)
{
	uint8_t key[CONTACT_KEY_LEN], val[CONTACT_REC_MAX];
	size_t vlen = 0;
	int rc;

	rc = cstore_get(e->store, CSTORE_CONTACT, key,
	    engine_key(e, key, ik, 32, NULL, 0), val, sizeof val, &vlen);
	if (rc == 0)
		rc = contact_rec_load(c, val, vlen) == 0 ? 0 : ERR_STORE;
	else if (rc == ERR_TOO_BIG)
		rc = ERR_STORE;
	return rc;
}

int
engine_contact_store(
    struct engine *e, const uint8_t ik[32], const struct contact_rec *c)
{
	uint8_t key[CONTACT_KEY_LEN], val[CONTACT_REC_MAX];
	size_t vlen = 0;
	int rc;

	rc = contact_rec_save(c, val, sizeof val, &vlen);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_CONTACT, key,
		    engine_key(e, key, ik, 32, NULL, 0), val, vlen);
	return rc;
}

struct engine_who {
	struct engine *e;
	const char *who;
	uint8_t ik[32];
	struct contact_rec c;
	bool found;
};

static int
engine_on_contact(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine_who *w = arg;
	char id[ENGINE_ID_MAX];

	if (klen != CONTACT_KEY_LEN ||
	    memcmp(key, w->e->persona_id, ENGINE_PID_LEN) != 0 ||
	    contact_rec_load(&w->c, val, vlen) != 0)
		return 0;
	engine_display(id, w->c.name, key + ENGINE_PID_LEN);
	if (strcmp(id, w->who) != 0)
		return 0;
	memcpy(w->ik, key + ENGINE_PID_LEN, 32);
	w->found = true;
	return 1;
}

int
engine_contact_find(
    struct engine *e, const char *who, uint8_t ik[32], struct contact_rec *c)
{
	struct engine_who w;

	memset(&w, 0, sizeof w);
	w.e = e;
	w.who = who;
	cstore_each(e->store, CSTORE_CONTACT, engine_on_contact, &w);
	if (!w.found)
		return ERR_NOTFOUND;
	memcpy(ik, w.ik, 32);
	*c = w.c;
	return 0;
}

void
engine_mbox_pub(struct engine *e, uint8_t pub[32])
{
	uint8_t sec[PROOF_SEC_LEN];

	proof_keypair(pub, sec, e->keys->mbox_seed);
	sodium_memzero(sec, sizeof sec);
}

/* The X25519 pair sealed envelopes to this persona are opened with. */
static int
engine_mbox_dh(struct engine *e, uint8_t pub[32], uint8_t priv[32])
{
	uint8_t edpub[PROOF_PUB_LEN], sec[PROOF_SEC_LEN];
	int rc = 0;

	proof_keypair(edpub, sec, e->keys->mbox_seed);
	if (crypto_sign_ed25519_pk_to_curve25519(pub, edpub) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(priv, sec) != 0)
		rc = ERR_CRYPTO;
	sodium_memzero(sec, sizeof sec);
	return rc;
}

static size_t
engine_prekeys_key(
    struct engine *e, uint8_t key[sizeof PREKEYS_SETTING - 1 + ENGINE_PID_LEN])
{
	return engine_key(
	    e, key, PREKEYS_SETTING, sizeof PREKEYS_SETTING - 1, NULL, 0);
}

/* Loads this persona's prekeys, making them on first use. */
static int
engine_prekeys(struct engine *e, struct prekeys *pk)
{
	uint8_t key[sizeof PREKEYS_SETTING - 1 + ENGINE_PID_LEN];
	uint8_t *val = xmalloc(PREKEYS_SAVED_MAX);
	size_t vlen = 0, klen = engine_prekeys_key(e, key);
	int rc;

	rc = cstore_get(
	    e->store, CSTORE_SETTING, key, klen, val, PREKEYS_SAVED_MAX, &vlen);
	if (rc == 0)
		rc = prekeys_load(pk, val, vlen) == 0 ? 0 : ERR_STORE;
	else if (rc == ERR_NOTFOUND) {
		prekeys_new(pk);
		rc = prekeys_save(pk, val, PREKEYS_SAVED_MAX, &vlen);
		if (rc == 0)
			rc = cstore_put(
			    e->store, CSTORE_SETTING, key, klen, val, vlen);
	} else if (rc == ERR_TOO_BIG)
		rc = ERR_STORE;
	sodium_memzero(val, PREKEYS_SAVED_MAX);
	free(val);
	return rc;
}

static int
engine_prekeys_store(struct engine *e, const struct prekeys *pk)
{
	uint8_t key[sizeof PREKEYS_SETTING - 1 + ENGINE_PID_LEN];
	uint8_t *val = xmalloc(PREKEYS_SAVED_MAX);
	size_t vlen = 0;
	int rc;

	rc = prekeys_save(pk, val, PREKEYS_SAVED_MAX, &vlen);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_SETTING, key,
		    engine_prekeys_key(e, key), val, vlen);
	sodium_memzero(val, PREKEYS_SAVED_MAX);
	free(val);
	return rc;
}

/*
 * A period after the last, the signed prekey is replaced (the old one stays
 * for late initial messages until the next rotation), published on every
 * ready link and announced again in every room, so that a seized key
 * opens at most a period's first messages.
 */
void
engine_prekeys_rotate_due(struct engine *e)
{
	uint8_t key[sizeof PREKEYS_AT_SETTING - 1 + ENGINE_PID_LEN], val[8];
	size_t klen, vlen = 0;
	uint64_t now = (uint64_t)time(NULL), then = 0;
	struct prekeys *cur, *next;
	int rc;

	if (e->persona[0] == '\0')
		return;
	klen = engine_key(
	    e, key, PREKEYS_AT_SETTING, sizeof PREKEYS_AT_SETTING - 1, NULL, 0);
	rc = cstore_get(
	    e->store, CSTORE_SETTING, key, klen, val, sizeof val, &vlen);
	if (rc == ERR_NOTFOUND) {
		/* A persona's first prekeys are new: the clock starts now. */
		for (int i = 0; i < 8; i++)
			val[i] = (uint8_t)(now >> (56 - 8 * i));
		cstore_put(
		    e->store, CSTORE_SETTING, key, klen, val, sizeof val);
		return;
	}
	if (rc != 0 || vlen != 8)
		return;
	for (int i = 0; i < 8; i++)
		then = then << 8 | val[i];
	if (now < then + ENGINE_SPK_ROTATE_S)
		return;
	cur = xmalloc(sizeof *cur);
	next = xmalloc(sizeof *next);
	for (int i = 0; i < 8; i++)
		val[i] = (uint8_t)(now >> (56 - 8 * i));
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_prekeys(e, cur);
	if (rc == 0) {
		prekeys_rotate(cur, next);
		rc = engine_prekeys_store(e, next);
	}
	if (rc == 0)
		rc = cstore_put(
		    e->store, CSTORE_SETTING, key, klen, val, sizeof val);
	if (rc == 0)
		rc = engine_rooms_unannounce(e);
	if (engine_commit(e, rc) == 0) {
		for (size_t i = 0; i < e->nlinks; i++)
			if (e->links[i]->state == LINK_READY)
				engine_prekeys_publish(
				    e, e->links[i], true, NULL, 0, 0);
		engine_rooms_announce(e);
	}
	prekeys_wipe(cur);
	prekeys_wipe(next);
	free(cur);
	free(next);
}

int
engine_bundle(struct engine *e, struct x3dh_bundle *b)
{
	struct prekeys *pk = xmalloc(sizeof *pk);
	int rc;

	rc = engine_prekeys(e, pk);
	if (rc == 0)
		prekeys_bundle(pk, &e->keys->id, b);
	prekeys_wipe(pk);
	free(pk);
	return rc;
}

static int
engine_session_load(struct engine *e, const uint8_t peer[32], struct session *s)
{
	uint8_t key[CONTACT_KEY_LEN], *val = xmalloc(SESSION_SAVED_MAX);
	size_t vlen = 0;
	int rc;

	rc = cstore_get(e->store, CSTORE_SESSION, key,
	    engine_key(e, key, peer, 32, NULL, 0), val, SESSION_SAVED_MAX,
	    &vlen);
	if (rc == 0)
		rc = session_load(s, val, vlen) == 0 ? 0 : ERR_STORE;
	else if (rc == ERR_NOTFOUND) {
		session_empty(s, peer);
		rc = 0;
	} else if (rc == ERR_TOO_BIG)
		rc = ERR_STORE;
	sodium_memzero(val, SESSION_SAVED_MAX);
	free(val);
	return rc;
}

static int
engine_session_store(
    struct engine *e, const uint8_t peer[32], const struct session *s)
{
	uint8_t key[CONTACT_KEY_LEN], *val = xmalloc(SESSION_SAVED_MAX);
	size_t vlen = 0;
	int rc;

	rc = session_save(s, val, SESSION_SAVED_MAX, &vlen);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_SESSION, key,
		    engine_key(e, key, peer, 32, NULL, 0), val, vlen);
	sodium_memzero(val, SESSION_SAVED_MAX);
	free(val);
	return rc;
}

/*
 * Encrypts the content pt[0..ptlen) on session cur into next, seals it
 * for the contact and appends it to the outbox (inside the caller's
 * batch; the caller stores next).
 */
static int
engine_dm_seal(struct engine *e, const uint8_t peer[32],
    const struct contact_rec *ct, const struct session *cur,
    struct session *next, const uint8_t *pt, size_t ptlen,
    const uint8_t msgid[CONTENT_ID_LEN], bool report, uint64_t expires_s)
{
	uint8_t *frame = xmalloc(PAD_BUCKET_MAX),
	        *env = xmalloc(PAD_BUCKET_MAX);
	size_t flen = 0, envlen = 0;
	struct outbox_rec o;
	uint8_t dh[32];
	int rc;

	rc =
	    session_encrypt(cur, next, pt, ptlen, frame, PAD_BUCKET_MAX, &flen);
	if (rc == 0 &&
	    crypto_sign_ed25519_pk_to_curve25519(dh, ct->mbox_pk) != 0)
		rc = ERR_CRYPTO;
	if (rc == 0)
		rc = sealed_seal(&e->keys->id, dh, frame, flen, env,
		    PAD_BUCKET_MAX, &envlen);
	if (rc == 0) {
		memset(&o, 0, sizeof o);
		o.op = OUTBOX_MBOX_PUT;
		o.report = report;
		memcpy(o.msgid, msgid, sizeof o.msgid);
		proof_mbox_id(o.target, ct->mbox_pk);
		memcpy(o.about, peer, 32);
		snprintf(o.relay, sizeof o.relay, "%s", ct->relay);
		o.env = env;
		o.env_len = envlen;
		rc = engine_outbox_add(e, &o, expires_s);
	}
	sodium_memzero(frame, PAD_BUCKET_MAX);
	free(frame);
	free(env);
	return rc;
}

int
engine_dm_queue(struct engine *e, const uint8_t peer[32],
    const struct content *c, bool report)
{
	struct session *cur = xmalloc(sizeof *cur),
	               *next = xmalloc(sizeof *next);
	uint8_t pt[CONTENT_MAX];
	struct contact_rec ct;
	struct outbox_rec o;
	size_t ptlen = 0;
	uint64_t expires =
	    c->expire_s != 0 ? (uint64_t)time(NULL) + c->expire_s : 0;
	int rc;

	session_empty(next, peer);
	rc = engine_contact_load(e, peer, &ct);
	if (rc == 0)
		rc = engine_session_load(e, peer, cur);
	if (rc == 0)
		rc = content_encode(c, pt, sizeof pt, &ptlen);
	if (rc == 0 && !cur->has_cur) {
		/*
		 * No session yet: the message waits for the peer's bundle,
		 * which the outbox asks its relay for (a one-time prekey
		 * with it, when the peer has published some).
		 */
		memset(&o, 0, sizeof o);
		o.op = OUTBOX_WAIT;
		o.report = report;
		memcpy(o.msgid, c->id, sizeof o.msgid);
		proof_mbox_id(o.target, ct.mbox_pk);
		memcpy(o.about, peer, 32);
		snprintf(o.relay, sizeof o.relay, "%s", ct.relay);
		o.env = pt;
		o.env_len = ptlen;
		rc = engine_outbox_add(e, &o, expires);
	} else if (rc == 0) {
		rc = engine_dm_seal(
		    e, peer, &ct, cur, next, pt, ptlen, c->id, report, expires);
		/* The envelope is in the outbox: without the advanced state
		 * the batch must not commit (it would reuse a key). */
		if (rc == 0 && engine_session_store(e, peer, next) != 0)
			rc = ERR_STORE;
	}
	session_wipe(cur);
	session_wipe(next);
	sodium_memzero(pt, sizeof pt);
	free(cur);
	free(next);
	return rc;
}

/* Moves the peer's waiting messages onto its session (inside a batch). */
struct engine_drain {
	struct engine *e;
	const uint8_t *peer;
	const struct contact_rec *ct;
	struct session *cur, *next;
	int rc;
};

static int
engine_drain_one(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct engine_drain *d = arg;
	struct outbox_rec o;

	(void)time_s;
	if (outbox_rec_load(&o, val, vlen) != 0 || o.op != OUTBOX_WAIT ||
	    memcmp(o.about, d->peer, 32) != 0)
		return 0;
	d->rc = engine_dm_seal(d->e, d->peer, d->ct, d->cur, d->next, o.env,
	    o.env_len, o.msgid, o.report, expires_s);
	if (d->rc == 0) {
		session_copy(d->cur, d->next);
		d->rc = cstore_log_del(d->e->store, CSTORE_OUTBOX, id);
	}
	return d->rc;
}

/*
 * Starts the session with peer from bundle b if there is none (b NULL:
 * only if one exists), and sends what waited for it.
 */
static int
engine_dm_drain(
    struct engine *e, const uint8_t peer[32], const struct x3dh_bundle *b)
{
	struct session *cur = xmalloc(sizeof *cur),
	               *next = xmalloc(sizeof *next);
	struct engine_drain d;
	struct contact_rec ct;
	int rc;

	session_empty(next, peer);
	rc = cstore_begin(e->store);
	if (rc != 0)
		goto out;
	rc = engine_contact_load(e, peer, &ct);
	if (rc == 0)
		rc = engine_session_load(e, peer, cur);
	if (rc == 0 && !cur->has_cur) {
		if (b == NULL) {
			cstore_rollback(e->store);
			goto out;
		}
		rc = session_initiate(cur, next, &e->keys->id, b);
		if (rc == 0)
			session_copy(cur, next);
	}
	memset(&d, 0, sizeof d);
	d.e = e;
	d.peer = peer;
	d.ct = &ct;
	d.cur = cur;
	d.next = next;
	if (rc == 0)
		rc = cstore_log_each(e->store, CSTORE_OUTBOX, e->persona_id,
		    ENGINE_PID_LEN, 0, engine_drain_one, &d);
	if (rc == 0)
		rc = d.rc;
	if (rc == 0)
		rc = engine_session_store(e, peer, cur);
	rc = engine_commit(e, rc);
	if (rc == 0)
		engine_outbox_flush(e, NULL);
out:
	session_wipe(cur);
	session_wipe(next);
	free(cur);
	free(next);
	return rc;
}

/* Drops the peer's waiting messages: no session can start. */
static int
engine_drop_one(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct engine_drain *d = arg;
	struct outbox_rec o;

	(void)time_s;
	(void)expires_s;
	if (outbox_rec_load(&o, val, vlen) != 0 || o.op != OUTBOX_WAIT ||
	    memcmp(o.about, d->peer, 32) != 0)
		return 0;
	if (o.report)
		d->rc = 1;
	return cstore_log_del(d->e->store, CSTORE_OUTBOX, id);
}

/*
 * The relay answered prekey_get for peer: start the session from its
 * bundle (with a one-time prekey if one was left), or from the one in
 * the peer's announcement if the relay has none or it does not hold.
 */
static void
engine_dm_on_bundle(
    struct engine *e, const uint8_t peer[32], const struct wire_msg *m)
{
	struct x3dh_bundle b, announced;
	struct contact_rec ct;
	struct engine_drain d;
	int rc = ERR_NOTFOUND;

	if (engine_contact_load(e, peer, &ct) != 0)
		goto drop; /* nobody to start with: asking again cannot help */
	if (m->type == WIRE_MSG_PREKEY &&
	    x3dh_bundle_decode(
	        &b, m->u.prekey.bundle.p, m->u.prekey.bundle.len) == 0 &&
	    sodium_memcmp(b.ik, peer, 32) == 0 &&
	    x3dh_bundle_decode(&announced, ct.bundle, sizeof ct.bundle) == 0 &&
	    b.spk_id >= announced.spk_id) {
		/* Not older than the announced one: a relay cannot hand out
		 * a stale signed prekey the peer has dropped. */
		/* The relay's key was the peer's, signed by it: checked. */
		b.has_opk = m->u.prekey.otk.len == X3DH_KEY_LEN;
		if (b.has_opk) {
			memcpy(b.opk, m->u.prekey.otk.p, X3DH_KEY_LEN);
			b.opk_id = prekeys_opk_id(b.opk);
		}
		rc = engine_dm_drain(e, peer, &b);
	}
	if (rc != 0 && rc != ERR_STORE &&
	    x3dh_bundle_decode(&b, ct.bundle, sizeof ct.bundle) == 0)
		rc = engine_dm_drain(e, peer, &b);
	if (rc == 0 || rc == ERR_STORE)
		return;
drop:
	/* Neither bundle starts a session: say so, keep nothing. */
	memset(&d, 0, sizeof d);
	d.e = e;
	d.peer = peer;
	if (cstore_begin(e->store) == 0 &&
	    engine_commit(
	        e, cstore_log_each(e->store, CSTORE_OUTBOX, e->persona_id,
	               ENGINE_PID_LEN, 0, engine_drop_one, &d)) == 0 &&
	    d.rc != 0)
		engine_error(e, "/dm",
		    "no session could start with a contact: its keys are not "
		    "usable; a message to it was not sent");
}

bool
engine_dm_has_session(struct engine *e, const uint8_t peer[32])
{
	struct session *s = xmalloc(sizeof *s);
	bool has;

	has = engine_session_load(e, peer, s) == 0 && s->has_cur;
	session_wipe(s);
	free(s);
	return has;
}

void
engine_dm_send_waiting(struct engine *e, const uint8_t peer[32])
{
	engine_dm_drain(e, peer, NULL);
}

void
engine_dm_request_bundle(struct engine *e, struct link *l,
    const uint8_t mbox[32], const uint8_t peer[32])
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PREKEY_GET;
	m.u.id_req.req = ++e->next_req;
	m.u.id_req.id.p = mbox;
	m.u.id_req.id.len = 32;
	link_request(l, &m, LINK_REQ_PREKEY_GET, 0, peer);
}

/*
 * Publishes on l our signed prekey bundle (with_bundle) and the one-time
 * prekeys pubs[0..n). phase 0 asks how many the relay holds, phase 1
 * hands over a new batch.
 */
static void
engine_prekeys_publish(struct engine *e, struct link *l, bool with_bundle,
    const uint8_t (*pubs)[X3DH_KEY_LEN], size_t n, uint64_t phase)
{
	uint8_t pub[32], mbox[32], bundle[X3DH_BUNDLE_LEN];
	struct x3dh_bundle b;
	struct wire_msg m;

	if (with_bundle) {
		if (engine_bundle(e, &b) != 0)
			return;
		x3dh_bundle_encode(&b, bundle);
	}
	engine_mbox_pub(e, pub);
	proof_mbox_id(mbox, pub);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PREKEY_PUB;
	m.u.prekey_pub.req = ++e->next_req;
	m.u.prekey_pub.mbox.p = mbox;
	m.u.prekey_pub.mbox.len = sizeof mbox;
	m.u.prekey_pub.bundle.p = bundle;
	m.u.prekey_pub.bundle.len = with_bundle ? sizeof bundle : 0;
	m.u.prekey_pub.otks.p = (const uint8_t *)pubs;
	m.u.prekey_pub.otks.len = n * X3DH_KEY_LEN;
	link_request(l, &m, LINK_REQ_PREKEY_PUB, phase, NULL);
}

/*
 * The relay holds held of our one-time prekeys: below ENGINE_OPK_LOW,
 * make a new batch for it alone (a prekey on two relays could be handed
 * to two people) and publish it once stored.
 */
static void
engine_prekeys_top_up(struct engine *e, struct link *l, uint64_t held)
{
	static uint8_t pubs[ENGINE_OPK_BATCH][X3DH_KEY_LEN];
	struct prekeys *cur, *next;
	size_t added = 0, want;
	int rc;

	if (held >= ENGINE_OPK_LOW)
		return;
	cur = xmalloc(sizeof *cur);
	next = xmalloc(sizeof *next);
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_prekeys(e, cur);
	/*
	 * Full: the oldest give way. They may still sit on a relay, so a
	 * late first message made with one cannot be opened; the session
	 * then starts afresh (engine_dm_on_msg). Never publishing again
	 * would be worse: anyone may drain a relay's prekeys (review).
	 */
	while (rc == 0 && cur->nopk + ENGINE_OPK_BATCH > PREKEYS_OPK_MAX) {
		rc = prekeys_opk_del(cur, next, cur->opk[0].id);
		if (rc == 0)
			prekeys_copy(cur, next);
	}
	if (rc == 0) {
		want = cur->nopk + ENGINE_OPK_BATCH;
		prekeys_refill(cur, next, want, pubs, &added);
		if (added > 0)
			rc = engine_prekeys_store(e, next);
	}
	if (engine_commit(e, rc) == 0 && added > 0)
		engine_prekeys_publish(e, l, false,
		    (const uint8_t(*)[X3DH_KEY_LEN])pubs, added, 1);
	prekeys_wipe(cur);
	prekeys_wipe(next);
	free(cur);
	free(next);
}

void
engine_dm_say(struct engine *e, const char *who, const char *text)
{
	char id[ENGINE_ID_MAX], msgid[2 * CONTENT_ID_LEN + 1];
	struct engine_event ev;
	struct contact_rec ct;
	struct content c;
	uint8_t peer[32];
	uint64_t expires = 0;
	int rc;

	if (e->persona[0] == '\0') {
		engine_error(
		    e, "/dm", "make a persona first: /persona new NAME");
		return;
	}
	if (strlen(text) > CONTENT_TEXT_MAX) {
		engine_error(e, "/dm", "a message is at most 4096 bytes");
		return;
	}
	if (engine_contact_find(e, who, peer, &ct) != 0) {
		engine_error(e, "/dm",
		    "no contact by that name#FINGERPRINT; "
		    "people you share a room with are contacts");
		return;
	}
	memset(&c, 0, sizeof c);
	c.type = CONTENT_TEXT;
	randombytes_buf(c.id, sizeof c.id);
	c.time_s = (uint64_t)time(NULL);
	c.expire_s = ct.expire_s;
	c.body = (const uint8_t *)text;
	c.len = strlen(text);
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_dm_queue(e, peer, &c, true);
	if (rc == 0)
		rc = engine_history_add(e, 'd', peer, true, e->keys->id.pk, &c,
		    ct.expire_s, &expires);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/dm",
		    rc == ERR_STORE || rc == 0
		        ? "the store could not be written"
		        : err_str(rc));
		return;
	}
	engine_display(id, ct.name, peer);
	engine_hex(msgid, c.id, sizeof c.id);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SENT;
	ev.peer = id;
	ev.msgid = msgid;
	ev.text = text;
	ev.text_len = strlen(text);
	ev.time_s = c.time_s;
	ev.expires_s = expires;
	e->emit(e->arg, &ev);
	engine_outbox_flush(e, engine_link_for(e, ct.relay));
}

void
engine_dm_verify(struct engine *e, const char *who, bool confirm)
{
	char id[ENGINE_ID_MAX], number[IDENT_SAFETY_DIGITS + 1];
	char words[IDENT_SAFETY_WORDS_MAX];
	struct engine_event ev;
	struct contact_rec ct;
	uint8_t peer[32];

	if (e->persona[0] == '\0' ||
	    engine_contact_find(e, who, peer, &ct) != 0) {
		engine_error(
		    e, "/verify", "no contact by that name#FINGERPRINT");
		return;
	}
	if (confirm && (ct.flags & CONTACT_REC_VERIFIED) == 0) {
		ct.flags |= CONTACT_REC_VERIFIED;
		if (engine_contact_store(e, peer, &ct) != 0) {
			engine_error(
			    e, "/verify", "the store could not be written");
			return;
		}
	}
	ident_safety_number(number, e->keys->id.pk, peer);
	if (ident_safety_words(words, sizeof words, e->keys->id.pk, peer) != 0)
		words[0] = '\0';
	engine_display(id, ct.name, peer);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_VERIFY;
	ev.peer = id;
	ev.safety = number;
	ev.words = words;
	ev.verified = (ct.flags & CONTACT_REC_VERIFIED) != 0;
	e->emit(e->arg, &ev);
}

/* Mailboxes. */

static void
engine_mbox_fetch(struct engine *e, struct link *l, uint64_t after)
{
	uint8_t pub[32], id[32];
	struct wire_msg m;

	engine_mbox_pub(e, pub);
	proof_mbox_id(id, pub);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_FETCH;
	m.u.fetch.req = ++e->next_req;
	m.u.fetch.id.p = id;
	m.u.fetch.id.len = sizeof id;
	m.u.fetch.after = after;
	link_request(l, &m, LINK_REQ_MBOX_FETCH, after, NULL);
}

void
engine_dm_on_tick(struct engine *e, struct link *l)
{
	if (!l->mbox_stalled)
		return;
	l->mbox_stalled = false;
	engine_mbox_fetch(e, l, 0);
}

void
engine_dm_on_ready(struct engine *e, struct link *l)
{
	l->mbox_stalled = false;
	engine_prekeys_publish(e, l, true, NULL, 0, 0);
	engine_mbox_fetch(e, l, 0);
}

void
engine_dm_on_reply(struct engine *e, struct link *l, const struct link_req *r,
    const struct wire_msg *m)
{
	if (r->kind == LINK_REQ_PREKEY_GET) {
		engine_dm_on_bundle(e, r->id, m);
		return;
	}
	if (r->kind == LINK_REQ_PREKEY_PUB) {
		if (m->type == WIRE_MSG_OK && r->arg == 0)
			engine_prekeys_top_up(e, l, m->u.ok.value);
		return;
	}
	if (r->kind != LINK_REQ_MBOX_FETCH)
		return;
	if (m->type == WIRE_MSG_FAIL)
		l->mbox_stalled = true; /* the tick asks again */
	else if (m->type == WIRE_MSG_OK && m->u.ok.value != r->arg)
		engine_mbox_fetch(e, l, m->u.ok.value);
}

static void
engine_mbox_ack(
    struct engine *e, struct link *l, const uint8_t mbox[32], uint64_t id)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_ACK;
	m.u.ack.req = ++e->next_req;
	m.u.ack.mbox.p = mbox;
	m.u.ack.mbox.len = 32;
	m.u.ack.id = id;
	link_request(l, &m, LINK_REQ_ACK, id, NULL);
}

/*
 * What a decrypted direct envelope says, inside the batch: a text (to
 * show after the commit) or a sender key.
 */
static int
engine_dm_content(struct engine *e, const uint8_t sender[32],
    const struct content *c, uint64_t *expires, bool *show)
{
	struct contact_rec ct;
	uint32_t local = 0;
	bool seen;
	int rc;

	*show = false;
	if (c->type == CONTENT_SENDERKEY)
		return engine_room_on_dist(e, sender, c->body, c->len);
	rc = engine_seen(e, 'd', sender, sender, c->id, &seen);
	if (rc != 0 || seen)
		return rc;
	if (engine_contact_load(e, sender, &ct) == 0)
		local = ct.expire_s;
	rc = engine_history_add(
	    e, 'd', sender, false, sender, c, local, expires);
	if (rc == 0)
		*show = true;
	return rc;
}

void
engine_dm_on_msg(struct engine *e, struct link *l, const struct wire_msg *m)
{
	const struct wire_deliver *d = &m->u.deliver;
	struct session *cur = NULL, *next = NULL;
	struct prekeys *pk = NULL, *pknext = NULL;
	uint8_t pub[32], priv[32], mbox[32], sender[32];
	uint8_t *frame = NULL, *pt = NULL;
	size_t flen = 0, ptlen = 0;
	char who[ENGINE_ID_MAX];
	struct contact_rec ct;
	struct content c;
	uint64_t expires = 0;
	bool show = false, ack = true;
	int rc;

	engine_mbox_pub(e, pub);
	proof_mbox_id(mbox, pub);
	if (d->id.len != 32 || memcmp(d->id.p, mbox, 32) != 0)
		return;
	frame = xmalloc(PAD_BUCKET_MAX);
	pt = xmalloc(PAD_BUCKET_MAX);
	if (engine_mbox_dh(e, pub, priv) != 0 ||
	    sealed_open(pub, priv, d->envelope.p, d->envelope.len, sender,
	        frame, PAD_BUCKET_MAX, &flen) != 0 ||
	    memcmp(sender, e->keys->id.pk, 32) == 0)
		goto out; /* not for us, or forged: dropped */
	if (flen > 0 && frame[0] == ENGINE_ALERT_FRAME) {
		/* Someone's safety timer ran out: no session involved. */
		rc = cstore_begin(e->store);
		if (rc == 0)
			rc = engine_alert_open(
			    e, sender, frame + 1, flen - 1, &c, &show);
		if (engine_commit(e, rc) != 0)
			ack = false;
		else if (show)
			engine_alert_event(e, sender, &c);
		goto out;
	}
	cur = xmalloc(sizeof *cur);
	next = xmalloc(sizeof *next);
	pk = xmalloc(sizeof *pk);
	pknext = xmalloc(sizeof *pknext);
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_session_load(e, sender, cur);
	if (rc == 0)
		rc = engine_prekeys(e, pk);
	if (rc != 0) {
		cstore_rollback(e->store);
		ack = false; /* our store failed: try again later */
		goto out;
	}
	rc = session_decrypt(cur, next, pk, pknext, &e->keys->id, sender, frame,
	    flen, pt, PAD_BUCKET_MAX, &ptlen);
	if (rc == ERR_NOTFOUND || rc == ERR_SKIP) {
		/*
		 * Its session cannot be opened here (a prekey we no longer
		 * have, or more lost messages than we may skip): every later
		 * message on it would fail too. Start afresh: our next
		 * message to this peer begins a new session, which its side
		 * takes up (review finding).
		 */
		session_empty(next, sender);
		rc = engine_session_store(e, sender, next);
		if (engine_commit(e, rc) != 0) {
			ack = false;
			goto out;
		}
		engine_error(e, "/dm",
		    "a message could not be opened (its keys are gone); "
		    "your next message starts a new session with its sender");
		goto out;
	}
	if (rc != 0 || content_decode(&c, pt, ptlen) != 0) {
		/* A replay or garbage: nothing changes. */
		cstore_rollback(e->store);
		goto out;
	}
	rc = engine_session_store(e, sender, next);
	if (rc == 0)
		rc = engine_prekeys_store(e, pknext);
	if (rc == 0)
		rc = engine_dm_content(e, sender, &c, &expires, &show);
	if (engine_commit(e, rc) != 0) {
		ack = false;
		goto out;
	}
	if (show) {
		if (engine_contact_load(e, sender, &ct) == 0)
			engine_display(who, ct.name, sender);
		else
			engine_display(who, NULL, sender);
		engine_message_event(
		    e, NULL, who, sender, &c, expires, false, false);
	}
	/* A session the peer started may carry what waited for it. */
	engine_dm_drain(e, sender, NULL);
out:
	if (ack)
		engine_mbox_ack(e, l, mbox, d->seq);
	engine_room_replay(e);
	engine_outbox_flush(e, NULL);
	sodium_memzero(priv, sizeof priv);
	if (cur != NULL) {
		session_wipe(cur);
		session_wipe(next);
		prekeys_wipe(pk);
		prekeys_wipe(pknext);
	}
	free(cur);
	free(next);
	free(pk);
	free(pknext);
	sodium_memzero(frame, PAD_BUCKET_MAX);
	sodium_memzero(pt, PAD_BUCKET_MAX);
	free(frame);
	free(pt);
}
