/* SPDX-License-Identifier: ISC */
/*
 * The safety timer: "if I have not checked in by HH:MM, tell my buddy".
 * The alert is sealed now, to the buddy's mailbox key and signed by this
 * persona, and left with the buddy's relay as an escrow released at the
 * deadline unless cancelled with the token only this store holds. So it
 * goes out even if this device is off or seized by then, and never after
 * a /safe that reached the relay. The relay cannot read it.
 *
 * The alert is not a ratchet message: it may be opened days later, after
 * both sessions moved on, so it is a sealed envelope (sender signed, to
 * the mailbox key) whose content starts with ENGINE_ALERT_FRAME instead
 * of a pairwise frame's version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/store.h"
#include "common/err.h"
#include "common/pad.h"
#include "common/proof.h"
#include "common/sealed.h"
#include "common/xmalloc.h"

#define TIMER_SETTING "timer"
/* The warning comes this long before the deadline. */
#define TIMER_WARN_S 600
/* A relay keeps an escrow a week at most (escrow-max-delay). */
#define TIMER_MAX_S (7u * 24 * 3600)

static void engine_on_timer(uv_timer_t *t);

static size_t
timer_key(struct engine *e, uint8_t key[sizeof TIMER_SETTING - 1 + 16])
{
	return engine_key(
	    e, key, TIMER_SETTING, sizeof TIMER_SETTING - 1, NULL, 0);
}

static int
timer_load(struct engine *e, struct timer_rec *t)
{
	uint8_t key[sizeof TIMER_SETTING - 1 + 16], val[TIMER_REC_MAX];
	size_t vlen = 0;
	int rc;

	rc = cstore_get(e->store, CSTORE_SETTING, key, timer_key(e, key), val,
	    sizeof val, &vlen);
	if (rc == 0)
		rc = timer_rec_load(t, val, vlen) == 0 ? 0 : ERR_STORE;
	else if (rc == ERR_TOO_BIG)
		rc = ERR_STORE;
	sodium_memzero(val, sizeof val);
	return rc;
}

static int
timer_store(struct engine *e, const struct timer_rec *t)
{
	uint8_t key[sizeof TIMER_SETTING - 1 + 16], val[TIMER_REC_MAX];
	size_t vlen = 0;
	int rc;

	rc = timer_rec_save(t, val, sizeof val, &vlen);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_SETTING, key,
		    timer_key(e, key), val, vlen);
	sodium_memzero(val, sizeof val);
	return rc;
}

static int
timer_del(struct engine *e)
{
	uint8_t key[sizeof TIMER_SETTING - 1 + 16];

	return cstore_del(e->store, CSTORE_SETTING, key, timer_key(e, key));
}

/*
 * Parses DURATION fully: numbers each followed by s, m or h. Returns
 * seconds, or 0 for anything else or more than a week.
 */
static uint64_t
timer_parse(const char *s)
{
	uint64_t total = 0, part = 0;
	bool digits = false;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			part = part * 10 + (uint64_t)(*s - '0');
			digits = true;
			if (part > TIMER_MAX_S)
				return 0;
		} else if (digits && (*s == 's' || *s == 'm' || *s == 'h')) {
			total += part * (*s == 'h' ? 3600 : *s == 'm' ? 60 : 1);
			part = 0;
			digits = false;
			if (total > TIMER_MAX_S)
				return 0;
		} else
			return 0;
	}
	return digits ? 0 : total;
}

static void
timer_event(
    struct engine *e, const char *action, uint64_t deadline, const char *peer)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_TIMER;
	ev.action = action;
	ev.time_s = deadline;
	ev.peer = peer;
	e->emit(e->arg, &ev);
}

/* Schedules the warning and the deadline of the running timer, if any. */
void
engine_timer_start(struct engine *e)
{
	struct timer_rec t;
	uint64_t now = (uint64_t)time(NULL), at;

	if (!e->timer_open) {
		uv_timer_init(&e->loop, &e->timer);
		e->timer.data = e;
		e->timer_open = true;
	}
	uv_timer_stop(&e->timer);
	if (e->persona[0] == '\0' || timer_load(e, &t) != 0)
		return;
	at = t.deadline_s > TIMER_WARN_S ? t.deadline_s - TIMER_WARN_S : 0;
	if (e->timer_warned || now >= at)
		at = t.deadline_s;
	uv_timer_start(
	    &e->timer, engine_on_timer, at > now ? (at - now) * 1000 : 0, 0);
}

void
engine_timer_stop(struct engine *e)
{
	if (!e->timer_open)
		return;
	e->timer_open = false;
	uv_timer_stop(&e->timer);
	uv_close((uv_handle_t *)&e->timer, NULL);
}

static void
engine_on_timer(uv_timer_t *tm)
{
	struct engine *e = tm->data;
	uint64_t now = (uint64_t)time(NULL);
	struct timer_rec t;

	if (timer_load(e, &t) != 0)
		return;
	if (now + 1 >= t.deadline_s) {
		/* The relay releases the alerts now; nothing is left to do. */
		if (cstore_begin(e->store) == 0)
			engine_commit(e, timer_del(e));
		e->timer_warned = false;
		timer_event(e, "expired", t.deadline_s, NULL);
		return;
	}
	if (!e->timer_warned) {
		e->timer_warned = true;
		timer_event(e, "warning", t.deadline_s, NULL);
	}
	engine_timer_start(e);
}

/* Queues one escrow request (inside a batch). */
static int
timer_queue(struct engine *e, enum outbox_op op, const struct timer_peer *p,
    const uint8_t *mbox, const uint8_t *env, size_t len)
{
	struct outbox_rec o;

	memset(&o, 0, sizeof o);
	o.op = op;
	o.report = true;
	randombytes_buf(o.msgid, sizeof o.msgid);
	if (mbox != NULL)
		memcpy(o.target, mbox, 32);
	proof_escrow_hash(o.about, p->token);
	snprintf(o.relay, sizeof o.relay, "%s", p->relay);
	o.env = env;
	o.env_len = len;
	return engine_outbox_add(e, &o, 0);
}

void
engine_timer_set(
    struct engine *e, const char *dur, const char *who, const char *note)
{
	uint8_t pt[CONTENT_MAX + 1], dh[32], mbox[32];
	uint8_t *env = xmalloc(8 + PAD_BUCKET_MAX);
	char id[ENGINE_ID_MAX];
	struct contact_rec ct;
	struct timer_rec t, old;
	struct content c;
	uint64_t secs = timer_parse(dur), now = (uint64_t)time(NULL);
	size_t ptlen = 0, envlen = 0;
	int rc;

	memset(&t, 0, sizeof t);
	if (e->persona[0] == '\0') {
		engine_error(
		    e, "/timer", "make a persona first: /persona new NAME");
		goto out;
	}
	if (secs == 0) {
		engine_error(e, "/timer",
		    "give a time like 45m, 2h or 1h30m (at most a week)");
		goto out;
	}
	if (timer_load(e, &old) == 0) {
		engine_error(e, "/timer",
		    "a timer is running: /safe ends it, /timer +30m moves it");
		goto out;
	}
	if (engine_contact_find(e, who, t.peers[0].peer, &ct) != 0) {
		engine_error(e, "/timer",
		    "no contact by that name#FINGERPRINT; people you share a "
		    "room with are contacts");
		goto out;
	}
	if (strlen(note) > CONTENT_TEXT_MAX) {
		engine_error(e, "/timer", "the note is at most 4096 bytes");
		goto out;
	}
	t.deadline_s = now + secs;
	t.npeers = 1;
	randombytes_buf(t.peers[0].token, 32);
	snprintf(t.peers[0].relay, sizeof t.peers[0].relay, "%s", ct.relay);
	memset(&c, 0, sizeof c);
	c.type = CONTENT_ALERT;
	randombytes_buf(c.id, sizeof c.id);
	c.time_s = t.deadline_s;
	c.body = (const uint8_t *)note;
	c.len = strlen(note);
	pt[0] = ENGINE_ALERT_FRAME;
	rc = content_encode(&c, pt + 1, sizeof pt - 1, &ptlen);
	if (rc == 0 &&
	    crypto_sign_ed25519_pk_to_curve25519(dh, ct.mbox_pk) != 0)
		rc = ERR_CRYPTO;
	if (rc == 0)
		rc = sealed_seal(&e->keys->id, dh, pt, ptlen + 1, env + 8,
		    PAD_BUCKET_MAX, &envlen);
	if (rc != 0) {
		engine_error(e, "/timer", err_str(rc));
		goto out;
	}
	for (int i = 0; i < 8; i++)
		env[i] = (uint8_t)(t.deadline_s >> (56 - 8 * i));
	proof_mbox_id(mbox, ct.mbox_pk);
	/* The token is stored before the escrow can exist: /safe must
	 * always be able to cancel it. */
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = timer_store(e, &t);
	if (rc == 0)
		rc = timer_queue(
		    e, OUTBOX_ESCROW_PUT, &t.peers[0], mbox, env, envlen + 8);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/timer", "the store could not be written");
		goto out;
	}
	e->timer_warned = false;
	engine_display(id, ct.name, t.peers[0].peer);
	timer_event(e, "set", t.deadline_s, id);
	engine_timer_start(e);
	engine_links_sync(e);
	engine_outbox_flush(e, NULL);
out:
	sodium_memzero(pt, sizeof pt);
	sodium_memzero(&t, sizeof t);
	free(env);
}

void
engine_timer_extend(struct engine *e, const char *dur)
{
	uint8_t env[40];
	struct timer_rec t;
	uint64_t secs = timer_parse(dur + 1), now = (uint64_t)time(NULL);
	int rc;

	if (e->persona[0] == '\0' || timer_load(e, &t) != 0) {
		engine_error(e, "/timer", "no timer is running");
		return;
	}
	if (secs == 0 || t.deadline_s + secs > now + TIMER_MAX_S) {
		engine_error(e, "/timer",
		    "give a time like +30m (the deadline at most a week away)");
		goto out;
	}
	t.deadline_s += secs;
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = timer_store(e, &t);
	for (size_t i = 0; rc == 0 && i < t.npeers; i++) {
		memcpy(env, t.peers[i].token, 32);
		for (int k = 0; k < 8; k++)
			env[32 + k] = (uint8_t)(t.deadline_s >> (56 - 8 * k));
		rc = timer_queue(e, OUTBOX_ESCROW_EXTEND, &t.peers[i], NULL,
		    env, sizeof env);
	}
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/timer", "the store could not be written");
		goto out;
	}
	e->timer_warned = false;
	timer_event(e, "extended", t.deadline_s, NULL);
	engine_timer_start(e);
	engine_outbox_flush(e, NULL);
out:
	sodium_memzero(env, sizeof env);
	sodium_memzero(&t, sizeof t);
}

void
engine_timer_show(struct engine *e)
{
	struct timer_rec t;

	if (e->persona[0] == '\0' || timer_load(e, &t) != 0) {
		engine_error(e, "/timer",
		    "no timer is running; /timer 45m NAME#FP [note] starts "
		    "one");
		return;
	}
	timer_event(e, "running", t.deadline_s, NULL);
	sodium_memzero(&t, sizeof t);
}

void
engine_timer_safe(struct engine *e)
{
	struct timer_rec t;
	int rc;

	if (e->persona[0] == '\0' || timer_load(e, &t) != 0) {
		engine_error(e, "/safe", "no timer is running");
		return;
	}
	rc = cstore_begin(e->store);
	for (size_t i = 0; rc == 0 && i < t.npeers; i++)
		rc = timer_queue(e, OUTBOX_ESCROW_CANCEL, &t.peers[i], NULL,
		    t.peers[i].token, 32);
	if (rc == 0)
		rc = timer_del(e);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/safe", "the store could not be written");
		sodium_memzero(&t, sizeof t);
		return;
	}
	uv_timer_stop(&e->timer);
	/* "safe" now; "cancelled" once the relay has it. */
	timer_event(e, "safe", t.deadline_s, NULL);
	engine_outbox_flush(e, NULL);
	sodium_memzero(&t, sizeof t);
}

void
engine_timer_answer(struct engine *e, const struct outbox_rec *o, bool ok)
{
	static const char *const done[] = {
	    [OUTBOX_ESCROW_PUT] = "armed",
	    [OUTBOX_ESCROW_CANCEL] = "cancelled",
	    [OUTBOX_ESCROW_EXTEND] = "moved",
	};

	if (o->op < OUTBOX_ESCROW_PUT || o->op > OUTBOX_ESCROW_EXTEND)
		return;
	if (ok) {
		timer_event(e, done[o->op], 0, NULL);
		return;
	}
	engine_error(e, o->op == OUTBOX_ESCROW_CANCEL ? "/safe" : "/timer",
	    o->op == OUTBOX_ESCROW_CANCEL
	        ? "the relay no longer holds the alert: it may have gone out"
	        : "the relay refused the alert; it will not go out");
}

/* Receiving: an alert released from someone's escrow (inside a batch). */
int
engine_alert_open(struct engine *e, const uint8_t sender[32], const uint8_t *in,
    size_t len, struct content *c, bool *show)
{
	bool seen;
	int rc;

	*show = false;
	if (content_decode(c, in, len) != 0 || c->type != CONTENT_ALERT)
		return 0; /* garbage: dropped */
	rc = engine_seen(e, 'a', sender, sender, c->id, &seen);
	if (rc == 0 && !seen)
		*show = true;
	return rc;
}

void
engine_alert_event(
    struct engine *e, const uint8_t sender[32], const struct content *c)
{
	struct engine_event ev;
	struct contact_rec ct;
	char who[ENGINE_ID_MAX], msgid[2 * CONTENT_ID_LEN + 1];

	if (engine_contact_load(e, sender, &ct) == 0)
		engine_display(who, ct.name, sender);
	else
		engine_display(who, NULL, sender);
	engine_hex(msgid, c->id, sizeof c->id);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_ALERT;
	ev.from = who;
	ev.peer = who;
	ev.text = (const char *)c->body;
	ev.text_len = c->len;
	ev.time_s = c->time_s;
	ev.msgid = msgid;
	e->emit(e->arg, &ev);
}
