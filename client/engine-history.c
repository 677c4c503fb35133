/* SPDX-License-Identifier: ISC */
/*
 * History (kept only where the person turned it on), disappearing
 * messages, and the duplicate check that makes delivery exactly-once for
 * the reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/store.h"
#include "common/err.h"
#include "common/xmalloc.h"

#define HISTORY_SCOPE_LEN (ENGINE_PID_LEN + 1 + 32)

int
engine_seen(struct engine *e, char tag, const uint8_t conv[32],
    const uint8_t sender[32], const uint8_t id[CONTENT_ID_LEN], bool *seen)
{
	/*
	 * Keyed by conversation and sender too: otherwise a member who read
	 * someone's message id could send it to a reader first, in another
	 * conversation, and have the real message dropped as a repeat
	 * (review finding).
	 */
	uint8_t key[ENGINE_PID_LEN + 1 + 32 + 32 + CONTENT_ID_LEN], val[8];
	size_t klen;
	size_t vlen = 0;
	uint64_t now = (uint64_t)time(NULL);
	int rc;

	key[ENGINE_PID_LEN] = (uint8_t)tag;
	memcpy(key + ENGINE_PID_LEN + 1, conv, 32);
	memcpy(key + ENGINE_PID_LEN + 33, sender, 32);
	memcpy(key + ENGINE_PID_LEN + 65, id, CONTENT_ID_LEN);
	klen = engine_key(e, key, NULL, 0, NULL, 0) + 1 + 64 + CONTENT_ID_LEN;
	rc = cstore_get(
	    e->store, CSTORE_SEEN, key, klen, val, sizeof val, &vlen);
	*seen = rc == 0;
	if (rc != ERR_NOTFOUND)
		return rc == ERR_TOO_BIG ? 0 : rc;
	for (int i = 0; i < 8; i++)
		val[i] = (uint8_t)(now >> (56 - 8 * i));
	return cstore_put(e->store, CSTORE_SEEN, key, klen, val, sizeof val);
}

struct engine_prune {
	struct engine *e;
	uint64_t before;
};

static int
engine_prune_one(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine_prune *p = arg;
	uint64_t t = 0;

	if (vlen != 8)
		return cstore_del(p->e->store, CSTORE_SEEN, key, klen);
	for (int i = 0; i < 8; i++)
		t = t << 8 | val[i];
	return t < p->before ? cstore_del(p->e->store, CSTORE_SEEN, key, klen)
	                     : 0;
}

void
engine_seen_prune(struct engine *e)
{
	struct engine_prune p;
	uint64_t now = (uint64_t)time(NULL);

	p.e = e;
	p.before = now > ENGINE_SEEN_KEEP_S ? now - ENGINE_SEEN_KEEP_S : 0;
	if (cstore_begin(e->store) == 0)
		engine_commit(e,
		    cstore_each(e->store, CSTORE_SEEN, engine_prune_one, &p));
}

/* The shorter of two timers, where 0 means none. */
static uint32_t
engine_expire_min(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* Whether history is on for the scope, from its record. */
static bool
engine_history_on(struct engine *e, char tag, const uint8_t id[32])
{
	struct room_rec *rm;
	struct contact_rec c;
	bool on = false;

	if (tag == 'd')
		return engine_contact_load(e, id, &c) == 0 &&
		       (c.flags & CONTACT_REC_HISTORY) != 0;
	rm = xmalloc(sizeof *rm);
	on = engine_room_load(e, id, rm) == 0 &&
	     (rm->flags & ROOM_REC_HISTORY) != 0;
	sodium_memzero(rm, sizeof *rm);
	free(rm);
	return on;
}

int
engine_history_add(struct engine *e, char tag, const uint8_t id[32], bool mine,
    const uint8_t sender[32], const struct content *c, uint32_t local_expire_s,
    uint64_t *expires_s)
{
	uint8_t scope[HISTORY_SCOPE_LEN], *val;
	struct history_rec h;
	uint32_t keep = engine_expire_min(local_expire_s, c->expire_s);
	uint64_t now = (uint64_t)time(NULL), lid;
	size_t vlen = 0;
	int rc;

	*expires_s = keep != 0 ? now + keep : 0;
	if (!engine_history_on(e, tag, id))
		return 0;
	memset(&h, 0, sizeof h);
	h.mine = mine;
	memcpy(h.sender, sender, 32);
	h.c = *c;
	val = xmalloc(1 + 1 + 32 + CONTENT_MAX);
	rc = history_rec_save(&h, val, 1 + 1 + 32 + CONTENT_MAX, &vlen);
	if (rc == 0)
		rc = cstore_log_append(e->store, CSTORE_HISTORY, scope,
		    engine_key(e, scope, &tag, 1, id, 32), c->time_s,
		    *expires_s, val, vlen, &lid);
	sodium_memzero(val, 1 + 1 + 32 + CONTENT_MAX);
	free(val);
	if (rc == 0 && *expires_s != 0)
		engine_expiry_start(e);
	return rc;
}

/* Disappearing messages: a timer at the soonest expiry. */

static void engine_on_expiry(uv_timer_t *t);

static void
engine_expiry_arm(struct engine *e)
{
	uint64_t next = cstore_next_expiry(e->store);
	uint64_t now = (uint64_t)time(NULL);

	if (!e->expiry_open)
		return;
	uv_timer_stop(&e->expiry);
	if (next == 0)
		return;
	/* A second after it is due: expiry is "at or before now". */
	uv_timer_start(&e->expiry, engine_on_expiry,
	    next > now ? (next - now + 1) * 1000 : 1000, 0);
}

static void
engine_on_expiry(uv_timer_t *t)
{
	struct engine *e = t->data;
	struct engine_event ev;
	uint64_t n = 0;
	int rc;

	rc = cstore_expire(e->store, (uint64_t)time(NULL), &n);
	if (n > 0) {
		memset(&ev, 0, sizeof ev);
		ev.kind = ENGINE_EV_EXPIRED;
		ev.count = n;
		e->emit(e->arg, &ev);
	}
	if (rc != 0 && e->expiry_open) {
		/* Something is still due: try again soon, not never. */
		uv_timer_start(&e->expiry, engine_on_expiry, 60000, 0);
		return;
	}
	engine_expiry_arm(e);
}

void
engine_expiry_start(struct engine *e)
{
	if (!e->expiry_open) {
		uv_timer_init(&e->loop, &e->expiry);
		e->expiry.data = e;
		e->expiry_open = true;
		/* What expired while hearth was closed goes first. */
		engine_on_expiry(&e->expiry);
		return;
	}
	engine_expiry_arm(e);
}

void
engine_expiry_stop(struct engine *e)
{
	if (!e->expiry_open)
		return;
	e->expiry_open = false;
	uv_timer_stop(&e->expiry);
	uv_close((uv_handle_t *)&e->expiry, NULL);
}

/* Commands: a target is a room's name or a contact's name#FP. */

struct engine_target {
	char tag;
	uint8_t id[32];
	const char *room;
	char peer[ENGINE_ID_MAX];
};

static int
engine_target(struct engine *e, const char *cmd, const char *name,
    struct engine_target *t)
{
	struct engine_room *r;
	struct contact_rec c;

	memset(t, 0, sizeof *t);
	if (e->persona[0] == '\0') {
		engine_error(e, cmd, "make a persona first: /persona new NAME");
		return -1;
	}
	if ((r = engine_room_by_name(e, name)) != NULL) {
		t->tag = 'r';
		memcpy(t->id, r->id, 32);
		t->room = r->name;
		return 0;
	}
	if (engine_contact_find(e, name, t->id, &c) == 0) {
		t->tag = 'd';
		engine_display(t->peer, c.name, t->id);
		return 0;
	}
	engine_error(
	    e, cmd, "no room or contact (name#FINGERPRINT) by that name");
	return -1;
}

/* Changes a flag or the timer of the target's record. */
static int
engine_target_set(struct engine *e, const struct engine_target *t, int history,
    int64_t expire, bool *hist_out, uint32_t *exp_out)
{
	struct room_rec *rm;
	struct contact_rec c;
	int rc;

	if (t->tag == 'd') {
		rc = engine_contact_load(e, t->id, &c);
		if (rc != 0)
			return rc;
		if (history >= 0)
			c.flags = history ? (c.flags | CONTACT_REC_HISTORY)
			                  : (c.flags & ~CONTACT_REC_HISTORY);
		if (expire >= 0)
			c.expire_s = (uint32_t)expire;
		*hist_out = (c.flags & CONTACT_REC_HISTORY) != 0;
		*exp_out = c.expire_s;
		return engine_contact_store(e, t->id, &c);
	}
	rm = xmalloc(sizeof *rm);
	rc = engine_room_load(e, t->id, rm);
	if (rc == 0) {
		if (history >= 0)
			rm->flags = history ? (rm->flags | ROOM_REC_HISTORY)
			                    : (rm->flags & ~ROOM_REC_HISTORY);
		if (expire >= 0)
			rm->expire_s = (uint32_t)expire;
		*hist_out = (rm->flags & ROOM_REC_HISTORY) != 0;
		*exp_out = rm->expire_s;
		rc = engine_room_store(e, t->id, rm);
	}
	sodium_memzero(rm, sizeof *rm);
	free(rm);
	return rc;
}

int
engine_history_del(void *arg, uint64_t id, uint64_t t, uint64_t x,
    const uint8_t *val, size_t vlen)
{
	struct engine *e = arg;

	(void)t;
	(void)x;
	(void)val;
	(void)vlen;
	return cstore_log_del(e->store, CSTORE_HISTORY, id);
}

struct engine_show {
	struct engine *e;
	const struct engine_target *t;
	uint64_t now;
};

static int
engine_history_one(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct engine_show *s = arg;
	struct history_rec h;

	(void)id;
	(void)time_s;
	/* Due but not yet deleted: never shown again all the same. */
	if (expires_s != 0 && expires_s <= s->now)
		return 0;
	if (history_rec_load(&h, val, vlen) != 0)
		return 0;
	engine_message_event(s->e, s->t->room,
	    s->t->tag == 'd' ? s->t->peer : NULL, h.sender, &h.c, expires_s,
	    h.mine, true);
	return 0;
}

static void
engine_setting_event(struct engine *e, const struct engine_target *t,
    const char *action, bool history, uint32_t expire)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SETTING;
	ev.action = action;
	ev.room = t->room;
	ev.peer = t->tag == 'd' ? t->peer : NULL;
	ev.history = history;
	ev.expire_s = expire;
	e->emit(e->arg, &ev);
}

void
engine_history(struct engine *e, const char *target, const char *onoff)
{
	uint8_t scope[HISTORY_SCOPE_LEN];
	struct engine_target t;
	struct engine_show s;
	uint32_t expire = 0;
	bool history = false;
	int rc, on;

	if (engine_target(e, "/history", target, &t) != 0)
		return;
	engine_key(e, scope, &t.tag, 1, t.id, 32);
	if (onoff == NULL) {
		s.e = e;
		s.t = &t;
		s.now = (uint64_t)time(NULL);
		if (cstore_log_each(e->store, CSTORE_HISTORY, scope,
		        sizeof scope, 0, engine_history_one, &s) != 0)
			engine_error(
			    e, "/history", "some history could not be read");
		return;
	}
	if (strcmp(onoff, "on") == 0)
		on = 1;
	else if (strcmp(onoff, "off") == 0)
		on = 0;
	else {
		engine_error(e, "/history", "say on or off");
		return;
	}
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_target_set(e, &t, on, -1, &history, &expire);
	/* Turning it off deletes what was kept. */
	if (rc == 0 && !on)
		rc = cstore_log_each(e->store, CSTORE_HISTORY, scope,
		    sizeof scope, 0, engine_history_del, e);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/history", "the store could not be written");
		return;
	}
	engine_setting_event(e, &t, "history", history, expire);
}

void
engine_expire_set(struct engine *e, const char *target, const char *seconds)
{
	struct engine_target t;
	unsigned long long v = 0;
	uint32_t expire = 0;
	bool history = false;
	char *end = NULL;
	int rc;

	if (engine_target(e, "/expire", target, &t) != 0)
		return;
	if (strcmp(seconds, "off") != 0) {
		if (seconds[0] < '0' || seconds[0] > '9')
			goto bad;
		v = strtoull(seconds, &end, 10);
		if (*end != '\0' || v == 0 || v > CONTENT_EXPIRE_MAX)
			goto bad;
	}
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc =
		    engine_target_set(e, &t, -1, (int64_t)v, &history, &expire);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/expire", "the store could not be written");
		return;
	}
	engine_setting_event(e, &t, "expire", history, expire);
	return;
bad:
	engine_error(
	    e, "/expire", "give a number of seconds (1 to 31622400) or off");
}
