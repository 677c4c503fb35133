/* SPDX-License-Identifier: ISC */
/*
 * Pairwise sessions: the first message with and without a one-time
 * prekey, the pending initial message, simultaneous initiation, replays of
 * initial messages, the sender check, signed prekey rotation, and hostile
 * frames and records. Every state change goes through session_save and
 * session_load, as the engine's store would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/prekeys.h"
#include "client/session.h"
#include "common/err.h"
#include "tests/unit/cm.h"

#define TEXT_MAX 200
#define FRAME_MAX SESSION_FRAME_MAX(TEXT_MAX)

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
	char text[TEXT_MAX + 1];
};

/* A persona talking to one peer: its record and prekeys, and the "next"
 * objects the pure functions write into. */
struct party {
	struct ident id;
	struct session *s, *next;
	struct prekeys *pk, *pk_next;
};

static struct party alice, bob, eve;
static uint8_t saved[SESSION_SAVED_MAX + 1], saved2[SESSION_SAVED_MAX];
static uint8_t psaved[PREKEYS_SAVED_MAX], psaved2[PREKEYS_SAVED_MAX];

static void
party_init(struct party *p, const struct party *peer)
{
	p->s = calloc(1, sizeof *p->s);
	p->next = calloc(1, sizeof *p->next);
	p->pk = calloc(1, sizeof *p->pk);
	p->pk_next = calloc(1, sizeof *p->pk_next);
	assert_non_null(p->s);
	assert_non_null(p->next);
	assert_non_null(p->pk);
	assert_non_null(p->pk_next);
	prekeys_new(p->pk);
	session_empty(p->s, peer->id.pk);
}

static void
party_free(struct party *p)
{
	session_wipe(p->s);
	session_wipe(p->next);
	prekeys_wipe(p->pk);
	prekeys_wipe(p->pk_next);
	free(p->s);
	free(p->next);
	free(p->pk);
	free(p->pk_next);
	memset(p, 0, sizeof *p);
}

static int
setup(void **state)
{
	ident_new(&alice.id);
	ident_new(&bob.id);
	ident_new(&eve.id);
	party_init(&alice, &bob);
	party_init(&bob, &alice);
	party_init(&eve, &bob);
	return 0;
}

static int
teardown(void **state)
{
	party_free(&alice);
	party_free(&bob);
	party_free(&eve);
	return 0;
}

/* Saves a record and loads it back, checking the bytes round-trip. */
static void
persist(const struct session *from, struct session *to)
{
	size_t n, n2;

	assert_int_equal(session_save(from, saved, sizeof saved, &n), 0);
	assert_int_equal(n, session_saved_len(from));
	assert_true(n <= SESSION_SAVED_MAX);
	assert_int_equal(session_load(to, saved, n), 0);
	assert_int_equal(session_save(to, saved2, sizeof saved2, &n2), 0);
	assert_int_equal(n, n2);
	assert_memory_equal(saved, saved2, n);
}

/* Adopts next (and the prekeys) through the saved form. */
static void
adopt(struct party *p)
{
	size_t n, n2;

	persist(p->next, p->s);
	assert_int_equal(
	    prekeys_save(p->pk_next, psaved, sizeof psaved, &n), 0);
	assert_int_equal(prekeys_load(p->pk, psaved, n), 0);
	assert_int_equal(prekeys_save(p->pk, psaved2, sizeof psaved2, &n2), 0);
	assert_memory_equal(psaved, psaved2, n);
}

/* a and b are the same record. */
static void
assert_same(const struct session *a, const struct session *b)
{
	size_t n, n2;

	assert_int_equal(session_save(a, saved, sizeof saved, &n), 0);
	assert_int_equal(session_save(b, saved2, sizeof saved2, &n2), 0);
	assert_int_equal(n, n2);
	assert_memory_equal(saved, saved2, n);
}

static void
assert_same_prekeys(const struct prekeys *a, const struct prekeys *b)
{
	size_t n, n2;

	assert_int_equal(prekeys_save(a, psaved, sizeof psaved, &n), 0);
	assert_int_equal(prekeys_save(b, psaved2, sizeof psaved2, &n2), 0);
	assert_int_equal(n, n2);
	assert_memory_equal(psaved, psaved2, n);
}

/*
 * What the relay hands out for p: the signed prekey's bundle, and with
 * with_otk the oldest one-time prekey as a bare public key, which the
 * initiator names by its derived id.
 */
static void
fetch(const struct party *p, bool with_otk, struct x3dh_bundle *b)
{
	prekeys_bundle(p->pk, &p->id, b);
	if (with_otk) {
		assert_true(p->pk->nopk > 0);
		b->has_opk = true;
		memcpy(b->opk, p->pk->opk[0].pub, X3DH_KEY_LEN);
		b->opk_id = prekeys_opk_id(b->opk);
	}
}

static void
refill(struct party *p, size_t n)
{
	size_t added;

	prekeys_refill(p->pk, p->pk_next, n, NULL, &added);
	prekeys_copy(p->pk, p->pk_next);
}

static void
initiate(struct party *p, const struct x3dh_bundle *b)
{
	assert_int_equal(session_initiate(p->s, p->next, &p->id, b), 0);
	assert_true(p->next->init_pending);
	persist(p->next, p->s);
}

static void
send(struct party *p, const char *text, struct frame *f)
{
	size_t len = strlen(text);

	assert_true(len <= TEXT_MAX);
	memcpy(f->text, text, len + 1);
	assert_int_equal(session_encrypt(p->s, p->next, (const uint8_t *)text,
	                     len, f->b, sizeof f->b, &f->len),
	    0);
	assert_true(f->len <= SESSION_FRAME_MAX(len));
	assert_int_equal(f->len, SESSION_FRAME_HEADER + RATCHET_OVERHEAD + len +
	                             (p->s->init_pending ? X3DH_INIT_LEN : 0));
	persist(p->next, p->s);
}

static void
recv_ok(struct party *p, const struct party *from, const struct frame *f)
{
	uint8_t out[FRAME_MAX];
	size_t len;

	assert_int_equal(
	    session_decrypt(p->s, p->next, p->pk, p->pk_next, &p->id,
	        from->id.pk, f->b, f->len, out, sizeof out, &len),
	    0);
	assert_int_equal(len, strlen(f->text));
	assert_memory_equal(out, f->text, len);
	assert_false(p->next->init_pending);
	adopt(p);
}

/* A refused frame leaves nothing to persist: next and pk_next are
 * copies of the current ones. */
static void
recv_fail(struct party *p, const uint8_t sender[static 32], const uint8_t *in,
    size_t in_len, int want)
{
	uint8_t out[FRAME_MAX];
	size_t len = 99;

	assert_int_equal(session_decrypt(p->s, p->next, p->pk, p->pk_next,
	                     &p->id, sender, in, in_len, out, sizeof out, &len),
	    want);
	assert_int_equal(len, 0);
	assert_same(p->s, p->next);
	assert_same_prekeys(p->pk, p->pk_next);
}

static void
first_message(bool with_otk)
{
	struct x3dh_bundle b;
	struct frame f, r;
	uint8_t otk[X3DH_KEY_LEN];
	uint16_t nopk;

	if (with_otk)
		refill(&bob, 5);
	nopk = bob.pk->nopk;
	fetch(&bob, with_otk, &b);
	memcpy(otk, b.opk, sizeof otk);
	initiate(&alice, &b);
	send(&alice, "hello bob", &f);
	assert_int_equal(f.b[0], SESSION_VERSION);
	assert_int_equal(f.b[1], SESSION_FLAG_INIT);
	recv_ok(&bob, &alice, &f);
	assert_true(bob.s->has_cur);
	assert_false(bob.s->has_prev);
	assert_int_equal(bob.s->nseen, 1);
	assert_memory_equal(bob.s->cur_ek, bob.s->seen[0], X3DH_KEY_LEN);
	/* The one-time prekey is gone for good; the others stay. */
	if (with_otk) {
		assert_int_equal(bob.pk->nopk, nopk - 1);
		assert_int_equal(prekeys_opk_by_pub(bob.pk, otk), -1);
	} else {
		assert_int_equal(bob.pk->nopk, nopk);
	}
	send(&bob, "hello alice", &r);
	assert_int_equal(r.b[1], 0);
	recv_ok(&alice, &bob, &r);
	send(&alice, "no more initial message", &f);
	assert_int_equal(f.b[1], 0);
	recv_ok(&bob, &alice, &f);
}

static void
test_first_message_with_opk(void **state)
{
	first_message(true);
}

static void
test_first_message_without_opk(void **state)
{
	first_message(false);
}

/* The initial message goes with every frame until the peer answers,
 * and later frames carrying it decrypt on the state it started. */
static void
test_reply_clears_init_pending(void **state)
{
	struct x3dh_bundle b;
	struct frame f1, f2, f3, r;

	refill(&bob, 1);
	fetch(&bob, true, &b);
	initiate(&alice, &b);
	send(&alice, "one", &f1);
	send(&alice, "two", &f2);
	send(&alice, "three", &f3);
	assert_int_equal(f1.b[1], SESSION_FLAG_INIT);
	assert_int_equal(f2.b[1], SESSION_FLAG_INIT);
	assert_memory_equal(f1.b + 2, f2.b + 2, X3DH_INIT_LEN);
	assert_true(alice.s->init_pending);
	/* Out of order: the second arrives first and starts the session,
	 * the one-time prekey is used, and the first still opens. */
	recv_ok(&bob, &alice, &f2);
	assert_int_equal(bob.pk->nopk, 0);
	recv_ok(&bob, &alice, &f1);
	recv_ok(&bob, &alice, &f3);
	assert_int_equal(bob.s->nseen, 1);
	assert_false(bob.s->has_prev);
	/* A repeat of one of them is a ratchet replay. */
	recv_fail(&bob, alice.id.pk, f2.b, f2.len, ERR_REPLAY);
	send(&bob, "reply", &r);
	recv_ok(&alice, &bob, &r);
	assert_false(alice.s->init_pending);
	assert_true(sodium_is_zero(alice.s->init, X3DH_INIT_LEN));
	send(&alice, "four", &f1);
	assert_int_equal(f1.b[1], 0);
	recv_ok(&bob, &alice, &f1);
}

/* A small deterministic generator, so a failure reproduces. */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

#define QUEUE_MAX 16

struct queue {
	struct frame f[QUEUE_MAX];
	size_t n;
};

static void
queue_send(struct party *p, struct queue *q, unsigned i)
{
	char text[64];

	assert_true(q->n < QUEUE_MAX);
	snprintf(text, sizeof text, "message %u", i);
	send(p, text, &q->f[q->n++]);
}

/* Delivers the frame at index k (any order: the relay may reorder). */
static void
queue_recv(struct party *p, const struct party *from, struct queue *q, size_t k)
{
	recv_ok(p, from, &q->f[k]);
	memmove(&q->f[k], &q->f[k + 1], (q->n - k - 1) * sizeof q->f[0]);
	q->n--;
}

/*
 * Both read each other's announcement and start a session at the same
 * moment, and both send before anything arrives. Each accepts the
 * other's session and keeps its own, so every message decrypts whatever
 * the interleaving, and a quiet round trip leaves them on one state.
 */
static void
test_simultaneous_initiation(void **state)
{
	static struct queue to_a, to_b;
	struct x3dh_bundle ba, bb;
	uint32_t x = 0x9e3779b9u;
	unsigned i;

	refill(&alice, 3);
	refill(&bob, 3);
	session_empty(alice.s, bob.id.pk);
	session_empty(bob.s, alice.id.pk);
	fetch(&bob, true, &bb);
	fetch(&alice, true, &ba);
	initiate(&alice, &bb);
	initiate(&bob, &ba);
	queue_send(&alice, &to_b, 0);
	queue_send(&bob, &to_a, 1);
	queue_send(&alice, &to_b, 2);
	queue_recv(&alice, &bob, &to_a, 0);
	queue_recv(&bob, &alice, &to_b, 0);
	/* Each now has the other's session as current and its own as
	 * previous; the initial message is no longer pending. */
	assert_true(alice.s->has_cur && alice.s->has_prev);
	assert_true(bob.s->has_cur && bob.s->has_prev);
	assert_false(sodium_is_zero(alice.s->cur_ek, X3DH_KEY_LEN));
	assert_true(sodium_is_zero(alice.s->prev_ek, X3DH_KEY_LEN));
	assert_int_equal(alice.pk->nopk, 2);
	assert_int_equal(bob.pk->nopk, 2);
	/* Alice's second frame still carries her initial message. */
	queue_recv(&bob, &alice, &to_b, 0);
	for (i = 3; i < 400; i++) {
		switch (rnd(&x) % 4) {
		case 0:
			if (to_b.n < QUEUE_MAX)
				queue_send(&alice, &to_b, i);
			break;
		case 1:
			if (to_a.n < QUEUE_MAX)
				queue_send(&bob, &to_a, i);
			break;
		case 2:
			if (to_a.n > 0)
				queue_recv(
				    &alice, &bob, &to_a, rnd(&x) % to_a.n);
			break;
		default:
			if (to_b.n > 0)
				queue_recv(
				    &bob, &alice, &to_b, rnd(&x) % to_b.n);
			break;
		}
	}
	while (to_a.n > 0)
		queue_recv(&alice, &bob, &to_a, 0);
	while (to_b.n > 0)
		queue_recv(&bob, &alice, &to_b, 0);
	/* A quiet round trip: both end on the same state. */
	queue_send(&alice, &to_b, 1000);
	queue_recv(&bob, &alice, &to_b, 0);
	queue_send(&bob, &to_a, 1001);
	queue_recv(&alice, &bob, &to_a, 0);
	assert_memory_equal(alice.s->cur.dhr, bob.s->cur.dhs_pub, 32);
	assert_memory_equal(alice.s->cur.ad, bob.s->cur.ad, RATCHET_AD_LEN);
	/* Neither accepted more than the two initial messages. */
	assert_int_equal(alice.s->nseen, 1);
	assert_int_equal(bob.s->nseen, 1);
}

/*
 * An initial message that arrives late, after the state it started was
 * pushed back to previous: it decrypts on that state (no new X3DH, which
 * the seen list would refuse) and makes it current again.
 */
static void
test_late_initial_on_prev(void **state)
{
	struct x3dh_bundle ba, bb;
	struct frame a0, a1, a2, b0;

	fetch(&bob, false, &bb);
	fetch(&alice, false, &ba);
	initiate(&alice, &bb);
	send(&alice, "a0", &a0);
	send(&alice, "a1", &a1);
	initiate(&bob, &ba);
	send(&bob, "b0", &b0);
	recv_ok(&alice, &bob, &b0);
	send(&alice, "a2", &a2);
	assert_int_equal(a2.b[1], 0);
	recv_ok(&bob, &alice, &a0);
	assert_false(sodium_is_zero(bob.s->cur_ek, X3DH_KEY_LEN));
	recv_ok(&bob, &alice, &a2);
	/* Bob's own state is current again; alice's is previous. */
	assert_true(sodium_is_zero(bob.s->cur_ek, X3DH_KEY_LEN));
	assert_false(sodium_is_zero(bob.s->prev_ek, X3DH_KEY_LEN));
	assert_int_equal(a1.b[1], SESSION_FLAG_INIT);
	recv_ok(&bob, &alice, &a1);
	assert_false(sodium_is_zero(bob.s->cur_ek, X3DH_KEY_LEN));
	assert_int_equal(bob.s->nseen, 1);
	recv_fail(&bob, alice.id.pk, a1.b, a1.len, ERR_REPLAY);
}

/* A replayed initial message whose one-time prekey was used cannot run
 * X3DH again, even for a record that forgot it (lost, or restored). */
static void
test_replay_after_opk_used(void **state)
{
	struct x3dh_bundle b;
	struct frame f;

	refill(&bob, 2);
	fetch(&bob, true, &b);
	initiate(&alice, &b);
	send(&alice, "once", &f);
	recv_ok(&bob, &alice, &f);
	recv_fail(&bob, alice.id.pk, f.b, f.len, ERR_REPLAY);
	session_empty(bob.s, alice.id.pk);
	recv_fail(&bob, alice.id.pk, f.b, f.len, ERR_NOTFOUND);
}

/*
 * Without a one-time prekey, X3DH on a replayed initial message gives the
 * same session again. Once its state is displaced, only the remembered
 * EK_A stops it.
 */
static void
test_replay_spk_only_displaced(void **state)
{
	struct x3dh_bundle b;
	struct frame f, g;
	struct session *copy = calloc(1, sizeof *copy);

	assert_non_null(copy);
	fetch(&bob, false, &b);
	initiate(&alice, &b);
	send(&alice, "once", &f);
	recv_ok(&bob, &alice, &f);
	persist(bob.s, copy);
	/* Two more sessions from alice push the first one out. */
	for (int i = 0; i < 2; i++) {
		initiate(&alice, &b);
		send(&alice, "again", &g);
		recv_ok(&bob, &alice, &g);
	}
	assert_int_equal(bob.s->nseen, 3);
	assert_memory_not_equal(bob.s->cur_ek, copy->cur_ek, X3DH_KEY_LEN);
	assert_memory_not_equal(bob.s->prev_ek, copy->cur_ek, X3DH_KEY_LEN);
	recv_fail(&bob, alice.id.pk, f.b, f.len, ERR_REPLAY);
	/* What the seen list prevents: a record without it would accept
	 * the old message a second time. */
	session_empty(copy, alice.id.pk);
	assert_int_equal(
	    session_decrypt(copy, bob.next, bob.pk, bob.pk_next, &bob.id,
	        alice.id.pk, f.b, f.len, g.b, sizeof g.b, &g.len),
	    0);
	session_wipe(copy);
	free(copy);
}

static void
test_wrong_sender(void **state)
{
	struct x3dh_bundle b;
	struct frame f, r;

	fetch(&bob, false, &b);
	initiate(&alice, &b);
	send(&alice, "from alice", &f);
	/* Sealed by eve, or by anyone but alice: refused before X3DH. */
	recv_fail(&bob, eve.id.pk, f.b, f.len, ERR_PROTO);
	recv_ok(&bob, &alice, &f);
	send(&bob, "reply", &r);
	recv_fail(&alice, eve.id.pk, r.b, r.len, ERR_PROTO);
	/* Eve's initial message (IK = eve) on bob's session with alice,
	 * even if the envelope claimed to be alice's. */
	initiate(&eve, &b);
	send(&eve, "i am alice", &f);
	recv_fail(&bob, alice.id.pk, f.b, f.len, ERR_PROTO);
	/* A bundle for someone else than the session's peer. */
	fetch(&eve, false, &b);
	assert_int_equal(
	    session_initiate(alice.s, alice.next, &alice.id, &b), ERR_PROTO);
	assert_same(alice.s, alice.next);
	/* A bundle with a bad signature. */
	fetch(&bob, false, &b);
	b.spk[0] ^= 1;
	assert_int_equal(
	    session_initiate(alice.s, alice.next, &alice.id, &b), ERR_CRYPTO);
	assert_same(alice.s, alice.next);
}

static void
test_rotated_spk(void **state)
{
	struct x3dh_bundle b;
	struct frame f, g;

	/* Alice fetched the bundle before bob rotated. */
	fetch(&bob, false, &b);
	assert_int_equal(b.spk_id, 1);
	initiate(&alice, &b);
	send(&alice, "late", &f);
	prekeys_rotate(bob.pk, bob.pk_next);
	prekeys_copy(bob.pk, bob.pk_next);
	recv_ok(&bob, &alice, &f);
	/* Two rotations later the key is gone. */
	initiate(&alice, &b);
	send(&alice, "too late", &f);
	prekeys_rotate(bob.pk, bob.pk_next);
	prekeys_copy(bob.pk, bob.pk_next);
	assert_null(prekeys_spk(bob.pk, 1));
	recv_fail(&bob, alice.id.pk, f.b, f.len, ERR_NOTFOUND);
	/* A one-time prekey id that bob never had. */
	refill(&bob, 1);
	fetch(&bob, true, &b);
	b.opk_id ^= 1;
	initiate(&alice, &b);
	send(&alice, "unknown opk", &g);
	recv_fail(&bob, alice.id.pk, g.b, g.len, ERR_NOTFOUND);
	/* An unknown signed prekey id (the frame is not otherwise
	 * checked before the lookup). */
	g.b[2 + 65 + 3] ^= 0x40;
	recv_fail(&bob, alice.id.pk, g.b, g.len, ERR_NOTFOUND);
}

static void
test_encrypt_errors(void **state)
{
	struct x3dh_bundle b;
	struct frame f;

	/* No state yet. */
	assert_int_equal(session_encrypt(alice.s, alice.next,
	                     (const uint8_t *)"x", 1, f.b, sizeof f.b, &f.len),
	    ERR_PROTO);
	assert_int_equal(f.len, 0);
	fetch(&bob, false, &b);
	initiate(&alice, &b);
	/* Too small, by one byte, and smaller than the header. */
	assert_int_equal(
	    session_encrypt(alice.s, alice.next, (const uint8_t *)"x", 1, f.b,
	        SESSION_FRAME_MAX(1) - 1, &f.len),
	    ERR_TOO_BIG);
	assert_same(alice.s, alice.next);
	assert_int_equal(session_encrypt(alice.s, alice.next,
	                     (const uint8_t *)"x", 1, f.b, 1, &f.len),
	    ERR_TOO_BIG);
	assert_same(alice.s, alice.next);
	assert_int_equal(
	    session_encrypt(alice.s, alice.next, (const uint8_t *)"x", 1, f.b,
	        SESSION_FRAME_MAX(1), &f.len),
	    0);
}

static void
test_hostile_frames(void **state)
{
	struct x3dh_bundle b;
	struct frame f;
	uint8_t buf[FRAME_MAX];
	static const uint8_t empty[1];
	uint8_t out[FRAME_MAX];
	size_t len, in_len;

	/* A frame without an initial message to a record with no state. */
	buf[0] = SESSION_VERSION;
	buf[1] = 0;
	memset(buf + 2, 0, RATCHET_OVERHEAD);
	recv_fail(&bob, alice.id.pk, buf, 2 + RATCHET_OVERHEAD, ERR_PROTO);
	recv_fail(&bob, alice.id.pk, empty, 0, ERR_TRUNCATED);
	recv_fail(&bob, alice.id.pk, buf, 1, ERR_TRUNCATED);
	refill(&bob, 1);
	fetch(&bob, true, &b);
	initiate(&alice, &b);
	send(&alice, "a message to break", &f);
	memcpy(buf, f.b, f.len);
	buf[0] = SESSION_VERSION + 1;
	recv_fail(&bob, alice.id.pk, buf, f.len, ERR_VERSION);
	buf[0] = SESSION_VERSION;
	buf[1] = 3;
	recv_fail(&bob, alice.id.pk, buf, f.len, ERR_PROTO);
	buf[1] = SESSION_FLAG_INIT;
	buf[2] = X3DH_VERSION + 1;
	recv_fail(&bob, alice.id.pk, buf, f.len, ERR_VERSION);
	buf[2] = X3DH_VERSION;
	buf[2 + 69] = 2; /* has_opk */
	recv_fail(&bob, alice.id.pk, buf, f.len, ERR_PROTO);
	/* Every truncation fails cleanly. */
	for (size_t i = 0; i < f.len; i++) {
		assert_int_not_equal(
		    session_decrypt(bob.s, bob.next, bob.pk, bob.pk_next,
		        &bob.id, alice.id.pk, f.b, i, out, sizeof out, &len),
		    0);
		assert_int_equal(len, 0);
	}
	/* Every flipped byte fails, and changes nothing. */
	for (size_t i = 0; i < f.len; i++) {
		memcpy(buf, f.b, f.len);
		buf[i] ^= 0x20;
		assert_int_not_equal(session_decrypt(bob.s, bob.next, bob.pk,
		                         bob.pk_next, &bob.id, alice.id.pk, buf,
		                         f.len, out, sizeof out, &len),
		    0);
	}
	assert_same(bob.s, bob.next);
	assert_same_prekeys(bob.pk, bob.pk_next);
	/* Random garbage, with and without the initial-message flag. */
	for (size_t i = 0; i < 300; i++) {
		in_len = 2 + i % (sizeof buf - 2);
		randombytes_buf(buf, in_len);
		buf[0] = SESSION_VERSION;
		buf[1] = i & 1;
		assert_int_not_equal(session_decrypt(bob.s, bob.next, bob.pk,
		                         bob.pk_next, &bob.id, alice.id.pk, buf,
		                         in_len, out, sizeof out, &len),
		    0);
	}
	/* An output buffer that is too small. */
	assert_int_equal(session_decrypt(bob.s, bob.next, bob.pk, bob.pk_next,
	                     &bob.id, alice.id.pk, f.b, f.len, out, 3, &len),
	    ERR_TOO_BIG);
	assert_same(bob.s, bob.next);
	/* And the real frame still opens after all that. */
	recv_ok(&bob, &alice, &f);
}

static void
load_fails(const uint8_t *in, size_t len, int want)
{
	struct session *s = alice.next;

	memset(s, 0xAA, sizeof *s);
	assert_int_equal(session_load(s, in, len), want);
	assert_true(sodium_is_zero((const uint8_t *)s, sizeof *s));
}

/* Byte offsets in the saved record. */
#define OFF_FLAGS (1 + IDENT_PK_LEN)
#define OFF_CUR_EK (OFF_FLAGS + 1)
#define OFF_PREV_EK (OFF_CUR_EK + X3DH_KEY_LEN)
#define OFF_INIT (OFF_PREV_EK + X3DH_KEY_LEN)
#define OFF_NSEEN (OFF_INIT + X3DH_INIT_LEN)

static void
test_hostile_records(void **state)
{
	static uint8_t rec[SESSION_SAVED_MAX + 1];
	struct x3dh_bundle b;
	struct frame f;
	size_t n, m;

	/* An empty record is exact. */
	assert_int_equal(session_save(alice.s, rec, sizeof rec, &n), 0);
	assert_int_equal(n, SESSION_SAVED_FIXED);
	assert_int_equal(session_load(alice.next, rec, n), 0);
	/* One with both states, a pending message and a seen key: bob
	 * accepts alice's session, then starts his own. */
	fetch(&bob, false, &b);
	initiate(&alice, &b);
	send(&alice, "hi", &f);
	recv_ok(&bob, &alice, &f);
	fetch(&alice, false, &b);
	initiate(&bob, &b);
	assert_true(bob.s->has_prev && bob.s->init_pending);
	assert_int_equal(session_save(bob.s, rec, sizeof rec, &n), 0);
	assert_int_equal(session_save(bob.s, saved2, n - 1, &m), ERR_TOO_BIG);
	assert_int_equal(m, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(session_load(alice.next, rec, i), 0);
	rec[n] = 0;
	load_fails(rec, n + 1, ERR_TOO_BIG);
	rec[0]++;
	load_fails(rec, n, ERR_VERSION);
	rec[0]--;
	/* Flags: an unknown bit; pending off with init bytes left. */
	rec[OFF_FLAGS] |= 8;
	load_fails(rec, n, ERR_PROTO);
	rec[OFF_FLAGS] &= 7;
	rec[OFF_FLAGS] &= ~4;
	load_fails(rec, n, ERR_PROTO);
	rec[OFF_FLAGS] |= 4;
	/* The previous state's EK_A must be one that was accepted. */
	rec[OFF_PREV_EK] ^= 1;
	load_fails(rec, n, ERR_PROTO);
	rec[OFF_PREV_EK] ^= 1;
	/* A pending initiated state cannot also be a responder state. */
	memcpy(saved2, rec + OFF_PREV_EK, X3DH_KEY_LEN);
	memcpy(rec + OFF_CUR_EK, saved2, X3DH_KEY_LEN);
	load_fails(rec, n, ERR_PROTO);
	memset(rec + OFF_CUR_EK, 0, X3DH_KEY_LEN);
	/* A seen count over the bound, and one that lies. */
	rec[OFF_NSEEN] = 0;
	rec[OFF_NSEEN + 1] = SESSION_SEEN_MAX + 1;
	load_fails(rec, n, ERR_PROTO);
	rec[OFF_NSEEN + 1] = 2;
	assert_int_not_equal(session_load(alice.next, rec, n), 0);
	rec[OFF_NSEEN + 1] = 1;
	/* A state length past the end. */
	rec[SESSION_SAVED_FIXED + X3DH_KEY_LEN] = 0xff;
	load_fails(rec, n, ERR_TRUNCATED);
	rec[SESSION_SAVED_FIXED + X3DH_KEY_LEN] = 0;
	assert_int_equal(session_load(alice.next, rec, n), 0);
	assert_same(alice.next, bob.s);
	/* Any flipped byte either is refused or loads and saves back to
	 * itself (key bytes cannot be checked), never a crash. */
	for (size_t i = 0; i < n; i += 7) {
		rec[i] ^= 0x10;
		if (session_load(alice.next, rec, n) == 0) {
			assert_int_equal(
			    session_save(alice.next, saved2, sizeof saved2, &m),
			    0);
			assert_int_equal(m, n);
			assert_memory_equal(saved2, rec, n);
			assert_true(i > OFF_FLAGS);
		}
		rec[i] ^= 0x10;
	}
	/* Random bytes. */
	for (size_t len = 0; len < 2000; len += 13) {
		randombytes_buf(saved2, len);
		if (len > 0)
			saved2[0] = SESSION_VERSION;
		assert_int_not_equal(session_load(alice.next, saved2, len), 0);
	}
	load_fails(rec, SESSION_SAVED_MAX + 1, ERR_TOO_BIG);
}

/* The seen list is bounded: the oldest key is dropped. */
static void
test_seen_bounded(void **state)
{
	struct x3dh_bundle b;
	struct frame f;
	uint8_t first[X3DH_KEY_LEN], second[X3DH_KEY_LEN];

	fetch(&bob, false, &b);
	for (int i = 0; i < SESSION_SEEN_MAX + 2; i++) {
		initiate(&alice, &b);
		send(&alice, "x", &f);
		recv_ok(&bob, &alice, &f);
		if (i == 0)
			memcpy(first, bob.s->seen[0], sizeof first);
		if (i == 1)
			memcpy(second, bob.s->seen[1], sizeof second);
	}
	assert_int_equal(bob.s->nseen, SESSION_SEEN_MAX);
	assert_memory_not_equal(bob.s->seen[0], first, X3DH_KEY_LEN);
	assert_memory_not_equal(bob.s->seen[0], second, X3DH_KEY_LEN);
	assert_memory_equal(
	    bob.s->seen[SESSION_SEEN_MAX - 1], bob.s->cur_ek, X3DH_KEY_LEN);
}

static int
reset(void **state)
{
	teardown(state);
	return setup(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_first_message_with_opk, reset),
	    cmocka_unit_test_setup(test_first_message_without_opk, reset),
	    cmocka_unit_test_setup(test_reply_clears_init_pending, reset),
	    cmocka_unit_test_setup(test_simultaneous_initiation, reset),
	    cmocka_unit_test_setup(test_late_initial_on_prev, reset),
	    cmocka_unit_test_setup(test_replay_after_opk_used, reset),
	    cmocka_unit_test_setup(test_replay_spk_only_displaced, reset),
	    cmocka_unit_test_setup(test_wrong_sender, reset),
	    cmocka_unit_test_setup(test_rotated_spk, reset),
	    cmocka_unit_test_setup(test_encrypt_errors, reset),
	    cmocka_unit_test_setup(test_hostile_frames, reset),
	    cmocka_unit_test_setup(test_hostile_records, reset),
	    cmocka_unit_test_setup(test_seen_bounded, reset),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
