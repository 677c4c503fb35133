/* SPDX-License-Identifier: ISC */
/*
 * Rooms: create, join from an invite, announce, catch up from the log,
 * send and read with sender keys, leave (docs/engine.md).
 *
 * Membership: on joining, a member reads the log from the start and then
 * posts an announcement (common/announce.h) with its identity, name,
 * mailbox key and prekey bundle. Whenever a member reads an announcement
 * newer than the last one of that identity, it sends its own sender-key
 * distribution to the announcer over their pairwise session; the
 * newcomer, reading the earlier announcements, does the same towards
 * each of them. So every pair ends up holding each other's sender key,
 * and nothing secret ever goes into the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/store.h"
#include "common/announce.h"
#include "common/err.h"
#include "common/invite.h"
#include "common/pad.h"
#include "common/proof.h"
#include "common/xmalloc.h"

#define ROOM_KEY_LEN (ENGINE_PID_LEN + 32)
#define MEMBER_KEY_LEN (ENGINE_PID_LEN + 64)

struct engine_room *
engine_room_by_name(struct engine *e, const char *name)
{
	for (size_t i = 0; i < e->nrooms; i++)
		if (strcmp(e->rooms[i].name, name) == 0)
			return &e->rooms[i];
	return NULL;
}

struct engine_room *
engine_room_by_id(struct engine *e, const uint8_t id[32])
{
	for (size_t i = 0; i < e->nrooms; i++)
		if (memcmp(e->rooms[i].id, id, 32) == 0)
			return &e->rooms[i];
	return NULL;
}

int
engine_room_load(struct engine *e, const uint8_t id[32], struct room_rec *rm)
{
	uint8_t key[ROOM_KEY_LEN], val[ROOM_REC_MAX];
	size_t vlen = 0;
	int rc;

	rc = cstore_get(e->store, CSTORE_ROOM, key,
	    engine_key(e, key, id, 32, NULL, 0), val, sizeof val, &vlen);
	if (rc == 0)
		rc = room_rec_load(rm, val, vlen) == 0 ? 0 : ERR_STORE;
	else if (rc == ERR_TOO_BIG)
		rc = ERR_STORE;
	sodium_memzero(val, sizeof val);
	return rc;
}

int
engine_room_store(
    struct engine *e, const uint8_t id[32], const struct room_rec *rm)
{
	uint8_t key[ROOM_KEY_LEN], val[ROOM_REC_MAX];
	size_t vlen = 0;
	int rc;

	rc = room_rec_save(rm, val, sizeof val, &vlen);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_ROOM, key,
		    engine_key(e, key, id, 32, NULL, 0), val, vlen);
	sodium_memzero(val, sizeof val);
	return rc;
}

static int
engine_member_load(struct engine *e, const uint8_t room[32],
    const uint8_t ik[32], struct member_rec *m)
{
	uint8_t key[MEMBER_KEY_LEN], *val = xmalloc(MEMBER_REC_MAX);
	size_t vlen = 0;
	int rc;

	rc = cstore_get(e->store, CSTORE_MEMBER, key,
	    engine_key(e, key, room, 32, ik, 32), val, MEMBER_REC_MAX, &vlen);
	if (rc == 0)
		rc = member_rec_load(m, val, vlen) == 0 ? 0 : ERR_STORE;
	else if (rc == ERR_TOO_BIG)
		rc = ERR_STORE;
	sodium_memzero(val, MEMBER_REC_MAX);
	free(val);
	return rc;
}

static int
engine_member_store(struct engine *e, const uint8_t room[32],
    const uint8_t ik[32], const struct member_rec *m)
{
	uint8_t key[MEMBER_KEY_LEN], *val = xmalloc(MEMBER_REC_MAX);
	size_t vlen = 0;
	int rc;

	rc = member_rec_save(m, val, MEMBER_REC_MAX, &vlen);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_MEMBER, key,
		    engine_key(e, key, room, 32, ik, 32), val, vlen);
	sodium_memzero(val, MEMBER_REC_MAX);
	free(val);
	return rc;
}

/* Adds a loaded room. */
static struct engine_room *
engine_room_add(
    struct engine *e, const uint8_t id[32], const struct room_rec *rm)
{
	struct engine_room *r;

	e->rooms = xreallocarray(e->rooms, e->nrooms + 1, sizeof *e->rooms);
	r = &e->rooms[e->nrooms++];
	memset(r, 0, sizeof *r);
	memcpy(r->id, id, 32);
	snprintf(r->relay, sizeof r->relay, "%s", rm->relay);
	snprintf(r->name, sizeof r->name, "%s", rm->name);
	r->created = (rm->flags & ROOM_REC_CREATED) != 0;
	return r;
}

struct engine_rooms_walk {
	struct engine *e;
};

static int
engine_on_room(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine *e = arg;
	struct room_rec *rm;

	if (klen != ROOM_KEY_LEN ||
	    memcmp(key, e->persona_id, ENGINE_PID_LEN) != 0)
		return 0;
	rm = xmalloc(sizeof *rm);
	if (room_rec_load(rm, val, vlen) == 0)
		engine_room_add(e, key + ENGINE_PID_LEN, rm);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
	return 0;
}

void
engine_rooms_load(struct engine *e)
{
	engine_rooms_drop(e);
	if (e->persona[0] != '\0')
		cstore_each(e->store, CSTORE_ROOM, engine_on_room, e);
}

void
engine_rooms_drop(struct engine *e)
{
	free(e->rooms);
	e->rooms = NULL;
	e->nrooms = 0;
}

static void
engine_room_event(struct engine *e, const char *action,
    const struct room_rec *rm, const char *invite)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_ROOM;
	ev.action = action;
	ev.room = rm->name;
	ev.relay = rm->relay;
	ev.invite = invite;
	ev.history = (rm->flags & ROOM_REC_HISTORY) != 0;
	ev.expire_s = rm->expire_s;
	e->emit(e->arg, &ev);
}

/* The invite string of a room into out (INVITE_STR_MAX bytes). */
static int
engine_room_invite_str(const struct room_rec *rm, char *out, size_t cap)
{
	struct invite inv;
	int rc;

	memset(&inv, 0, sizeof inv);
	rc = addr_parse(rm->relay, strlen(rm->relay), &inv.relay);
	memcpy(inv.secret, rm->secret, sizeof inv.secret);
	memcpy(inv.owner, rm->owner, sizeof inv.owner);
	if (rc == 0)
		rc = invite_encode(&inv, out, cap);
	invite_wipe(&inv);
	return rc;
}

static bool
engine_room_name_ok(struct engine *e, const char *cmd, const char *name)
{
	if (e->persona[0] == '\0') {
		engine_error(e, cmd, "make a persona first: /persona new NAME");
		return false;
	}
	if (!utf8_name_ok((const uint8_t *)name, strlen(name))) {
		engine_error(e, cmd,
		    "a room name is 1 to 64 bytes with no spaces, no "
		    "invisible characters and none of # / @");
		return false;
	}
	if (engine_room_by_name(e, name) != NULL) {
		engine_error(e, cmd, "you already have a room with that name");
		return false;
	}
	return true;
}

static void engine_room_subscribe(
    struct engine *e, struct link *l, struct engine_room *r);
static void engine_room_announce(struct engine *e, struct engine_room *r);

/* Stores a new room and connects to its relay. */
static int
engine_room_begin(struct engine *e, const char *cmd, const uint8_t id[32],
    struct room_rec *rm)
{
	struct link *l;
	int rc;

	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_room_store(e, id, rm);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, cmd, "the store could not be written");
		return -1;
	}
	engine_room_add(e, id, rm);
	engine_links_sync(e);
	/* A link that is already up subscribes the new room now. */
	l = engine_link_for(e, rm->relay);
	if (l != NULL && l->state == LINK_READY)
		engine_room_subscribe(e, l, engine_room_by_id(e, id));
	return 0;
}

void
engine_room_new(struct engine *e, const char *name, const char *relay)
{
	uint8_t key[5 + ENGINE_PID_LEN];
	char address[ADDR_STR_MAX], inv[INVITE_STR_MAX];
	struct senderkey_room sr;
	struct room_rec *rm;
	struct addr a;
	size_t len = 0;

	if (!engine_room_name_ok(e, "/room", name))
		return;
	if (relay == NULL) {
		if (cstore_get(e->store, CSTORE_SETTING, key,
		        engine_key(e, key, "relay", 5, NULL, 0),
		        (uint8_t *)address, sizeof address - 1, &len) != 0) {
			engine_error(e, "/room",
			    "give the relay's address, or set your relay "
			    "with /relay ADDRESS");
			return;
		}
		address[len] = '\0';
		relay = address;
	}
	if (addr_parse(relay, strlen(relay), &a) != 0) {
		engine_error(e, "/room",
		    "that is not a relay address (hearth://KEY@HOST:PORT)");
		return;
	}
	if (addr_is_onion(a.host) && !e->use_proxy) {
		engine_error(e, "/room",
		    "a .onion relay needs a proxy (Tor): /proxy or --proxy");
		return;
	}
	rm = xcalloc(1, sizeof *rm);
	senderkey_secret_new(rm->secret);
	senderkey_room_derive(&sr, rm->secret);
	rm->epoch = 1;
	senderkey_own_new(&rm->own, rm->epoch);
	memcpy(rm->owner, e->keys->id.pk, 32);
	addr_format(&a, rm->relay, sizeof rm->relay);
	snprintf(rm->name, sizeof rm->name, "%s", name);
	if (engine_room_begin(e, "/room", sr.id, rm) == 0 &&
	    engine_room_invite_str(rm, inv, sizeof inv) == 0)
		engine_room_event(e, "created", rm, inv);
	sodium_memzero(inv, sizeof inv);
	senderkey_room_wipe(&sr);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
}

void
engine_room_join(struct engine *e, const char *text, const char *name)
{
	char defname[16];
	struct senderkey_room sr;
	struct room_rec *rm;
	struct invite inv;

	if (invite_decode(text, strlen(text), &inv) != 0) {
		engine_error(e, "/join",
		    "that is not an invite (it starts hearth-invite:)");
		return;
	}
	senderkey_room_derive(&sr, inv.secret);
	if (engine_room_by_id(e, sr.id) != NULL) {
		engine_error(e, "/join", "you are already in that room");
		goto out;
	}
	if (name == NULL) {
		/* A name the person can change later. */
		snprintf(defname, sizeof defname, "room-%02x%02x", sr.id[0],
		    sr.id[1]);
		name = defname;
	}
	if (!engine_room_name_ok(e, "/join", name))
		goto out;
	if (addr_is_onion(inv.relay.host) && !e->use_proxy) {
		engine_error(e, "/join",
		    "a .onion relay needs a proxy (Tor): /proxy or --proxy");
		goto out;
	}
	rm = xcalloc(1, sizeof *rm);
	memcpy(rm->secret, inv.secret, sizeof rm->secret);
	rm->epoch = 1;
	rm->flags = ROOM_REC_CREATED;
	senderkey_own_new(&rm->own, rm->epoch);
	memcpy(rm->owner, inv.owner, 32);
	addr_format(&inv.relay, rm->relay, sizeof rm->relay);
	snprintf(rm->name, sizeof rm->name, "%s", name);
	if (engine_room_begin(e, "/join", sr.id, rm) == 0)
		engine_room_event(e, "joined", rm, NULL);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
out:
	senderkey_room_wipe(&sr);
	invite_wipe(&inv);
}

void
engine_room_invite(struct engine *e, const char *name)
{
	struct engine_room *r = engine_room_by_name(e, name);
	char inv[INVITE_STR_MAX];
	struct room_rec *rm;

	if (r == NULL) {
		engine_error(e, "/invite", "no room with that name");
		return;
	}
	rm = xmalloc(sizeof *rm);
	if (engine_room_load(e, r->id, rm) != 0 ||
	    engine_room_invite_str(rm, inv, sizeof inv) != 0)
		engine_error(e, "/invite", "the store could not be read");
	else
		engine_room_event(e, "invite", rm, inv);
	sodium_memzero(inv, sizeof inv);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
}

/* Deletes every record of kind whose key starts with prefix. */
struct engine_del {
	struct engine *e;
	const uint8_t *prefix;
	size_t plen;
	enum cstore_kind kind;
};

static int
engine_del_one(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine_del *d = arg;

	(void)val;
	(void)vlen;
	if (klen >= d->plen && memcmp(key, d->prefix, d->plen) == 0)
		return cstore_del(d->e->store, d->kind, key, klen);
	return 0;
}

static int
engine_pending_del(void *arg, uint64_t id, uint64_t t, uint64_t x,
    const uint8_t *val, size_t vlen)
{
	struct engine *e = arg;

	(void)t;
	(void)x;
	(void)val;
	(void)vlen;
	return cstore_log_del(e->store, CSTORE_PENDING, id);
}

/* Outbox entries about a room being left. */
struct engine_purge {
	struct engine *e;
	const uint8_t *room;
};

static int
engine_outbox_purge(void *arg, uint64_t id, uint64_t t, uint64_t x,
    const uint8_t *val, size_t vlen)
{
	struct engine_purge *p = arg;
	struct outbox_rec o;
	struct content c;

	(void)t;
	(void)x;
	if (outbox_rec_load(&o, val, vlen) != 0 || o.op == OUTBOX_MBOX_PUT)
		return 0;
	/* Our sender key for this room, still waiting for a session: the
	 * room is left, so it goes nowhere (review finding). Once sealed
	 * it cannot be told from other mail. */
	if (o.op == OUTBOX_WAIT)
		return content_decode(&c, o.env, o.env_len) == 0 &&
		               c.type == CONTENT_SENDERKEY &&
		               memcmp(c.body + 1, p->room, 32) == 0
		           ? cstore_log_del(p->e->store, CSTORE_OUTBOX, id)
		           : 0;
	if (memcmp(o.about, p->room, 32) != 0)
		return 0;
	return cstore_log_del(p->e->store, CSTORE_OUTBOX, id);
}

void
engine_room_leave(struct engine *e, const char *name)
{
	struct engine_room *r = engine_room_by_name(e, name);
	uint8_t key[ROOM_KEY_LEN], scope[ENGINE_PID_LEN + 1 + 32];
	struct engine_purge purge;
	struct engine_del d;
	struct room_rec *rm;
	struct wire_msg m;
	struct link *l;
	int rc;

	if (r == NULL) {
		engine_error(e, "/leave", "no room with that name");
		return;
	}
	l = engine_link_for(e, r->relay);
	if (l != NULL && r->subscribed) {
		memset(&m, 0, sizeof m);
		m.type = WIRE_MSG_ROOM_UNSUB;
		m.u.id_req.req = ++e->next_req;
		m.u.id_req.id.p = r->id;
		m.u.id_req.id.len = 32;
		link_request(l, &m, LINK_REQ_UNSUB, 0, r->id);
	}
	rm = xmalloc(sizeof *rm);
	memset(rm, 0, sizeof *rm);
	engine_room_load(e, r->id, rm);
	engine_key(e, key, r->id, 32, NULL, 0);
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = cstore_del(e->store, CSTORE_ROOM, key, sizeof key);
	memset(&d, 0, sizeof d);
	d.e = e;
	d.prefix = key;
	d.plen = sizeof key;
	d.kind = CSTORE_MEMBER;
	if (rc == 0)
		rc = cstore_each(e->store, CSTORE_MEMBER, engine_del_one, &d);
	if (rc == 0)
		rc = cstore_log_each(e->store, CSTORE_PENDING, key, sizeof key,
		    0, engine_pending_del, e);
	purge.e = e;
	purge.room = r->id;
	if (rc == 0)
		rc = cstore_log_each(e->store, CSTORE_OUTBOX, e->persona_id,
		    ENGINE_PID_LEN, 0, engine_outbox_purge, &purge);
	engine_key(e, scope, "r", 1, r->id, 32);
	if (rc == 0)
		rc = cstore_log_each(e->store, CSTORE_HISTORY, scope,
		    sizeof scope, 0, engine_history_del, e);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, "/leave", "the store could not be written");
		goto out;
	}
	*r = e->rooms[--e->nrooms];
	engine_room_event(e, "left", rm, NULL);
	engine_links_sync(e);
out:
	sodium_memzero(rm, sizeof *rm);
	free(rm);
}

void
engine_room_list(struct engine *e)
{
	struct room_rec *rm = xmalloc(sizeof *rm);

	for (size_t i = 0; i < e->nrooms; i++)
		if (engine_room_load(e, e->rooms[i].id, rm) == 0)
			engine_room_event(e, "listed", rm, NULL);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
}

struct engine_members {
	struct engine *e;
	const uint8_t *prefix; /* persona id | room id */
	const char *room;
	uint64_t count;
};

static void
engine_member_event(struct engine *e, const char *room, const char *action,
    const uint8_t ik[32], bool has_key, uint64_t count)
{
	struct engine_event ev;
	struct contact_rec c;
	char who[ENGINE_ID_MAX];

	memset(&ev, 0, sizeof ev);
	if (memcmp(ik, e->keys->id.pk, 32) == 0)
		engine_display(who, e->persona, ik);
	else if (engine_contact_load(e, ik, &c) == 0) {
		engine_display(who, c.name, ik);
		ev.verified = (c.flags & CONTACT_REC_VERIFIED) != 0;
	} else
		engine_display(who, NULL, ik);
	ev.kind = ENGINE_EV_MEMBER;
	ev.action = action;
	ev.room = room;
	ev.id = who;
	ev.mine = memcmp(ik, e->keys->id.pk, 32) == 0;
	ev.current = has_key;
	ev.count = count;
	e->emit(e->arg, &ev);
}

static int
engine_on_member(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine_members *ms = arg;
	struct member_rec *m;

	if (klen != MEMBER_KEY_LEN ||
	    memcmp(key, ms->prefix, ROOM_KEY_LEN) != 0)
		return 0;
	m = xmalloc(sizeof *m);
	if (member_rec_load(m, val, vlen) == 0 &&
	    (m->flags & MEMBER_REC_ANNOUNCED) != 0)
		engine_member_event(ms->e, ms->room, "listed",
		    key + ROOM_KEY_LEN, m->has_sk, ++ms->count);
	sodium_memzero(m, sizeof *m);
	free(m);
	return 0;
}

void
engine_room_members(struct engine *e, const char *name)
{
	struct engine_room *r = engine_room_by_name(e, name);
	uint8_t prefix[ROOM_KEY_LEN];
	struct engine_members ms;

	if (r == NULL) {
		engine_error(e, "/members", "no room with that name");
		return;
	}
	engine_key(e, prefix, r->id, 32, NULL, 0);
	memset(&ms, 0, sizeof ms);
	ms.e = e;
	ms.prefix = prefix;
	ms.room = r->name;
	ms.count = 1;
	engine_member_event(e, r->name, "listed", e->keys->id.pk, true, 1);
	if (cstore_each(e->store, CSTORE_MEMBER, engine_on_member, &ms) != 0)
		engine_error(e, "/members", "the store could not be read");
}

/* Fresh random message id and the current time into c. */
static void
engine_content_new(struct content *c, enum content_type type)
{
	memset(c, 0, sizeof *c);
	c->type = type;
	randombytes_buf(c->id, sizeof c->id);
	c->time_s = (uint64_t)time(NULL);
}

void
engine_room_say(struct engine *e, const char *name, const char *text)
{
	engine_room_post(e, "/say", name, CONTENT_TEXT, text);
}

void
engine_room_alert(struct engine *e, const char *name, const char *text)
{
	uint64_t now = (uint64_t)time(NULL);
	size_t recent = 0, oldest = 0;

	for (size_t i = 0; i < URGENT_MAX_SENT; i++) {
		if (e->urgent_sent[i] + URGENT_WINDOW_S > now &&
		    e->urgent_sent[i] != 0)
			recent++;
		if (e->urgent_sent[i] < e->urgent_sent[oldest])
			oldest = i;
	}
	if (recent >= URGENT_MAX) {
		engine_error(e, "/alert",
		    "you sent three alerts in the last hour: members would no "
		    "longer see more; use /say");
		return;
	}
	if (engine_room_by_name(e, name) == NULL) {
		engine_error(e, "/alert", "no room with that name");
		return;
	}
	e->urgent_sent[oldest] = now;
	engine_room_post(e, "/alert", name, CONTENT_URGENT, text);
}

void
engine_room_post(struct engine *e, const char *cmd, const char *name,
    enum content_type type, const char *text)
{
	struct engine_room *r = engine_room_by_name(e, name);
	uint8_t pt[CONTENT_MAX], *env = NULL;
	struct senderkey_own next;
	struct senderkey_room sr;
	struct engine_event ev;
	struct outbox_rec o;
	struct room_rec *rm;
	struct content c;
	char msgid[2 * CONTENT_ID_LEN + 1];
	size_t ptlen = 0, envlen = 0;
	uint64_t expires = 0;
	int rc;

	memset(&next, 0, sizeof next);
	memset(&sr, 0, sizeof sr);
	if (r == NULL) {
		engine_error(e, cmd, "no room with that name");
		return;
	}
	if (strlen(text) > CONTENT_TEXT_MAX) {
		engine_error(e, cmd, "a message is at most 4096 bytes");
		return;
	}
	rm = xmalloc(sizeof *rm);
	if (engine_room_load(e, r->id, rm) != 0) {
		engine_error(e, cmd, "the store could not be read");
		goto out;
	}
	engine_content_new(&c, type);
	c.expire_s = rm->expire_s;
	/* An alert is news for half a day, then gone everywhere. */
	if (type == CONTENT_URGENT &&
	    (c.expire_s == 0 || c.expire_s > URGENT_KEEP_S))
		c.expire_s = URGENT_KEEP_S;
	c.body = (const uint8_t *)text;
	c.len = strlen(text);
	rc = content_encode(&c, pt, sizeof pt, &ptlen);
	senderkey_room_derive(&sr, rm->secret);
	env = xmalloc(PAD_BUCKET_MAX);
	if (rc == 0)
		rc = senderkey_encrypt(&rm->own, &next, &sr, pt, ptlen, env,
		    PAD_BUCKET_MAX, &envlen);
	if (rc != 0) {
		engine_error(e, cmd, err_str(rc));
		goto out;
	}
	/* Persist the advanced chain and the envelope, then send. */
	rm->own = next;
	memset(&o, 0, sizeof o);
	o.op = OUTBOX_ROOM_PUB;
	o.report = true;
	memcpy(o.msgid, c.id, sizeof o.msgid);
	memcpy(o.target, r->id, 32);
	memcpy(o.about, r->id, 32);
	snprintf(o.relay, sizeof o.relay, "%s", r->relay);
	o.env = env;
	o.env_len = envlen;
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_room_store(e, r->id, rm);
	if (rc == 0)
		rc = engine_outbox_add(
		    e, &o, c.expire_s != 0 ? c.time_s + c.expire_s : 0);
	if (rc == 0)
		rc = engine_history_add(e, 'r', r->id, true, e->keys->id.pk, &c,
		    rm->expire_s, &expires);
	if (engine_commit(e, rc) != 0) {
		engine_error(e, cmd, "the store could not be written");
		goto out;
	}
	memset(&ev, 0, sizeof ev);
	engine_hex(msgid, c.id, sizeof c.id);
	ev.kind = ENGINE_EV_SENT;
	ev.room = r->name;
	ev.msgid = msgid;
	ev.text = text;
	ev.text_len = strlen(text);
	ev.time_s = c.time_s;
	ev.expires_s = expires;
	e->emit(e->arg, &ev);
	engine_outbox_flush(e, engine_link_for(e, r->relay));
out:
	senderkey_own_wipe(&next);
	senderkey_room_wipe(&sr);
	sodium_memzero(pt, sizeof pt);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
	free(env);
}

/* Relay side: create (if ours and new), subscribe, then page the log. */

static void
engine_room_fetch(
    struct engine *e, struct link *l, struct engine_room *r, uint64_t after)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_FETCH;
	m.u.fetch.req = ++e->next_req;
	m.u.fetch.id.p = r->id;
	m.u.fetch.id.len = 32;
	m.u.fetch.after = after;
	m.u.fetch.limit = 0;
	link_request(l, &m, LINK_REQ_FETCH, after, r->id);
}

static void
engine_room_subscribe(struct engine *e, struct link *l, struct engine_room *r)
{
	uint8_t sig[PROOF_SIG_LEN];
	struct senderkey_room sr;
	struct room_rec *rm;
	struct wire_msg m;

	rm = xmalloc(sizeof *rm);
	if (engine_room_load(e, r->id, rm) != 0)
		goto out;
	senderkey_room_derive(&sr, rm->secret);
	memset(&m, 0, sizeof m);
	if (!r->created) {
		m.type = WIRE_MSG_ROOM_CREATE;
		m.u.room_create.req = ++e->next_req;
		m.u.room_create.room.p = r->id;
		m.u.room_create.room.len = 32;
		m.u.room_create.access_pub.p = sr.access_pk;
		m.u.room_create.access_pub.len = sizeof sr.access_pk;
		link_request(l, &m, LINK_REQ_CREATE, 0, r->id);
		memset(&m, 0, sizeof m);
	}
	/* The relay answers in order: the sub comes after the create. */
	proof_sign(
	    sig, sr.access_sk, PROOF_ROOM_SUB, l->up->st.hs_hash, r->id, 32);
	m.type = WIRE_MSG_ROOM_SUB;
	m.u.proof.req = ++e->next_req;
	m.u.proof.id.p = r->id;
	m.u.proof.id.len = 32;
	m.u.proof.sig.p = sig;
	m.u.proof.sig.len = sizeof sig;
	if (link_request(l, &m, LINK_REQ_SUB, 0, r->id) == 0) {
		r->subscribed = true;
		/* Pushes can come before the sub's ok: the fetch has them. */
		r->sub_pending = true;
	}
	senderkey_room_wipe(&sr);
out:
	sodium_memzero(rm, sizeof *rm);
	free(rm);
}

void
engine_room_on_ready(struct engine *e, struct link *l)
{
	for (size_t i = 0; i < e->nrooms; i++)
		if (strcmp(e->rooms[i].relay, l->address) == 0)
			engine_room_subscribe(e, l, &e->rooms[i]);
}

void
engine_room_on_tick(struct engine *e, struct link *l)
{
	for (size_t i = 0; i < e->nrooms; i++) {
		struct engine_room *r = &e->rooms[i];

		if (strcmp(r->relay, l->address) != 0 || r->sub_pending ||
		    (r->subscribed && !r->stalled))
			continue;
		r->stalled = false;
		engine_room_subscribe(e, l, r);
	}
}

int
engine_rooms_unannounce(struct engine *e)
{
	struct room_rec *rm = xmalloc(sizeof *rm);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < e->nrooms; i++) {
		rc = engine_room_load(e, e->rooms[i].id, rm);
		if (rc == 0) {
			rm->flags &= ~ROOM_REC_ANNOUNCED;
			rc = engine_room_store(e, e->rooms[i].id, rm);
		}
	}
	sodium_memzero(rm, sizeof *rm);
	free(rm);
	return rc;
}

void
engine_rooms_announce(struct engine *e)
{
	for (size_t i = 0; i < e->nrooms; i++)
		if (e->rooms[i].subscribed && !e->rooms[i].sub_pending &&
		    !e->rooms[i].catching)
			engine_room_announce(e, &e->rooms[i]);
}

void
engine_room_on_down(struct engine *e, struct link *l)
{
	for (size_t i = 0; i < e->nrooms; i++) {
		if (strcmp(e->rooms[i].relay, l->address) != 0)
			continue;
		e->rooms[i].subscribed = false;
		e->rooms[i].sub_pending = false;
		e->rooms[i].stalled = false;
		e->rooms[i].catching = false;
	}
}

/* Updates one room record field set under a batch of its own. */
static int
engine_room_update(struct engine *e, const uint8_t id[32], uint8_t set_flags,
    uint64_t last_seq)
{
	struct room_rec *rm = xmalloc(sizeof *rm);
	int rc;

	rc = engine_room_load(e, id, rm);
	if (rc == 0) {
		rm->flags |= set_flags;
		if (last_seq > rm->last_seq)
			rm->last_seq = last_seq;
		rc = engine_room_store(e, id, rm);
	}
	sodium_memzero(rm, sizeof *rm);
	free(rm);
	return rc;
}

/* Posts our announcement to the room, once, through the outbox. */
static void
engine_room_announce(struct engine *e, struct engine_room *r)
{
	uint8_t key[ANNOUNCE_KEY_LEN], env[ANNOUNCE_LEN];
	struct room_rec *rm = xmalloc(sizeof *rm);
	struct announce a;
	struct outbox_rec o;
	size_t envlen = 0;
	int rc;

	memset(&a, 0, sizeof a);
	rc = engine_room_load(e, r->id, rm);
	if (rc != 0 || (rm->flags & ROOM_REC_ANNOUNCED) != 0)
		goto out;
	memcpy(a.ik, e->keys->id.pk, 32);
	snprintf(a.name, sizeof a.name, "%s", e->persona);
	engine_mbox_pub(e, a.mbox_pk);
	a.time_s = (uint64_t)time(NULL);
	rc = engine_bundle(e, &a.bundle);
	announce_key(key, rm->secret);
	if (rc == 0)
		rc = announce_seal(
		    &e->keys->id, key, r->id, &a, env, sizeof env, &envlen);
	if (rc != 0) {
		engine_error(e, "/join", "could not announce you in the room");
		goto out;
	}
	memset(&o, 0, sizeof o);
	o.op = OUTBOX_ANNOUNCE;
	memcpy(o.target, r->id, 32);
	memcpy(o.about, r->id, 32);
	snprintf(o.relay, sizeof o.relay, "%s", r->relay);
	o.env = env;
	o.env_len = envlen;
	/* Marked announced now: the outbox keeps it until the relay has it. */
	rm->flags |= ROOM_REC_ANNOUNCED;
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = engine_outbox_add(e, &o, 0);
	if (rc == 0)
		rc = engine_room_store(e, r->id, rm);
	if (engine_commit(e, rc) == 0)
		engine_outbox_flush(e, engine_link_for(e, r->relay));
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(rm, sizeof *rm);
	free(rm);
}

void
engine_room_on_reply(struct engine *e, struct link *l, const struct link_req *r,
    const struct wire_msg *m)
{
	struct engine_room *rm = engine_room_by_id(e, r->id);
	struct room_rec *rec;
	uint64_t last;

	if (rm == NULL)
		return; /* left meanwhile */
	switch (r->kind) {
	case LINK_REQ_CREATE:
		if (m->type == WIRE_MSG_OK ||
		    (m->type == WIRE_MSG_FAIL &&
		        m->u.fail.code == PROTO_E_EXISTS)) {
			rm->created = true;
			if (cstore_begin(e->store) == 0)
				engine_commit(e, engine_room_update(e, rm->id,
				                     ROOM_REC_CREATED, 0));
		} else {
			engine_error(
			    e, "/room", "the relay refused to make the room");
		}
		break;
	case LINK_REQ_SUB:
		rm->sub_pending = false;
		if (m->type != WIRE_MSG_OK) {
			rm->subscribed = false;
			if (!rm->refused)
				engine_error(e, "/room",
				    "the relay refused to let you into a room");
			rm->refused = true;
			break;
		}
		rm->refused = false;
		rm->stalled = false;
		rm->catching = true;
		rm->latest = m->u.ok.value;
		rec = xmalloc(sizeof *rec);
		if (engine_room_load(e, rm->id, rec) == 0)
			engine_room_fetch(e, l, rm, rec->last_seq);
		else
			rm->stalled = true;
		sodium_memzero(rec, sizeof *rec);
		free(rec);
		/* Messages queued while offline can go now. */
		engine_outbox_flush(e, l);
		break;
	case LINK_REQ_FETCH:
		if (m->type != WIRE_MSG_OK || rm->stalled) {
			/* The tick subscribes and fetches again. */
			rm->stalled = true;
			break;
		}
		rec = xmalloc(sizeof *rec);
		if (engine_room_load(e, rm->id, rec) != 0) {
			rm->stalled = true;
			free(rec);
			break;
		}
		last = rec->last_seq;
		/* Entries up to latest that never came are gone (a gap). */
		if (last < rm->latest && m->u.ok.value > rm->latest) {
			if (cstore_begin(e->store) == 0)
				engine_commit(e, engine_room_update(
				                     e, rm->id, 0, rm->latest));
			last = rm->latest;
		}
		sodium_memzero(rec, sizeof *rec);
		free(rec);
		if (m->u.ok.value != r->arg) {
			engine_room_fetch(e, l, rm, last);
			break;
		}
		rm->catching = false;
		engine_room_announce(e, rm);
		break;
	default:
		break;
	}
}

int
engine_room_on_sent(struct engine *e, const struct outbox_rec *o)
{
	(void)e;
	(void)o;
	return 0;
}

/* Reading room messages. */

struct engine_signer {
	struct engine *e;
	const uint8_t *prefix; /* persona id | room id */
	const uint8_t *signer;
	uint8_t ik[32];
	bool found;
};

static int
engine_on_signer(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine_signer *s = arg;
	struct member_rec *m;
	int rc = 0;

	if (klen != MEMBER_KEY_LEN || memcmp(key, s->prefix, ROOM_KEY_LEN) != 0)
		return 0;
	m = xmalloc(sizeof *m);
	if (member_rec_load(m, val, vlen) == 0 && m->has_sk &&
	    sodium_memcmp(m->sk.sign_pk, s->signer, 32) == 0) {
		memcpy(s->ik, key + ROOM_KEY_LEN, 32);
		s->found = true;
		rc = 1;
	}
	sodium_memzero(m, sizeof *m);
	free(m);
	return rc;
}

/* The member whose sender key signs as signer, into ik. */
static bool
engine_room_signer(struct engine *e, const uint8_t room[32],
    const uint8_t signer[32], uint8_t ik[32])
{
	uint8_t prefix[ROOM_KEY_LEN];
	struct engine_signer s;

	engine_key(e, prefix, room, 32, NULL, 0);
	memset(&s, 0, sizeof s);
	s.e = e;
	s.prefix = prefix;
	s.signer = signer;
	cstore_each(e->store, CSTORE_MEMBER, engine_on_signer, &s);
	memcpy(ik, s.ik, 32);
	return s.found;
}

void
engine_message_event(struct engine *e, const char *room, const char *peer,
    const uint8_t sender[32], const struct content *c, uint64_t expires,
    bool mine, bool stored)
{
	struct engine_event ev;
	struct contact_rec ct;
	char who[ENGINE_ID_MAX], msgid[2 * CONTENT_ID_LEN + 1];

	if (memcmp(sender, e->keys->id.pk, 32) == 0)
		engine_display(who, e->persona, sender);
	else if (engine_contact_load(e, sender, &ct) == 0)
		engine_display(who, ct.name, sender);
	else
		engine_display(who, NULL, sender);
	engine_hex(msgid, c->id, sizeof c->id);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_MESSAGE;
	ev.room = room;
	ev.peer = peer;
	ev.from = who;
	ev.text = (const char *)c->body;
	ev.text_len = c->len;
	ev.msgid = msgid;
	ev.time_s = c->time_s;
	ev.expires_s = expires;
	ev.mine = mine;
	ev.stored = stored;
	e->emit(e->arg, &ev);
}

/*
 * Decrypts one room envelope from a known member, inside the caller's
 * batch. *shown is set when there is something to show: c and *expires
 * (c's body points into out). Returns 0 when the envelope is dealt with
 * (shown, or dropped as a replay or forgery), ERR_NOTFOUND when its
 * sender's key has not come yet, or a store error.
 */
static int
engine_room_open(struct engine *e, struct engine_room *r,
    const struct room_rec *rm, const uint8_t *env, size_t len, uint8_t *out,
    size_t cap, struct content *c, uint8_t sender[32], uint64_t *expires,
    bool *shown)
{
	struct senderkey_room sr;
	struct senderkey_hdr h;
	struct member_rec *m = NULL;
	struct senderkey_peer *next = NULL;
	size_t outlen = 0;
	bool seen;
	int rc;

	*shown = false;
	senderkey_room_derive(&sr, rm->secret);
	if (senderkey_peek(&sr, env, len, &h) != 0) {
		rc = 0; /* not a message of this epoch: nothing to do */
		goto out;
	}
	/* Our own, read back from the log. */
	if (sodium_memcmp(h.signer, rm->own.sign_sk + 32, 32) == 0) {
		rc = 0;
		goto out;
	}
	if (!engine_room_signer(e, r->id, h.signer, sender)) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	m = xmalloc(sizeof *m);
	next = xmalloc(sizeof *next);
	rc = engine_member_load(e, r->id, sender, m);
	if (rc != 0)
		goto out;
	if (senderkey_decrypt(&m->sk, next, &sr, env, len, out, cap, &outlen) !=
	        0 ||
	    content_decode(c, out, outlen) != 0 ||
	    (c->type != CONTENT_TEXT && c->type != CONTENT_URGENT)) {
		rc = 0; /* a replay, a forgery or garbage: dropped */
		goto out;
	}
	senderkey_peer_copy(&m->sk, next);
	rc = engine_member_store(e, r->id, sender, m);
	if (rc == 0)
		rc = engine_seen(e, 'r', r->id, sender, c->id, &seen);
	if (rc == 0 && !seen)
		rc = engine_history_add(
		    e, 'r', r->id, false, sender, c, rm->expire_s, expires);
	if (rc == 0 && !seen)
		*shown = true;
out:
	if (m != NULL) {
		sodium_memzero(m, sizeof *m);
		free(m);
	}
	if (next != NULL) {
		senderkey_peer_wipe(next);
		free(next);
	}
	senderkey_room_wipe(&sr);
	return rc;
}

struct engine_count {
	size_t n;
	uint64_t oldest;
};

static int
engine_count_one(void *arg, uint64_t id, uint64_t t, uint64_t x,
    const uint8_t *val, size_t vlen)
{
	struct engine_count *c = arg;

	(void)t;
	(void)x;
	(void)val;
	(void)vlen;
	if (c->n++ == 0)
		c->oldest = id;
	return 0;
}

/*
 * Keeps env until its sender's key arrives (inside the batch). Anyone
 * with the invite can post envelopes no member can open, so at most
 * ENGINE_PENDING_MAX wait per room, the oldest giving way.
 */
static int
engine_room_hold(struct engine *e, const uint8_t room[32], uint64_t seq,
    uint64_t time_s, const uint8_t *env, size_t len)
{
	uint8_t scope[ROOM_KEY_LEN], *val;
	struct engine_count c = {0};
	struct pending_rec p;
	size_t vlen = 0;
	uint64_t id;
	int rc;

	engine_key(e, scope, room, 32, NULL, 0);
	rc = cstore_log_each(e->store, CSTORE_PENDING, scope, sizeof scope, 0,
	    engine_count_one, &c);
	if (rc == 0 && c.n >= ENGINE_PENDING_MAX)
		rc = cstore_log_del(e->store, CSTORE_PENDING, c.oldest);
	if (rc != 0)
		return rc;
	p.seq = seq;
	p.time_s = time_s;
	p.env = env;
	p.env_len = len;
	val = xmalloc(16 + len);
	rc = pending_rec_save(&p, val, 16 + len, &vlen);
	if (rc == 0)
		rc = cstore_log_append(e->store, CSTORE_PENDING, scope,
		    engine_key(e, scope, room, 32, NULL, 0), time_s, 0, val,
		    vlen, &id);
	free(val);
	return rc;
}

/*
 * An announcement: learn the member and send it our sender key (inside
 * the batch). A stale or repeated announcement changes nothing.
 */
static int
engine_room_on_announce(struct engine *e, struct engine_room *r,
    struct room_rec *rm, const struct announce *a)
{
	struct contact_rec c, old;
	struct member_rec *m;
	struct content ct;
	uint8_t dist[SENDERKEY_DIST_LEN];
	struct senderkey_room sr;
	bool known, fresh;
	int rc;

	if (memcmp(a->ik, e->keys->id.pk, 32) == 0)
		return 0; /* ours */
	known = engine_contact_load(e, a->ik, &old) == 0;
	/* The relay may replay an old announcement with a stale bundle. */
	fresh = !known || a->time_s > old.time_s;
	if (fresh) {
		memset(&c, 0, sizeof c);
		if (known) {
			c.flags = old.flags;
			c.expire_s = old.expire_s;
		}
		c.time_s = a->time_s;
		memcpy(c.mbox_pk, a->mbox_pk, 32);
		x3dh_bundle_encode(&a->bundle, c.bundle);
		snprintf(c.relay, sizeof c.relay, "%s", r->relay);
		snprintf(c.name, sizeof c.name, "%s", a->name);
		rc = engine_contact_store(e, a->ik, &c);
		if (rc != 0)
			return rc;
	}
	m = xcalloc(1, sizeof *m);
	rc = engine_member_load(e, r->id, a->ik, m);
	if (rc == ERR_NOTFOUND) {
		memset(m, 0, sizeof *m);
		rc = 0;
	}
	if (rc != 0)
		goto out;
	/*
	 * A newer announcement from a member already here means it joined
	 * again, with a new sender key (which replaces its old one when it
	 * comes, in whatever order): it needs ours again.
	 */
	if (fresh && (m->flags & MEMBER_REC_ANNOUNCED) != 0)
		m->flags &= ~MEMBER_REC_SENT;
	if ((m->flags & MEMBER_REC_SENT) != 0 &&
	    (m->flags & MEMBER_REC_ANNOUNCED) != 0)
		goto out;
	m->flags |= MEMBER_REC_ANNOUNCED;
	if ((m->flags & MEMBER_REC_SENT) == 0) {
		/* Our sender key, from where our chain is now. */
		senderkey_room_derive(&sr, rm->secret);
		senderkey_dist_encode(&rm->own, &sr, &e->keys->id, dist);
		senderkey_room_wipe(&sr);
		memset(&ct, 0, sizeof ct);
		ct.type = CONTENT_SENDERKEY;
		randombytes_buf(ct.id, sizeof ct.id);
		ct.time_s = (uint64_t)time(NULL);
		ct.body = dist;
		ct.len = sizeof dist;
		rc = engine_dm_queue(e, a->ik, &ct, false);
		sodium_memzero(dist, sizeof dist);
		if (rc == 0)
			m->flags |= MEMBER_REC_SENT;
		else if (rc != ERR_STORE && rc != ERR_NOMEM)
			rc = 0; /* a bundle no session starts from: skip it */
	}
	if (rc == 0)
		rc = engine_member_store(e, r->id, a->ik, m);
	if (rc == 0)
		engine_member_event(e, r->name, "joined", a->ik, m->has_sk, 0);
out:
	sodium_memzero(m, sizeof *m);
	free(m);
	return rc;
}

/*
 * Shows a room message: an urgent alert if it is one, fresh (by the
 * relay's time) and within its sender's limit, else as a message.
 */
static void
engine_room_show(struct engine *e, struct engine_room *r,
    const uint8_t sender[32], const struct content *c, uint64_t expires,
    uint64_t relay_time)
{
	uint64_t now = (uint64_t)time(NULL);
	struct engine_urgent *u = NULL;
	struct engine_event ev;
	struct contact_rec ct;
	char who[ENGINE_ID_MAX], msgid[2 * CONTENT_ID_LEN + 1];
	size_t n = 0;

	if (c->type != CONTENT_URGENT) {
		engine_message_event(
		    e, r->name, NULL, sender, c, expires, false, false);
		return;
	}
	if (relay_time + URGENT_KEEP_S <= now)
		return; /* stale news */
	if (e->urgent == NULL)
		e->urgent = xcalloc(ENGINE_URGENT_PEERS, sizeof *e->urgent);
	for (size_t i = 0; i < e->nurgent; i++)
		if (memcmp(e->urgent[i].room, r->id, 32) == 0 &&
		    memcmp(e->urgent[i].sender, sender, 32) == 0)
			u = &e->urgent[i];
	if (u == NULL) {
		if (e->nurgent == ENGINE_URGENT_PEERS)
			e->nurgent = 0; /* forget the oldest senders */
		u = &e->urgent[e->nurgent++];
		memset(u, 0, sizeof *u);
		memcpy(u->room, r->id, 32);
		memcpy(u->sender, sender, 32);
	}
	for (size_t i = 0; i < URGENT_MAX; i++)
		if (u->times[i] != 0 &&
		    u->times[i] + URGENT_WINDOW_S > relay_time &&
		    u->times[i] <= relay_time)
			n++;
	if (n >= URGENT_MAX)
		return; /* over its sender's limit: a flood */
	u->times[u->next++ % URGENT_MAX] = relay_time;
	if (engine_contact_load(e, sender, &ct) == 0)
		engine_display(who, ct.name, sender);
	else
		engine_display(who, NULL, sender);
	engine_hex(msgid, c->id, sizeof c->id);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_URGENT;
	ev.room = r->name;
	ev.from = who;
	ev.text = (const char *)c->body;
	ev.text_len = c->len;
	ev.time_s = relay_time;
	ev.expires_s = relay_time + URGENT_KEEP_S;
	ev.msgid = msgid;
	e->emit(e->arg, &ev);
}

/* One room log entry, in a batch of its own. */
static void
engine_room_entry(struct engine *e, struct engine_room *r, uint64_t seq,
    uint64_t time_s, const uint8_t *env, size_t len)
{
	uint8_t key[ANNOUNCE_KEY_LEN], sender[32];
	uint8_t *out = xmalloc(PAD_BUCKET_MAX);
	struct room_rec *rm = xmalloc(sizeof *rm);
	struct announce a;
	struct content c;
	uint64_t expires = 0;
	bool shown = false;
	int rc;

	if (engine_room_load(e, r->id, rm) != 0 || seq <= rm->last_seq)
		goto out;
	rc = cstore_begin(e->store);
	if (rc != 0)
		goto out;
	announce_key(key, rm->secret);
	if (len == ANNOUNCE_LEN &&
	    announce_open(key, r->id, env, len, &a) == 0) {
		rc = engine_room_on_announce(e, r, rm, &a);
	} else {
		rc = engine_room_open(e, r, rm, env, len, out, PAD_BUCKET_MAX,
		    &c, sender, &expires, &shown);
		if (rc == ERR_NOTFOUND)
			rc = engine_room_hold(e, r->id, seq, time_s, env, len);
	}
	/* Re-read: the announcement's dist may not move our chain, but
	 * keep the record as the handlers left it. */
	if (rc == 0)
		rc = engine_room_update(e, r->id, 0, seq);
	if (engine_commit(e, rc) != 0) {
		/* Not past it: the tick fetches it again. */
		r->stalled = true;
		engine_error(e, "/room", "a room message could not be stored");
	} else if (shown)
		engine_room_show(e, r, sender, &c, expires, time_s);
	engine_outbox_flush(e, NULL);
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(out, PAD_BUCKET_MAX);
	sodium_memzero(rm, sizeof *rm);
	free(out);
	free(rm);
}

void
engine_room_on_msg(struct engine *e, struct link *l, const struct wire_msg *m)
{
	const struct wire_deliver *d = &m->u.deliver;
	struct engine_room *r;

	/* Only the room's own relay speaks for it. */
	if (d->id.len != 32 || (r = engine_room_by_id(e, d->id.p)) == NULL ||
	    strcmp(r->relay, l->address) != 0 || r->sub_pending || r->stalled)
		return;
	/*
	 * While paging through the log, a message published meanwhile can
	 * be pushed before older ones come: leave it to a later page.
	 */
	if (r->catching && d->seq > r->latest) {
		struct room_rec *rm = xmalloc(sizeof *rm);
		bool early = engine_room_load(e, r->id, rm) == 0 &&
		             rm->last_seq < r->latest;

		sodium_memzero(rm, sizeof *rm);
		free(rm);
		if (early)
			return;
	}
	engine_room_entry(
	    e, r, d->seq, d->time_s, d->envelope.p, d->envelope.len);
}

int
engine_room_on_dist(
    struct engine *e, const uint8_t sender[32], const uint8_t *body, size_t len)
{
	struct senderkey_peer *p = xmalloc(sizeof *p);
	struct senderkey_room sr;
	struct member_rec *m = xmalloc(sizeof *m);
	struct room_rec *rm = xmalloc(sizeof *rm);
	uint8_t ik[32];
	int rc = 0;

	/* The room is named inside, after the version byte. */
	if (len != SENDERKEY_DIST_LEN)
		goto out;
	for (size_t i = 0; i < e->nrooms; i++) {
		if (memcmp(e->rooms[i].id, body + 1, 32) != 0)
			continue;
		if (engine_room_load(e, e->rooms[i].id, rm) != 0)
			break;
		senderkey_room_derive(&sr, rm->secret);
		if (senderkey_dist_decode(p, &sr, sender, body, len) != 0 ||
		    p->epoch != rm->epoch) {
			senderkey_room_wipe(&sr);
			break;
		}
		senderkey_room_wipe(&sr);
		rc = engine_member_load(e, e->rooms[i].id, sender, m);
		if (rc == ERR_NOTFOUND) {
			memset(m, 0, sizeof *m);
			rc = 0;
		}
		/*
		 * The same key again is a repeat, which could rewind its
		 * chain: refused. Another key is the member's own after it
		 * joined again (the pairwise session proved who sent it).
		 */
		if (rc != 0 || (m->has_sk && sodium_memcmp(m->sk.sign_pk,
		                                 p->sign_pk, 32) == 0))
			break;
		/* A signing key that another member uses is refused. */
		if (engine_room_signer(e, e->rooms[i].id, p->sign_pk, ik))
			break;
		senderkey_peer_copy(&m->sk, p);
		m->has_sk = true;
		rc = engine_member_store(e, e->rooms[i].id, sender, m);
		if (rc == 0)
			e->replay = true;
		break;
	}
out:
	senderkey_peer_wipe(p);
	sodium_memzero(m, sizeof *m);
	sodium_memzero(rm, sizeof *rm);
	free(p);
	free(m);
	free(rm);
	return rc;
}

struct engine_replay {
	struct engine *e;
	struct engine_room *r;
};

static int
engine_replay_one(void *arg, uint64_t id, uint64_t t, uint64_t x,
    const uint8_t *val, size_t vlen)
{
	struct engine_replay *rp = arg;
	struct engine *e = rp->e;
	uint8_t *out, sender[32];
	struct room_rec *rm;
	struct pending_rec p;
	struct content c;
	uint64_t expires = 0;
	bool shown = false;
	int rc;

	(void)t;
	(void)x;
	if (pending_rec_load(&p, val, vlen) != 0)
		return cstore_log_del(e->store, CSTORE_PENDING, id) == 0 ? 0
		                                                         : 0;
	out = xmalloc(PAD_BUCKET_MAX);
	rm = xmalloc(sizeof *rm);
	rc = engine_room_load(e, rp->r->id, rm);
	if (rc == 0)
		rc = cstore_begin(e->store);
	if (rc != 0)
		goto out;
	rc = engine_room_open(e, rp->r, rm, p.env, p.env_len, out,
	    PAD_BUCKET_MAX, &c, sender, &expires, &shown);
	if (rc == ERR_NOTFOUND) {
		cstore_rollback(e->store);
		goto out; /* still waiting */
	}
	if (rc == 0)
		rc = cstore_log_del(e->store, CSTORE_PENDING, id);
	if (engine_commit(e, rc) == 0 && shown)
		engine_room_show(e, rp->r, sender, &c, expires, p.time_s);
out:
	sodium_memzero(out, PAD_BUCKET_MAX);
	sodium_memzero(rm, sizeof *rm);
	free(out);
	free(rm);
	return 0;
}

void
engine_room_replay(struct engine *e)
{
	uint8_t scope[ROOM_KEY_LEN];
	struct engine_replay rp;

	if (!e->replay)
		return;
	e->replay = false;
	for (size_t i = 0; i < e->nrooms; i++) {
		rp.e = e;
		rp.r = &e->rooms[i];
		cstore_log_each(e->store, CSTORE_PENDING, scope,
		    engine_key(e, scope, e->rooms[i].id, 32, NULL, 0), 0,
		    engine_replay_one, &rp);
	}
}
