/* SPDX-License-Identifier: ISC */
/*
 * The engine's store records: round trips of every kind with real keys
 * (sender keys, an X3DH bundle, relay address strings), and loaders that
 * refuse every truncated, over-long, mislabelled or out-of-bounds record.
 * Whatever a loader accepts must save back to the very same bytes.
 *
 * HEARTH_FUZZ_CORPUS_WRITE=DIR makes test_fuzz_corpus write the seed
 * corpus of tests/fuzz/fuzz-records.c into DIR: each valid record,
 * prefixed by the byte that selects its parser there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/content.h"
#include "client/records.h"
#include "common/addr.h"
#include "common/err.h"
#include "common/ident.h"
#include "common/pad.h"
#include "common/senderkey.h"
#include "common/x3dh.h"
#include "tests/unit/cm.h"

/* The fuzz target's selector bytes (tests/fuzz/fuzz-records.c). */
enum kind {
	K_CONTENT,
	K_ROOM,
	K_MEMBER,
	K_CONTACT,
	K_OUTBOX,
	K_HISTORY,
	K_PENDING,
	K_COUNT
};

static const char *const kind_name[K_COUNT] = {
    "content", "room", "member", "contact", "outbox", "history", "pending"};

/* Where the relay's length field sits in each record that has one. */
#define ROOM_RELAY_OFF (1 + 1 + 32 + 4 + 8 + 4 + SENDERKEY_OWN_LEN + 32)
#define CONTACT_RELAY_OFF (1 + 1 + 8 + 4 + 32 + X3DH_BUNDLE_LEN)
#define OUTBOX_RELAY_OFF (1 + 1 + 1 + CONTENT_ID_LEN + 32 + 32)
#define HISTORY_CONTENT_OFF (1 + 1 + 32)
#define PENDING_ENV_OFF 16
/* Big enough for any record, an outbox of the largest envelope included. */
#define REC_BUF (OUTBOX_RELAY_OFF + 2 + ADDR_STR_MAX + PAD_BUCKET_MAX + 64)

static struct ident me, them;
static struct senderkey_room room;
static struct senderkey_own own;
/* Their sender key as we hold it: fresh, and with two skipped keys. */
static struct senderkey_peer peer, peer_skip;
static uint8_t bundle[X3DH_BUNDLE_LEN], bundle_noopk[X3DH_BUNDLE_LEN];
static char relay4[ADDR_STR_MAX], relay6[ADDR_STR_MAX],
    relay_long[ADDR_STR_MAX];
static uint8_t env_max[PAD_BUCKET_MAX + 1];
static uint8_t text_max[CONTENT_TEXT_MAX];
static uint8_t dist[SENDERKEY_DIST_LEN];

/* Every valid record the generic tests run over. */
struct sample {
	enum kind kind;
	const char *name;
	uint8_t *p;
	size_t len;
};

#define SAMPLES_MAX 32
static struct sample samples[SAMPLES_MAX];
static size_t nsamples;

static union {
	struct content content;
	struct room_rec room;
	struct member_rec member;
	struct contact_rec contact;
	struct outbox_rec outbox;
	struct history_rec history;
	struct pending_rec pending;
} loaded;

/* Loads in[0..len) as kind k into `loaded`. */
static int
load_any(enum kind k, const uint8_t *in, size_t len)
{
	switch (k) {
	case K_CONTENT:
		return content_decode(&loaded.content, in, len);
	case K_ROOM:
		return room_rec_load(&loaded.room, in, len);
	case K_MEMBER:
		return member_rec_load(&loaded.member, in, len);
	case K_CONTACT:
		return contact_rec_load(&loaded.contact, in, len);
	case K_OUTBOX:
		return outbox_rec_load(&loaded.outbox, in, len);
	case K_HISTORY:
		return history_rec_load(&loaded.history, in, len);
	case K_PENDING:
		return pending_rec_load(&loaded.pending, in, len);
	case K_COUNT:
		break;
	}
	return ERR_PROTO;
}

/* Saves `loaded` as kind k. */
static int
save_any(enum kind k, uint8_t *out, size_t cap, size_t *n)
{
	switch (k) {
	case K_CONTENT:
		return content_encode(&loaded.content, out, cap, n);
	case K_ROOM:
		return room_rec_save(&loaded.room, out, cap, n);
	case K_MEMBER:
		return member_rec_save(&loaded.member, out, cap, n);
	case K_CONTACT:
		return contact_rec_save(&loaded.contact, out, cap, n);
	case K_OUTBOX:
		return outbox_rec_save(&loaded.outbox, out, cap, n);
	case K_HISTORY:
		return history_rec_save(&loaded.history, out, cap, n);
	case K_PENDING:
		return pending_rec_save(&loaded.pending, out, cap, n);
	case K_COUNT:
		break;
	}
	return ERR_PROTO;
}

/* A relay address string, as the engine writes one. */
static void
relay_make(char out[static ADDR_STR_MAX], const char *host, uint16_t port)
{
	struct addr a;

	memset(&a, 0, sizeof a);
	randombytes_buf(a.key, sizeof a.key);
	snprintf(a.host, sizeof a.host, "%s", host);
	a.port = port;
	assert_int_equal(addr_format(&a, out, ADDR_STR_MAX), 0);
}

static void
room_make(struct room_rec *r, const char *relay, const char *name)
{
	memset(r, 0, sizeof *r);
	r->flags = ROOM_REC_HISTORY | ROOM_REC_CREATED;
	randombytes_buf(r->secret, sizeof r->secret);
	r->epoch = own.epoch;
	r->last_seq = 41;
	r->expire_s = 86400;
	r->own = own;
	memcpy(r->owner, me.pk, 32);
	snprintf(r->relay, sizeof r->relay, "%s", relay);
	snprintf(r->name, sizeof r->name, "%s", name);
}

static void
contact_make(struct contact_rec *c, const uint8_t *b, const char *relay,
    const char *name)
{
	memset(c, 0, sizeof *c);
	c->flags = CONTACT_REC_VERIFIED;
	c->time_s = 1795000000;
	c->expire_s = 0;
	randombytes_buf(c->mbox_pk, sizeof c->mbox_pk);
	memcpy(c->bundle, b, X3DH_BUNDLE_LEN);
	snprintf(c->relay, sizeof c->relay, "%s", relay);
	snprintf(c->name, sizeof c->name, "%s", name);
}

static void
outbox_make(
    struct outbox_rec *o, enum outbox_op op, const uint8_t *env, size_t len)
{
	memset(o, 0, sizeof *o);
	o->op = op;
	o->report = op == OUTBOX_MBOX_PUT;
	randombytes_buf(o->msgid, sizeof o->msgid);
	randombytes_buf(o->target, sizeof o->target);
	memcpy(o->about, them.pk, 32);
	snprintf(o->relay, sizeof o->relay, "%s", relay4);
	o->env = env;
	o->env_len = len;
}

static void
history_make(struct history_rec *h, bool mine, const void *text, size_t len)
{
	memset(h, 0, sizeof *h);
	h->mine = mine;
	memcpy(h->sender, mine ? me.pk : them.pk, 32);
	h->c.type = CONTENT_TEXT;
	randombytes_buf(h->c.id, sizeof h->c.id);
	h->c.time_s = 1795000123;
	h->c.expire_s = 3600;
	h->c.body = text;
	h->c.len = len;
}

static void
pending_make(struct pending_rec *p, const uint8_t *env, size_t len)
{
	memset(p, 0, sizeof *p);
	p->seq = 0x0102030405060708;
	p->time_s = 1795000456;
	p->env = env;
	p->env_len = len;
}

/* Saves `loaded` as a new sample. */
static void
sample_add(enum kind k, const char *name)
{
	static uint8_t buf[REC_BUF];
	struct sample *s = &samples[nsamples++];
	size_t n;

	assert_true(nsamples <= SAMPLES_MAX);
	assert_int_equal(save_any(k, buf, sizeof buf, &n), 0);
	s->kind = k;
	s->name = name;
	s->p = malloc(n);
	assert_non_null(s->p);
	memcpy(s->p, buf, n);
	s->len = n;
}

static void
samples_make(void)
{
	static uint8_t env_small[200];
	static char name_long[UTF8_NAME_MAX + 1];

	randombytes_buf(env_small, sizeof env_small);
	/* Thirty-two two-byte characters: the longest name. */
	for (size_t i = 0; i < UTF8_NAME_MAX; i += 2)
		memcpy(name_long + i, "\xc3\xa9", 2);

	memset(&loaded, 0, sizeof loaded);
	loaded.content.type = CONTENT_TEXT;
	randombytes_buf(loaded.content.id, CONTENT_ID_LEN);
	loaded.content.time_s = 1795000000;
	loaded.content.body = (const uint8_t *)"hello";
	loaded.content.len = 5;
	sample_add(K_CONTENT, "text");
	loaded.content.type = CONTENT_SENDERKEY;
	loaded.content.body = dist;
	loaded.content.len = sizeof dist;
	loaded.content.expire_s = CONTENT_EXPIRE_MAX;
	sample_add(K_CONTENT, "senderkey");

	room_make(&loaded.room, relay4, "kitchen");
	sample_add(K_ROOM, "ipv4");
	room_make(&loaded.room, relay_long, name_long);
	loaded.room.flags = ROOM_REC_FLAGS;
	loaded.room.last_seq = UINT64_MAX;
	loaded.room.expire_s = CONTENT_EXPIRE_MAX;
	sample_add(K_ROOM, "longest");
	room_make(&loaded.room, relay6, "\xe6\x97\xa5\xe6\x9c\xac");
	loaded.room.flags = 0;
	loaded.room.expire_s = 0;
	sample_add(K_ROOM, "ipv6");

	memset(&loaded, 0, sizeof loaded);
	sample_add(K_MEMBER, "nokey");
	loaded.member.flags = MEMBER_REC_FLAGS;
	loaded.member.has_sk = true;
	senderkey_peer_copy(&loaded.member.sk, &peer);
	sample_add(K_MEMBER, "key");
	loaded.member.flags = MEMBER_REC_ANNOUNCED;
	senderkey_peer_copy(&loaded.member.sk, &peer_skip);
	sample_add(K_MEMBER, "skipped");

	contact_make(&loaded.contact, bundle, relay4, "alice");
	sample_add(K_CONTACT, "opk");
	contact_make(&loaded.contact, bundle_noopk, relay_long, name_long);
	loaded.contact.flags = CONTACT_REC_FLAGS;
	loaded.contact.expire_s = CONTENT_EXPIRE_MAX;
	loaded.contact.time_s = UINT64_MAX;
	sample_add(K_CONTACT, "noopk");

	outbox_make(&loaded.outbox, OUTBOX_ROOM_PUB, env_small, 1);
	sample_add(K_OUTBOX, "room-pub");
	outbox_make(
	    &loaded.outbox, OUTBOX_MBOX_PUT, env_small, sizeof env_small);
	sample_add(K_OUTBOX, "mbox-put");
	outbox_make(
	    &loaded.outbox, OUTBOX_ANNOUNCE, env_small, sizeof env_small);
	snprintf(loaded.outbox.relay, sizeof loaded.outbox.relay, "%s", relay6);
	sample_add(K_OUTBOX, "announce");

	history_make(&loaded.history, true, "hi there", 8);
	sample_add(K_HISTORY, "mine");
	history_make(&loaded.history, false, text_max, sizeof text_max);
	sample_add(K_HISTORY, "theirs");

	pending_make(&loaded.pending, env_small, 1);
	sample_add(K_PENDING, "one");
	pending_make(&loaded.pending, env_small, sizeof env_small);
	loaded.pending.seq = 0;
	loaded.pending.time_s = UINT64_MAX;
	sample_add(K_PENDING, "small");
}

static int
setup(void **state)
{
	struct senderkey_own theirs, next;
	struct x3dh_prekey spk, opk;
	struct x3dh_bundle b;
	uint8_t secret[SENDERKEY_SECRET_LEN];
	static uint8_t msg[PAD_BUCKET_MAX], pt[PAD_BUCKET_MAX];
	size_t mlen, ptlen;
	char host[ADDR_HOST_MAX + 1];

	ident_new(&me);
	ident_new(&them);
	senderkey_secret_new(secret);
	senderkey_room_derive(&room, secret);
	senderkey_own_new(&own, 7);

	/* Their distribution, read as the engine reads one... */
	senderkey_own_new(&theirs, 7);
	senderkey_dist_encode(&theirs, &room, &them, dist);
	assert_int_equal(
	    senderkey_dist_decode(&peer, &room, them.pk, dist, sizeof dist), 0);
	/* ...and their third message, read first, which skips two keys. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(
		    senderkey_encrypt(&theirs, &next, &room,
		        (const uint8_t *)"hi", 2, msg, sizeof msg, &mlen),
		    0);
		theirs = next;
	}
	assert_int_equal(senderkey_decrypt(&peer, &peer_skip, &room, msg, mlen,
	                     pt, sizeof pt, &ptlen),
	    0);
	assert_int_equal(peer_skip.nskip, 2);
	senderkey_own_wipe(&theirs);
	senderkey_own_wipe(&next);

	x3dh_prekey_new(&spk, 1);
	x3dh_prekey_new(&opk, 2);
	x3dh_bundle_make(&b, &them, &spk, &opk);
	x3dh_bundle_encode(&b, bundle);
	x3dh_bundle_make(&b, &them, &spk, NULL);
	x3dh_bundle_encode(&b, bundle_noopk);
	x3dh_prekey_wipe(&spk);
	x3dh_prekey_wipe(&opk);

	relay_make(relay4, "127.0.0.1", 7483);
	relay_make(relay6, "2001:db8::7", 443);
	memset(host, 'a', ADDR_HOST_MAX);
	host[ADDR_HOST_MAX] = '\0';
	relay_make(relay_long, host, 65535);
	/* ADDR_STR_MAX leaves room for an IPv6 host's brackets. */
	assert_int_equal(strlen(relay_long), ADDR_STR_MAX - 3);

	randombytes_buf(env_max, sizeof env_max);
	for (size_t i = 0; i < CONTENT_TEXT_MAX; i += 2)
		memcpy(text_max + i, "\xc3\xa9", 2);
	samples_make();
	return 0;
}

static int
teardown(void **state)
{
	for (size_t i = 0; i < nsamples; i++)
		free(samples[i].p);
	return 0;
}

/* The first sample of kind k. */
static const struct sample *
sample_of(enum kind k)
{
	for (size_t i = 0; i < nsamples; i++)
		if (samples[i].kind == k)
			return &samples[i];
	fail();
	return NULL;
}

/*
 * Copies rec with the field at off, of 2 (w = 2) or 1 (w = 1) bytes of
 * length and then that many bytes, replaced by val[0..len). Returns the
 * new length.
 */
static size_t
splice(uint8_t *out, const uint8_t *rec, size_t n, size_t off, size_t w,
    const void *val, size_t len)
{
	size_t old = w == 2 ? (size_t)rec[off] << 8 | rec[off + 1] : rec[off];
	size_t tail = n - off - w - old;

	memcpy(out, rec, off);
	if (w == 2)
		out[off++] = (uint8_t)(len >> 8);
	out[off++] = (uint8_t)len;
	memcpy(out + off, val, len);
	memcpy(out + off + len, rec + n - tail, tail);
	return off + len + tail;
}

/* The offset of the name's length byte: the name ends the record. */
static size_t
name_off(const struct sample *s, size_t relay_off)
{
	size_t rlen = (size_t)s->p[relay_off] << 8 | s->p[relay_off + 1];

	return relay_off + 2 + rlen;
}

static bool
is_length_exact(enum kind k)
{
	return k != K_OUTBOX && k != K_PENDING;
}

/* Where the envelope starts in an outbox or pending record. */
static size_t
env_off(const struct sample *s)
{
	if (s->kind == K_PENDING)
		return PENDING_ENV_OFF;
	return OUTBOX_RELAY_OFF + 2 +
	       ((size_t)s->p[OUTBOX_RELAY_OFF] << 8 |
	           s->p[OUTBOX_RELAY_OFF + 1]);
}

/* Every sample loads, and saves back to the same bytes. */
static void
test_round_trip_canonical(void **state)
{
	static uint8_t buf[REC_BUF];
	size_t n;

	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];

		assert_int_equal(load_any(s->kind, s->p, s->len), 0);
		assert_int_equal(save_any(s->kind, buf, sizeof buf, &n), 0);
		assert_int_equal(n, s->len);
		assert_memory_equal(buf, s->p, n);
	}
}

static void
test_round_trip_room(void **state)
{
	static uint8_t buf[ROOM_REC_MAX];
	struct room_rec r, got;
	size_t n;

	room_make(&r, relay_long, "\xc3\xa9t\xc3\xa9");
	r.flags = ROOM_REC_FLAGS;
	r.last_seq = 0x1122334455667788;
	assert_int_equal(room_rec_save(&r, buf, sizeof buf, &n), 0);
	assert_int_equal(n, ROOM_RELAY_OFF + 2 + strlen(relay_long) + 1 + 5);
	assert_true(n <= ROOM_REC_MAX);
	assert_int_equal(buf[0], RECORDS_VERSION);
	assert_int_equal(buf[1], ROOM_REC_FLAGS);
	assert_int_equal(buf[38], 0x11);
	assert_int_equal(buf[45], 0x88);
	assert_int_equal(room_rec_load(&got, buf, n), 0);
	assert_int_equal(got.flags, r.flags);
	assert_memory_equal(got.secret, r.secret, sizeof r.secret);
	assert_int_equal(got.epoch, r.epoch);
	assert_int_equal(got.last_seq, r.last_seq);
	assert_int_equal(got.expire_s, r.expire_s);
	assert_memory_equal(&got.own, &own, sizeof own);
	assert_memory_equal(got.owner, me.pk, 32);
	assert_string_equal(got.relay, relay_long);
	assert_string_equal(got.name, "\xc3\xa9t\xc3\xa9");
	/* The own key still works: its signing half matches its seed. */
	assert_int_equal(got.own.n, own.n);
}

static void
test_round_trip_member(void **state)
{
	static uint8_t buf[MEMBER_REC_MAX];
	struct member_rec m, got;
	size_t n;

	memset(&m, 0, sizeof m);
	m.flags = MEMBER_REC_SENT;
	assert_int_equal(member_rec_save(&m, buf, sizeof buf, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(buf[0], RECORDS_VERSION);
	assert_int_equal(buf[1], MEMBER_REC_SENT);
	assert_int_equal(member_rec_load(&got, buf, n), 0);
	assert_false(got.has_sk);
	assert_int_equal(got.flags, MEMBER_REC_SENT);

	m.has_sk = true;
	senderkey_peer_copy(&m.sk, &peer_skip);
	assert_int_equal(member_rec_save(&m, buf, sizeof buf, &n), 0);
	assert_int_equal(n, 4 + SENDERKEY_PEER_FIXED + 2 * 36);
	assert_int_equal(member_rec_load(&got, buf, n), 0);
	assert_true(got.has_sk);
	assert_int_equal(got.sk.epoch, peer_skip.epoch);
	assert_int_equal(got.sk.n, 3);
	assert_int_equal(got.sk.nskip, 2);
	assert_int_equal(got.sk.skip[0].n, 0);
	assert_int_equal(got.sk.skip[1].n, 1);
	assert_memory_equal(got.sk.ck, peer_skip.ck, sizeof got.sk.ck);
	assert_memory_equal(
	    got.sk.sign_pk, peer_skip.sign_pk, sizeof got.sk.sign_pk);
	assert_memory_equal(
	    got.sk.skip, peer_skip.skip, 2 * sizeof got.sk.skip[0]);
}

static void
test_round_trip_contact(void **state)
{
	static uint8_t buf[CONTACT_REC_MAX];
	struct contact_rec c, got;
	size_t n;

	for (int k = 0; k < 2; k++) {
		contact_make(&c, k == 0 ? bundle : bundle_noopk,
		    k == 0 ? relay4 : relay6, "bob");
		assert_int_equal(contact_rec_save(&c, buf, sizeof buf, &n), 0);
		assert_int_equal(
		    n, CONTACT_RELAY_OFF + 2 + strlen(c.relay) + 1 + 3);
		assert_int_equal(contact_rec_load(&got, buf, n), 0);
		assert_memory_equal(&got, &c, sizeof c);
	}
}

static void
test_round_trip_outbox(void **state)
{
	static uint8_t buf[REC_BUF];
	struct outbox_rec o, got;
	size_t n;

	for (int op = OUTBOX_ROOM_PUB; op <= OUTBOX_WAIT; op++) {
		outbox_make(&o, (enum outbox_op)op, env_max, PAD_BUCKET_MAX);
		assert_int_equal(outbox_rec_save(&o, buf, sizeof buf, &n), 0);
		assert_int_equal(
		    n, OUTBOX_RELAY_OFF + 2 + strlen(relay4) + PAD_BUCKET_MAX);
		assert_int_equal(outbox_rec_load(&got, buf, n), 0);
		assert_int_equal(got.op, op);
		assert_int_equal(got.report, o.report);
		assert_memory_equal(got.msgid, o.msgid, sizeof o.msgid);
		assert_memory_equal(got.target, o.target, sizeof o.target);
		assert_memory_equal(got.about, o.about, sizeof o.about);
		assert_string_equal(got.relay, relay4);
		assert_int_equal(got.env_len, PAD_BUCKET_MAX);
		/* Borrowed from the record, not copied. */
		assert_ptr_equal(got.env, buf + n - PAD_BUCKET_MAX);
		assert_memory_equal(got.env, env_max, PAD_BUCKET_MAX);
	}
}

static void
test_round_trip_history(void **state)
{
	static uint8_t buf[1 + 1 + 32 + CONTENT_MAX];
	struct history_rec h, got;
	size_t n;

	history_make(&h, false, text_max, sizeof text_max);
	/* The engine's buffer: exactly the largest record. */
	assert_int_equal(history_rec_save(&h, buf, sizeof buf, &n), 0);
	assert_int_equal(n, sizeof buf);
	assert_int_equal(history_rec_load(&got, buf, n), 0);
	assert_false(got.mine);
	assert_memory_equal(got.sender, them.pk, 32);
	assert_int_equal(got.c.type, CONTENT_TEXT);
	assert_memory_equal(got.c.id, h.c.id, CONTENT_ID_LEN);
	assert_int_equal(got.c.time_s, h.c.time_s);
	assert_int_equal(got.c.expire_s, h.c.expire_s);
	assert_int_equal(got.c.len, sizeof text_max);
	assert_ptr_equal(got.c.body, buf + HISTORY_CONTENT_OFF + CONTENT_FIXED);
	assert_int_equal(
	    history_rec_save(&h, buf, sizeof buf - 1, &n), ERR_TOO_BIG);
	assert_int_equal(n, 0);
}

static void
test_round_trip_pending(void **state)
{
	static uint8_t buf[PENDING_ENV_OFF + PAD_BUCKET_MAX];
	static const uint8_t head[] = {
	    1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0x6a, 0xfd, 0x88, 0x88};
	struct pending_rec p, got;
	size_t n;

	pending_make(&p, env_max, PAD_BUCKET_MAX);
	assert_int_equal(pending_rec_save(&p, buf, sizeof buf, &n), 0);
	assert_int_equal(n, sizeof buf);
	assert_memory_equal(buf, head, sizeof head);
	assert_int_equal(pending_rec_load(&got, buf, n), 0);
	assert_int_equal(got.seq, p.seq);
	assert_int_equal(got.time_s, p.time_s);
	assert_int_equal(got.env_len, PAD_BUCKET_MAX);
	assert_ptr_equal(got.env, buf + PENDING_ENV_OFF);
}

/*
 * Every proper prefix of a length-exact record is ERR_TRUNCATED. An
 * outbox or pending record ends in its envelope, so a prefix that cuts
 * the envelope is a valid record with a shorter one (the store's AEAD is
 * what notices); one that cuts the header is refused.
 */
static void
test_every_truncation(void **state)
{
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		size_t head = is_length_exact(s->kind) ? s->len : env_off(s);

		for (size_t len = 0; len < head; len++)
			assert_int_equal(
			    load_any(s->kind, s->p, len), ERR_TRUNCATED);
		if (is_length_exact(s->kind))
			continue;
		assert_int_equal(load_any(s->kind, s->p, head), ERR_PROTO);
		for (size_t len = head + 1; len <= s->len; len++) {
			assert_int_equal(load_any(s->kind, s->p, len), 0);
			assert_int_equal(s->kind == K_PENDING
			                     ? loaded.pending.env_len
			                     : loaded.outbox.env_len,
			    len - head);
		}
	}
	/* Not even a version byte. */
	for (int k = 0; k < K_COUNT; k++)
		assert_int_equal(
		    load_any((enum kind)k, NULL, 0), ERR_TRUNCATED);
}

/* One byte past a length-exact record is ERR_TOO_BIG; past an envelope
 * of PAD_BUCKET_MAX, ERR_PROTO. */
static void
test_trailing_byte(void **state)
{
	static uint8_t buf[REC_BUF + 1];
	struct outbox_rec o;
	struct pending_rec p;
	size_t n;

	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];

		memcpy(buf, s->p, s->len);
		buf[s->len] = 0;
		if (is_length_exact(s->kind))
			assert_int_equal(
			    load_any(s->kind, buf, s->len + 1), ERR_TOO_BIG);
		else
			assert_int_equal(load_any(s->kind, buf, s->len + 1), 0);
	}
	outbox_make(&o, OUTBOX_ROOM_PUB, env_max, PAD_BUCKET_MAX + 1);
	assert_int_equal(outbox_rec_save(&o, buf, sizeof buf, &n), 0);
	assert_int_equal(outbox_rec_load(&o, buf, n), ERR_PROTO);
	assert_int_equal(outbox_rec_load(&o, buf, n - 1), 0);
	pending_make(&p, env_max, PAD_BUCKET_MAX + 1);
	assert_int_equal(pending_rec_save(&p, buf, sizeof buf, &n), 0);
	assert_int_equal(pending_rec_load(&p, buf, n), ERR_PROTO);
	assert_int_equal(pending_rec_load(&p, buf, n - 1), 0);
}

/* Every record but a pending one starts with its version byte. */
static void
test_wrong_version(void **state)
{
	static uint8_t buf[REC_BUF];
	static const uint8_t bad[] = {0, RECORDS_VERSION + 1, 0xff};

	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];

		if (s->kind == K_PENDING)
			continue;
		memcpy(buf, s->p, s->len);
		for (size_t b = 0; b < sizeof bad; b++) {
			buf[0] = bad[b];
			assert_int_equal(
			    load_any(s->kind, buf, s->len), ERR_VERSION);
		}
	}
}

/* Sets byte off of sample s to v and loads the result. */
static int
load_poked(const struct sample *s, size_t off, uint8_t v)
{
	static uint8_t buf[REC_BUF];

	memcpy(buf, s->p, s->len);
	buf[off] = v;
	return load_any(s->kind, buf, s->len);
}

static void
test_unknown_flags(void **state)
{
	struct room_rec r;
	uint8_t buf[ROOM_REC_MAX];
	size_t n;

	for (unsigned bit = 0; bit < 8; bit++) {
		uint8_t v = (uint8_t)(1u << bit);

		assert_int_equal(load_poked(sample_of(K_ROOM), 1, v),
		    (v & ~ROOM_REC_FLAGS) != 0 ? ERR_PROTO : 0);
		assert_int_equal(load_poked(sample_of(K_MEMBER), 1, v),
		    (v & ~MEMBER_REC_FLAGS) != 0 ? ERR_PROTO : 0);
		assert_int_equal(load_poked(sample_of(K_CONTACT), 1, v),
		    (v & ~CONTACT_REC_FLAGS) != 0 ? ERR_PROTO : 0);
	}
	/* The saver drops flags it does not know. */
	room_make(&r, relay4, "x");
	r.flags = 0xff;
	assert_int_equal(room_rec_save(&r, buf, sizeof buf, &n), 0);
	assert_int_equal(buf[1], ROOM_REC_FLAGS);
	assert_int_equal(room_rec_load(&r, buf, n), 0);
	assert_int_equal(r.flags, ROOM_REC_FLAGS);
}

/* The outbox's op and report bytes, and history's mine byte. */
static void
test_unknown_enums(void **state)
{
	const struct sample *o = sample_of(K_OUTBOX);
	const struct sample *h = sample_of(K_HISTORY);

	assert_int_equal(load_poked(o, 1, 0), ERR_PROTO);
	assert_int_equal(load_poked(o, 1, OUTBOX_ESCROW_EXTEND + 1), ERR_PROTO);
	assert_int_equal(load_poked(o, 1, 0xff), ERR_PROTO);
	assert_int_equal(load_poked(o, 1, OUTBOX_ANNOUNCE), 0);
	assert_int_equal(load_poked(o, 2, 2), ERR_PROTO);
	assert_int_equal(load_poked(o, 2, 0xff), ERR_PROTO);
	assert_int_equal(load_poked(o, 2, 1), 0);
	assert_true(loaded.outbox.report);
	assert_int_equal(load_poked(h, 1, 2), ERR_PROTO);
	assert_int_equal(load_poked(h, 1, 0), 0);
	assert_false(loaded.history.mine);
}

/* Writes v big-endian into 4 bytes at p. */
static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
test_expire_bounds(void **state)
{
	static uint8_t buf[REC_BUF];
	const struct sample *r = sample_of(K_ROOM), *c = sample_of(K_CONTACT);

	memcpy(buf, r->p, r->len);
	put32(buf + 46, CONTENT_EXPIRE_MAX);
	assert_int_equal(room_rec_load(&loaded.room, buf, r->len), 0);
	put32(buf + 46, CONTENT_EXPIRE_MAX + 1);
	assert_int_equal(room_rec_load(&loaded.room, buf, r->len), ERR_PROTO);
	put32(buf + 46, UINT32_MAX);
	assert_int_equal(room_rec_load(&loaded.room, buf, r->len), ERR_PROTO);

	memcpy(buf, c->p, c->len);
	put32(buf + 10, CONTENT_EXPIRE_MAX);
	assert_int_equal(contact_rec_load(&loaded.contact, buf, c->len), 0);
	put32(buf + 10, CONTENT_EXPIRE_MAX + 1);
	assert_int_equal(
	    contact_rec_load(&loaded.contact, buf, c->len), ERR_PROTO);
}

/* The room's own sender key must be whole, and of the room's epoch. */
static void
test_room_own_key(void **state)
{
	static uint8_t buf[ROOM_REC_MAX];
	const size_t own_off = 1 + 1 + 32 + 4 + 8 + 4;
	struct room_rec r;
	size_t n;

	room_make(&r, relay4, "kitchen");
	r.epoch = own.epoch + 1;
	assert_int_equal(room_rec_save(&r, buf, sizeof buf, &n), 0);
	assert_int_equal(room_rec_load(&r, buf, n), ERR_PROTO);
	room_make(&r, relay4, "kitchen");
	assert_int_equal(room_rec_save(&r, buf, sizeof buf, &n), 0);
	/* A public half that is not the seed's. */
	buf[own_off + SENDERKEY_OWN_LEN - 1] ^= 1;
	assert_int_equal(room_rec_load(&r, buf, n), ERR_PROTO);
	buf[own_off + SENDERKEY_OWN_LEN - 1] ^= 1;
	/* A counter past the limit. */
	put32(buf + own_off + 5, SENDERKEY_COUNTER_MAX);
	assert_int_equal(room_rec_load(&r, buf, n), ERR_PROTO);
	put32(buf + own_off + 5, 0);
	buf[own_off] = SENDERKEY_VERSION + 1;
	assert_int_equal(room_rec_load(&r, buf, n), ERR_VERSION);
	buf[own_off] = SENDERKEY_VERSION;
	assert_int_equal(room_rec_load(&r, buf, n), 0);
}

/* The member's sender key length and contents. */
static void
test_member_key(void **state)
{
	static uint8_t buf[MEMBER_REC_MAX + 8];
	const struct sample *s = &samples[0];
	size_t n;

	for (size_t i = 0; i < nsamples; i++)
		if (samples[i].kind == K_MEMBER &&
		    strcmp(samples[i].name, "skipped") == 0)
			s = &samples[i];
	assert_int_equal(s->kind, K_MEMBER);
	n = s->len;
	memcpy(buf, s->p, n);
	/* The length field says one more, or one less, than follows. */
	buf[3]++;
	assert_int_equal(
	    member_rec_load(&loaded.member, buf, n), ERR_TRUNCATED);
	buf[3] -= 2;
	assert_int_equal(member_rec_load(&loaded.member, buf, n), ERR_TOO_BIG);
	buf[3]++;
	/* Skipped keys out of order. */
	buf[4 + SENDERKEY_PEER_FIXED + 3] = 1;
	buf[4 + SENDERKEY_PEER_FIXED + 36 + 3] = 0;
	assert_int_equal(member_rec_load(&loaded.member, buf, n), ERR_PROTO);
	assert_false(loaded.member.has_sk);
	memcpy(buf, s->p, n);
	buf[4] = SENDERKEY_VERSION + 1;
	assert_int_equal(member_rec_load(&loaded.member, buf, n), ERR_VERSION);
	/* A key too short to be one. */
	buf[2] = 0;
	buf[3] = 1;
	assert_int_equal(
	    member_rec_load(&loaded.member, buf, 5), ERR_TRUNCATED);
}

static void
test_contact_bundle(void **state)
{
	const struct sample *c = sample_of(K_CONTACT);
	const size_t b = CONTACT_RELAY_OFF - X3DH_BUNDLE_LEN;

	/* A prekey signature that does not verify. */
	assert_int_not_equal(load_poked(c, b + 69, c->p[b + 69] ^ 1), 0);
	assert_int_not_equal(
	    load_poked(c, b + 69 + 63, c->p[b + 132] ^ 0x80), 0);
	assert_int_equal(load_poked(c, b, X3DH_VERSION + 1), ERR_VERSION);
	/* The one-time prekey flag must be 0 or 1. */
	assert_int_not_equal(load_poked(c, b + 1 + 32 + 4 + 32 + 64, 2), 0);
}

/* Loads kind k's first sample with its relay replaced. */
static int
load_relay(enum kind k, const void *relay, size_t len)
{
	static uint8_t buf[REC_BUF + 70000];
	const struct sample *s = sample_of(k);
	size_t off = k == K_ROOM      ? ROOM_RELAY_OFF
	             : k == K_CONTACT ? CONTACT_RELAY_OFF
	                              : OUTBOX_RELAY_OFF;
	size_t n = splice(buf, s->p, s->len, off, 2, relay, len);

	return load_any(k, buf, n);
}

static void
test_invalid_relay(void **state)
{
	static const enum kind kinds[] = {K_ROOM, K_CONTACT, K_OUTBOX};

	static char bad[16][ADDR_STR_MAX + 32];
	static char longer[ADDR_STR_MAX + 32];
	static char huge[UINT16_MAX];
	const char *key = relay4 + sizeof ADDR_SCHEME - 1;
	const size_t klen = ADDR_KEY_B64_LEN;
	size_t nbad = 0, llen;
	char withnul[ADDR_STR_MAX];
	size_t nullen;

	snprintf(bad[nbad++], sizeof bad[0], "%s", "");
	snprintf(bad[nbad++], sizeof bad[0], "%s", ADDR_SCHEME);
	snprintf(bad[nbad++], sizeof bad[0], "http://%.*s@127.0.0.1:7483",
	    (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s@127.0.0.1:7483",
	    ADDR_SCHEME, (int)klen - 1, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s=@127.0.0.1:7483",
	    ADDR_SCHEME, (int)klen - 1, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s127.0.0.1:7483",
	    ADDR_SCHEME, (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s@127.0.0.1:0", ADDR_SCHEME,
	    (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s@127.0.0.1:65536",
	    ADDR_SCHEME, (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s@127.0.0.1 :7483",
	    ADDR_SCHEME, (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s@127.0.0.1:7483/",
	    ADDR_SCHEME, (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s%.*s@[::1:7483", ADDR_SCHEME,
	    (int)klen, key);
	snprintf(bad[nbad++], sizeof bad[0], "%s ", relay4);
	memset(huge, 'a', sizeof huge);

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		/* The valid ones first, so the splice itself is right. */
		assert_int_equal(
		    load_relay(kinds[k], relay4, strlen(relay4)), 0);
		assert_int_equal(
		    load_relay(kinds[k], relay_long, strlen(relay_long)), 0);
		for (size_t i = 0; i < nbad; i++)
			assert_int_equal(
			    load_relay(kinds[k], bad[i], strlen(bad[i])),
			    ERR_PROTO);
		/* A NUL inside would save back shorter. */
		nullen =
		    (size_t)snprintf(withnul, sizeof withnul, "%s", relay4);
		withnul[nullen - 5] = '\0';
		assert_int_equal(
		    load_relay(kinds[k], withnul, nullen), ERR_PROTO);
		/* Longer than the relay field can hold (the longest
		 * address, its port spelled with leading zeros), and the
		 * longest length field. */
		llen = (size_t)snprintf(longer, sizeof longer, "%.*s:00065535",
		    (int)(strlen(relay_long) - 6), relay_long);
		assert_true(llen >= ADDR_STR_MAX);
		assert_int_equal(load_relay(kinds[k], longer, llen), ERR_PROTO);
		assert_int_equal(
		    load_relay(kinds[k], huge, sizeof huge), ERR_PROTO);
	}
}

/* Loads kind k's first sample with its name replaced. */
static int
load_name(enum kind k, const void *name, size_t len)
{
	static uint8_t buf[REC_BUF];
	const struct sample *s = sample_of(k);
	size_t off =
	    name_off(s, k == K_ROOM ? ROOM_RELAY_OFF : CONTACT_RELAY_OFF);
	size_t n = splice(buf, s->p, s->len, off, 1, name, len);

	return load_any(k, buf, n);
}

static void
test_invalid_name(void **state)
{
	static const char *const bad[] = {"", " ", "a b", "a/b", "#room",
	    "me@home", "tab\there", "\x01", "new\nline",
	    "\xe2\x80\xae"
	    "evil",
	    "zero\xe2\x80\x8bwidth",
	    "\xef\xbb\xbf"
	    "bom",
	    "\xc3", "\xc0\xaf", "\xed\xa0\x80",
	    "\xcc\x81"
	    "a"};
	static const char *const good[] = {"x", "kitchen", "caf\xc3\xa9",
	    "\xe6\x97\xa5\xe6\x9c\xac", "a-b_c.d"};

	static const enum kind kinds[] = {K_ROOM, K_CONTACT};

	char name[UTF8_NAME_MAX + 2];

	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
			assert_int_equal(
			    load_name(kinds[k], good[i], strlen(good[i])), 0);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			assert_int_equal(
			    load_name(kinds[k], bad[i], strlen(bad[i])),
			    ERR_PROTO);
		/* A NUL inside. */
		assert_int_equal(load_name(kinds[k], "a\0b", 3), ERR_PROTO);
		memset(name, 'n', sizeof name);
		assert_int_equal(load_name(kinds[k], name, UTF8_NAME_MAX), 0);
		assert_int_equal(
		    load_name(kinds[k], name, UTF8_NAME_MAX + 1), ERR_PROTO);
	}
}

static void
test_envelope_bounds(void **state)
{
	static uint8_t buf[REC_BUF + 1];
	struct outbox_rec o;
	struct pending_rec p;
	size_t n;

	outbox_make(&o, OUTBOX_ROOM_PUB, env_max, 0);
	assert_int_equal(outbox_rec_save(&o, buf, sizeof buf, &n), 0);
	assert_int_equal(outbox_rec_load(&o, buf, n), ERR_PROTO);
	pending_make(&p, env_max, 0);
	assert_int_equal(pending_rec_save(&p, buf, sizeof buf, &n), 0);
	assert_int_equal(n, PENDING_ENV_OFF);
	assert_int_equal(pending_rec_load(&p, buf, n), ERR_PROTO);
	for (size_t len = PAD_BUCKET_MAX; len <= PAD_BUCKET_MAX + 1; len++) {
		int want = len > PAD_BUCKET_MAX ? ERR_PROTO : 0;

		outbox_make(&o, OUTBOX_MBOX_PUT, env_max, len);
		assert_int_equal(outbox_rec_save(&o, buf, sizeof buf, &n), 0);
		assert_int_equal(outbox_rec_load(&o, buf, n), want);
		pending_make(&p, env_max, len);
		assert_int_equal(pending_rec_save(&p, buf, sizeof buf, &n), 0);
		assert_int_equal(pending_rec_load(&p, buf, n), want);
	}
}

/* History keeps texts only, and its content is checked as on the wire. */
static void
test_history_content(void **state)
{
	static uint8_t buf[REC_BUF];
	struct history_rec h;
	size_t n;

	/* The saver does not check the type (so this record can be
	 * made); the loader refuses it. */
	history_make(&h, true, dist, sizeof dist);
	h.c.type = CONTENT_SENDERKEY;
	assert_int_equal(history_rec_save(&h, buf, sizeof buf, &n), 0);
	assert_int_equal(history_rec_load(&h, buf, n), ERR_PROTO);
	history_make(&h, true, "\xff", 1);
	assert_int_equal(history_rec_save(&h, buf, sizeof buf, &n), ERR_UTF8);
	history_make(&h, true, "", 0);
	assert_int_equal(history_rec_save(&h, buf, sizeof buf, &n), ERR_PROTO);
	history_make(&h, true, "ok", 2);
	assert_int_equal(history_rec_save(&h, buf, sizeof buf, &n), 0);
	buf[HISTORY_CONTENT_OFF] = CONTENT_VERSION + 1;
	assert_int_equal(history_rec_load(&h, buf, n), ERR_VERSION);
	buf[HISTORY_CONTENT_OFF] = CONTENT_VERSION;
	buf[n - 1] = 0xff;
	assert_int_equal(history_rec_load(&h, buf, n), ERR_UTF8);
}

/* Every save into a buffer one byte too small is ERR_TOO_BIG. */
static void
test_save_cap(void **state)
{
	static uint8_t buf[REC_BUF];

	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		size_t n = 1;

		assert_int_equal(load_any(s->kind, s->p, s->len), 0);
		assert_int_equal(save_any(s->kind, buf, s->len, &n), 0);
		assert_int_equal(n, s->len);
		for (size_t cap = 0; cap < s->len; cap += 1 + cap / 8) {
			n = 1;
			assert_int_equal(
			    save_any(s->kind, buf, cap, &n), ERR_TOO_BIG);
			assert_int_equal(n, 0);
		}
		assert_int_equal(
		    save_any(s->kind, buf, s->len - 1, &n), ERR_TOO_BIG);
		assert_int_equal(n, 0);
	}
}

/* Any one-bit change either is refused or saves back to itself. */
static void
test_bit_flips_canonical(void **state)
{
	static uint8_t buf[REC_BUF], out[REC_BUF];
	size_t n;

	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		/* Past 600 bytes there is only more of the same. */
		size_t end = s->len < 600 ? s->len : 600;

		memcpy(buf, s->p, s->len);
		for (size_t off = 0; off < end; off++) {
			for (unsigned bit = 0; bit < 8; bit++) {
				buf[off] ^= (uint8_t)(1u << bit);
				if (load_any(s->kind, buf, s->len) == 0) {
					assert_int_equal(save_any(s->kind, out,
					                     sizeof out, &n),
					    0);
					assert_int_equal(n, s->len);
					assert_memory_equal(out, buf, n);
				}
				buf[off] ^= (uint8_t)(1u << bit);
			}
		}
	}
}

static void
test_fuzz_corpus(void **state)
{
	const char *dir = getenv("HEARTH_FUZZ_CORPUS_WRITE");
	char path[4096];
	FILE *f;

	if (dir == NULL)
		return;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		uint8_t sel = (uint8_t)s->kind;

		snprintf(path, sizeof path, "%s/%s-%s", dir, kind_name[s->kind],
		    s->name);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(&sel, 1, 1, f), 1);
		assert_int_equal(fwrite(s->p, 1, s->len, f), s->len);
		assert_int_equal(fclose(f), 0);
	}
}

/* The safety timer's record: round trip, every truncation, bad counts. */
static void
test_timer_rec(void **state)
{
	static uint8_t buf[TIMER_REC_MAX + 1], buf2[TIMER_REC_MAX];
	struct timer_rec t, back;
	size_t n = 0, n2 = 0;

	memset(&t, 0, sizeof t);
	t.deadline_s = 1795464601;
	t.npeers = 2;
	for (size_t i = 0; i < t.npeers; i++) {
		randombytes_buf(t.peers[i].token, 32);
		randombytes_buf(t.peers[i].peer, 32);
		relay_make(t.peers[i].relay, "127.0.0.1", (uint16_t)(7000 + i));
	}
	assert_int_equal(timer_rec_save(&t, buf, sizeof buf, &n), 0);
	assert_int_equal(timer_rec_load(&back, buf, n), 0);
	assert_int_equal(back.deadline_s, t.deadline_s);
	assert_int_equal(back.npeers, 2);
	assert_memory_equal(back.peers[1].token, t.peers[1].token, 32);
	assert_string_equal(back.peers[1].relay, t.peers[1].relay);
	assert_int_equal(timer_rec_save(&back, buf2, sizeof buf2, &n2), 0);
	assert_int_equal(n2, n);
	assert_memory_equal(buf2, buf, n);
	for (size_t len = 0; len < n; len++)
		assert_int_not_equal(timer_rec_load(&back, buf, len), 0);
	buf[n] = 0;
	assert_int_equal(timer_rec_load(&back, buf, n + 1), ERR_TOO_BIG);
	/* No peer, or more than the record holds. */
	buf[9] = 0;
	assert_int_equal(timer_rec_load(&back, buf, n), ERR_PROTO);
	buf[9] = TIMER_REC_MAX_PEERS + 1;
	assert_int_equal(timer_rec_load(&back, buf, n), ERR_PROTO);
	buf[0] = RECORDS_VERSION + 1;
	assert_int_equal(timer_rec_load(&back, buf, n), ERR_VERSION);
	t.npeers = 0;
	assert_int_equal(timer_rec_save(&t, buf, sizeof buf, &n), ERR_PROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_canonical),
	    cmocka_unit_test(test_round_trip_room),
	    cmocka_unit_test(test_round_trip_member),
	    cmocka_unit_test(test_round_trip_contact),
	    cmocka_unit_test(test_round_trip_outbox),
	    cmocka_unit_test(test_round_trip_history),
	    cmocka_unit_test(test_round_trip_pending),
	    cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_trailing_byte),
	    cmocka_unit_test(test_wrong_version),
	    cmocka_unit_test(test_unknown_flags),
	    cmocka_unit_test(test_unknown_enums),
	    cmocka_unit_test(test_expire_bounds),
	    cmocka_unit_test(test_room_own_key),
	    cmocka_unit_test(test_member_key),
	    cmocka_unit_test(test_contact_bundle),
	    cmocka_unit_test(test_invalid_relay),
	    cmocka_unit_test(test_invalid_name),
	    cmocka_unit_test(test_envelope_bounds),
	    cmocka_unit_test(test_history_content),
	    cmocka_unit_test(test_save_cap),
	    cmocka_unit_test(test_bit_flips_canonical),
	    cmocka_unit_test(test_fuzz_corpus),
	    cmocka_unit_test(test_timer_rec),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
