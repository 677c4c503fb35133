/* SPDX-License-Identifier: ISC */
/*
 * The relay's operations end to end: a real hearth-relay process on a
 * free loopback port and real client connections (client/upstream.c).
 * Rooms (fan-out, order, catch-up, retention, proofs, rotation), mailboxes
 * (durability across SIGKILL, live delivery, acknowledgement), prekeys,
 * escrows (release, cancel, extend, release after a restart) and every
 * configurable limit. Each test stops its relay with SIGTERM and requires
 * a clean exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/err.h"
#include "common/proof.h"
#include "common/secmem.h"
#include "tests/integration/ops.h"
#include "tests/unit/cm.h"

#define MEMBERS 50
#define PUBLISHERS 5
#define PER_PUBLISHER 20

/* An envelope whose bytes say who sent it and its number. */
static size_t
make_env(uint8_t *env, size_t cap, unsigned who, unsigned n, size_t len)
{
	memset(env, 0xa5, len < cap ? len : cap);
	snprintf((char *)env, cap, "from %u no %u", who, n);
	return len;
}

static void
test_room_fanout_order(void **state)
{
	static struct tc m[MEMBERS];
	struct relay_proc rp;
	struct tc_env e;
	uint8_t env[300];
	struct wire_msg w;
	size_t want = PUBLISHERS * PER_PUBLISHER;

	relay_up(&rp, (const char *const[]){
	                  "--max-connections-per-address", "100", NULL});
	tc_env_init(&e);
	for (int i = 0; i < MEMBERS; i++)
		open_ok(&m[i], &e, &rp);
	make_room(&m[0], room_a, 1, 0);
	for (int i = 0; i < MEMBERS; i++)
		assert_int_equal(sub_with(&m[i], room_a, 1), 0);
	/* Publishers send without waiting, so their messages interleave. */
	for (unsigned n = 0; n < PER_PUBLISHER; n++) {
		for (unsigned p = 0; p < PUBLISHERS; p++) {
			memset(&w, 0, sizeof w);
			w.type = WIRE_MSG_ROOM_PUB;
			w.u.put.id.p = room_a;
			w.u.put.id.len = 32;
			w.u.put.envelope.p = env;
			w.u.put.envelope.len =
			    make_env(env, sizeof env, p, n, 200);
			assert_int_equal(tc_send_only(&m[p], &w), 0);
		}
	}
	for (int i = 0; i < MEMBERS; i++) {
		size_t own = i < PUBLISHERS ? PER_PUBLISHER : 0;
		unsigned next_from[PUBLISHERS] = {0};

		assert_int_equal(tc_wait_inbox(&m[i], want - own, 10000), 0);
		assert_int_equal(m[i].ninbox, want - own);
		for (size_t k = 0; k < m[i].ninbox; k++) {
			unsigned who, no;
			struct tc_delivery *d = &m[i].inbox[k];

			assert_int_equal(d->type, WIRE_MSG_ROOM_MSG);
			assert_memory_equal(d->id, room_a, 32);
			assert_int_equal(d->len, 200);
			if (k > 0)
				assert_true(d->seq > m[i].inbox[k - 1].seq);
			assert_int_equal(
			    sscanf((char *)d->env, "from %u no %u", &who, &no),
			    2);
			assert_true(who < PUBLISHERS);
			/* Each publisher's messages arrive in its order. */
			assert_int_equal(no, next_from[who]);
			next_from[who]++;
		}
	}
	/* Every sequence number from 1 to want was handed out once. */
	for (int i = PUBLISHERS; i < PUBLISHERS + 1; i++)
		for (size_t k = 0; k < want; k++)
			assert_int_equal(m[i].inbox[k].seq, k + 1);
	for (int p = 0; p < PUBLISHERS; p++)
		assert_int_equal(m[p].ok_only, PER_PUBLISHER);
	for (int i = 0; i < MEMBERS; i++)
		tc_close(&m[i]);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_room_catch_up_and_retention(void **state)
{
	struct relay_proc rp;
	struct tc a, b;
	struct tc_env e;
	uint8_t env[64];
	uint64_t after = 0;

	relay_up(&rp, (const char *const[]){"--queue-max", "131072", NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	make_room(&a, room_a, 2, 0);
	make_room(&a, room_b, 3, 5);
	assert_int_equal(sub_with(&a, room_a, 2), 0);
	assert_int_equal(sub_with(&a, room_b, 3), 0);
	for (unsigned n = 0; n < 12; n++) {
		assert_int_equal(tc_room_pub(&a, room_a, env,
		                     make_env(env, sizeof env, 0, n, 40)),
		    0);
		assert_int_equal(a.value, n + 1);
		assert_int_equal(tc_room_pub(&a, room_b, env,
		                     make_env(env, sizeof env, 0, n, 40)),
		    0);
	}
	tc_close(&a);

	/* A member who was away pages through the log, 5 at a time. */
	open_ok(&b, &e, &rp);
	assert_int_equal(sub_with(&b, room_a, 2), 0);
	assert_int_equal(b.value, 12); /* the latest sequence number */
	for (;;) {
		assert_int_equal(tc_room_fetch(&b, room_a, after, 5), 0);
		if (b.value == after)
			break;
		after = b.value;
	}
	assert_int_equal(b.ninbox, 12);
	for (size_t k = 0; k < 12; k++) {
		unsigned who, no;

		assert_int_equal(b.inbox[k].seq, k + 1);
		sscanf((char *)b.inbox[k].env, "from %u no %u", &who, &no);
		assert_int_equal(no, k);
	}
	/*
	 * 40 kB envelopes, a 128 kB queue, three fetches pipelined in one
	 * frame: the first stops past half the queue (2 envelopes); the
	 * others are told to come back (code 14) rather than get the
	 * connection dropped as a slow reader, or an empty page that would
	 * mean "nothing left". Fetching again from there loses nothing.
	 */
	{
		static uint8_t big[40000];
		struct wire_msg f;

		tc_inbox_clear(&b);
		for (int i = 0; i < 3; i++)
			assert_int_equal(
			    tc_room_pub(&b, room_a, big, sizeof big), 0);
		b.ok_only = b.fail_only = 0;
		memset(&f, 0, sizeof f);
		f.type = WIRE_MSG_ROOM_FETCH;
		f.u.fetch.id.p = room_a;
		f.u.fetch.id.len = 32;
		f.u.fetch.after = 12;
		f.u.fetch.limit = 10;
		for (int i = 0; i < 3; i++)
			assert_int_equal(tc_send_only(&b, &f), 0);
		while (b.ok_only + b.fail_only < 3 && !b.closed)
			tc_wait_inbox(&b, b.ninbox + 1, 200);
		assert_false(b.closed);
		assert_int_equal(b.ok_only, 1);
		assert_int_equal(b.fail_only, 2);
		assert_int_equal(b.last_only_value, 14);
		assert_int_equal(b.ninbox, 2);
		assert_int_equal(b.inbox[0].seq, 13);
		assert_int_equal(b.inbox[1].seq, 14);
		assert_int_equal(tc_room_fetch(&b, room_a, 14, 10), 0);
		assert_int_equal(b.value, 15);
		assert_int_equal(b.ninbox, 3);
		assert_int_equal(b.inbox[2].seq, 15);
	}
	/* Room b keeps only its last 5 envelopes. */
	tc_inbox_clear(&b);
	assert_int_equal(sub_with(&b, room_b, 3), 0);
	assert_int_equal(tc_room_fetch(&b, room_b, 0, 100), 0);
	assert_int_equal(b.ninbox, 5);
	assert_int_equal(b.inbox[0].seq, 8);
	assert_int_equal(b.value, 12);
	tc_close(&b);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_room_proofs(void **state)
{
	struct relay_proc rp;
	struct tc a, b;
	struct tc_env e;
	uint8_t pub[32], sec[64], sig[64], env[16] = "x";
	struct wire_msg m;

	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	open_ok(&b, &e, &rp);
	make_room(&a, room_a, 4, 0);
	/* Same id again: taken. */
	tc_keypair(9, pub, sec);
	assert_int_equal(tc_room_create(&b, room_a, pub, 0, 0), PROTO_E_EXISTS);
	/* A wrong key, an unknown room, publishing unsubscribed. */
	assert_int_equal(sub_with(&b, room_a, 5), PROTO_E_DENIED);
	assert_int_equal(sub_with(&b, room_c, 4), PROTO_E_NOT_FOUND);
	assert_int_equal(
	    tc_room_pub(&b, room_a, env, sizeof env), PROTO_E_DENIED);
	assert_int_equal(tc_room_fetch(&b, room_a, 0, 1), PROTO_E_DENIED);
	/*
	 * a's valid proof, replayed by b on its own connection, is refused:
	 * it is bound to a's handshake hash.
	 */
	tc_keypair(4, pub, sec);
	proof_sign(sig, sec, PROOF_ROOM_SUB, a.up.st.hs_hash, room_a, 32);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_SUB;
	m.u.proof.id.p = room_a;
	m.u.proof.id.len = 32;
	m.u.proof.sig.p = sig;
	m.u.proof.sig.len = 64;
	assert_int_equal(tc_call(&b, &m), PROTO_E_DENIED);
	assert_int_equal(tc_call(&a, &m), 0);
	/* A proof for another purpose does not subscribe either. */
	proof_sign(sig, sec, PROOF_MBOX_CLAIM, b.up.st.hs_hash, room_a, 32);
	assert_int_equal(tc_call(&b, &m), PROTO_E_DENIED);
	assert_false(b.closed);
	tc_close(&a);
	tc_close(&b);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_room_rotate(void **state)
{
	struct relay_proc rp;
	struct tc a, b;
	struct tc_env e;
	uint8_t oldpub[32], oldsec[64], newpub[32], newsec[64], body[64],
	    sig[64];
	struct wire_msg m;

	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	open_ok(&b, &e, &rp);
	make_room(&a, room_a, 6, 0);
	assert_int_equal(sub_with(&a, room_a, 6), 0);
	assert_int_equal(sub_with(&b, room_a, 6), 0);
	tc_keypair(6, oldpub, oldsec);
	tc_keypair(7, newpub, newsec);
	memcpy(body, room_a, 32);
	memcpy(body + 32, newpub, 32);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_ROTATE;
	m.u.rotate.room.p = room_a;
	m.u.rotate.room.len = 32;
	m.u.rotate.new_pub.p = newpub;
	m.u.rotate.new_pub.len = 32;
	m.u.rotate.sig.p = sig;
	m.u.rotate.sig.len = 64;
	/* Signed by the new key instead of the current one: refused. */
	proof_sign(sig, newsec, PROOF_ROOM_ROTATE, a.up.st.hs_hash, body, 64);
	assert_int_equal(tc_call(&a, &m), PROTO_E_DENIED);
	proof_sign(sig, oldsec, PROOF_ROOM_ROTATE, a.up.st.hs_hash, body, 64);
	assert_int_equal(tc_call(&a, &m), 0);
	/* b's subscription ends; the old key no longer opens the room. */
	assert_int_equal(tc_room_pub(&a, room_a, "hi", 2), 0);
	assert_int_equal(b.ended, 1);
	assert_int_equal(b.ended_code, PROTO_E_ROTATED);
	assert_int_equal(b.ninbox, 0);
	assert_int_equal(sub_with(&b, room_a, 6), PROTO_E_DENIED);
	assert_int_equal(sub_with(&b, room_a, 7), 0);
	/* The rotation survives a restart. */
	tc_close(&a);
	tc_close(&b);
	assert_int_equal(relay_proc_halt(&rp), 0);
	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&b, &e, &rp);
	assert_int_equal(sub_with(&b, room_a, 6), PROTO_E_DENIED);
	assert_int_equal(sub_with(&b, room_a, 7), 0);
	tc_close(&b);
	tc_env_release(&e);
	relay_down(&rp);
}

/* Fetches mailbox mbox from the start, all pages, into c's inbox. */
static void
fetch_all(struct tc *c, const uint8_t mbox[32])
{
	uint64_t after = 0;

	for (;;) {
		assert_int_equal(tc_mbox_fetch(c, mbox, after, 0), 0);
		if (c->value == after)
			break;
		after = c->value;
	}
}

static void
test_mailbox_durable_and_acked(void **state)
{
	struct relay_proc rp;
	struct tc owner, sender;
	struct tc_env e;
	uint8_t pub[32], sec[64], mbox[32], env[100];
	uint64_t id;

	tc_keypair(10, pub, sec);
	proof_mbox_id(mbox, pub);
	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&sender, &e, &rp);
	assert_int_equal(tc_mbox_put(&sender, mbox, env,
	                     make_env(env, sizeof env, 1, 1, 80)),
	    0);
	tc_close(&sender);
	/* Acknowledged, so it survives SIGKILL. */
	assert_int_equal(relay_proc_kill(&rp), 0);
	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&owner, &e, &rp);
	/* Fetch needs the claim; a claim needs the key. */
	assert_int_equal(tc_mbox_fetch(&owner, mbox, 0, 0), PROTO_E_DENIED);
	{
		uint8_t opub[32], osec[64];

		tc_keypair(11, opub, osec);
		/* Someone else's key signing for this mailbox key: no. */
		uint8_t sig[64];
		struct wire_msg m;

		proof_sign(
		    sig, osec, PROOF_MBOX_CLAIM, owner.up.st.hs_hash, pub, 32);
		memset(&m, 0, sizeof m);
		m.type = WIRE_MSG_MBOX_CLAIM;
		m.u.proof.id.p = pub;
		m.u.proof.id.len = 32;
		m.u.proof.sig.p = sig;
		m.u.proof.sig.len = 64;
		assert_int_equal(tc_call(&owner, &m), PROTO_E_DENIED);
	}
	assert_int_equal(tc_mbox_claim(&owner, pub, sec), 0);
	assert_int_equal(owner.value, 1); /* one envelope waiting */
	fetch_all(&owner, mbox);
	assert_int_equal(owner.ninbox, 1);
	assert_int_equal(owner.inbox[0].type, WIRE_MSG_MBOX_MSG);
	assert_int_equal(owner.inbox[0].len, 80);
	assert_string_equal((char *)owner.inbox[0].env, "from 1 no 1");
	id = owner.inbox[0].seq;

	/* Live delivery: a put while the owner is online is pushed. */
	open_ok(&sender, &e, &rp);
	assert_int_equal(tc_mbox_put(&sender, mbox, env,
	                     make_env(env, sizeof env, 1, 2, 80)),
	    0);
	assert_int_equal(tc_wait_inbox(&owner, 2, 5000), 0);
	assert_string_equal((char *)owner.inbox[1].env, "from 1 no 2");
	assert_true(owner.inbox[1].seq > id);

	/* Acknowledged envelopes never come back, restart or not. */
	assert_int_equal(tc_mbox_ack(&owner, mbox, id), 0);
	assert_int_equal(tc_mbox_ack(&owner, mbox, id), 0);
	assert_int_equal(tc_mbox_ack(&owner, mbox, owner.inbox[1].seq), 0);
	tc_close(&owner);
	tc_close(&sender);
	assert_int_equal(relay_proc_kill(&rp), 0);
	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&owner, &e, &rp);
	assert_int_equal(tc_mbox_claim(&owner, pub, sec), 0);
	assert_int_equal(owner.value, 0);
	fetch_all(&owner, mbox);
	assert_int_equal(owner.ninbox, 0);
	tc_close(&owner);
	tc_env_release(&e);
	relay_down(&rp);
}

#define BURST 1000
#define WINDOW 64

struct burst {
	struct tc *c;
	struct relay_proc *rp;
	uint8_t *mbox;
	unsigned sent;
	bool killed;
};

static bool
burst_acked_half(void *arg)
{
	struct burst *b = arg;

	return b->c->ok_only >= BURST / 2 || b->c->closed;
}

static void
burst_send(struct burst *b, unsigned upto)
{
	uint8_t env[64];
	struct wire_msg w;

	for (; b->sent < upto && b->sent < BURST; b->sent++) {
		memset(&w, 0, sizeof w);
		w.type = WIRE_MSG_MBOX_PUT;
		w.u.put.id.p = b->mbox;
		w.u.put.id.len = 32;
		w.u.put.envelope.p = env;
		w.u.put.envelope.len =
		    make_env(env, sizeof env, 7, b->sent, 48);
		assert_int_equal(tc_send_only(b->c, &w), 0);
	}
}

static void
test_kill_during_burst_loses_no_ack(void **state)
{
	struct relay_proc rp;
	struct tc sender, owner;
	struct tc_env e;
	uint8_t pub[32], sec[64], mbox[32];
	static bool seen[BURST];
	struct burst b;
	unsigned acked;

	tc_keypair(12, pub, sec);
	proof_mbox_id(mbox, pub);
	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&sender, &e, &rp);
	b = (struct burst){&sender, &rp, mbox, 0, false};
	/* Keep a window of puts in flight until half are acknowledged. */
	while (sender.ok_only < BURST / 2 && !sender.closed) {
		burst_send(&b, sender.ok_only + WINDOW);
		tc_run(&e, burst_acked_half, &b, 50);
	}
	burst_send(&b, BURST);
	/* Let some more answers in, then kill in the middle of it all. */
	tc_run(&e, burst_acked_half, &b, 1);
	assert_int_equal(relay_proc_kill(&rp), 0);
	acked = sender.ok_only;
	tc_wait_closed(&sender, 5000);
	/* Answers read after the kill were sent before it: count them. */
	acked = sender.ok_only;
	assert_true(acked >= BURST / 2);
	tc_close(&sender);

	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&owner, &e, &rp);
	assert_int_equal(tc_mbox_claim(&owner, pub, sec), 0);
	fetch_all(&owner, mbox);
	memset(seen, 0, sizeof seen);
	for (size_t k = 0; k < owner.ninbox; k++) {
		unsigned who, no;

		assert_int_equal(sscanf((char *)owner.inbox[k].env,
		                     "from %u no %u", &who, &no),
		    2);
		assert_true(no < BURST);
		assert_false(seen[no]);
		seen[no] = true;
	}
	/*
	 * Puts are answered in order, so the acknowledged ones are the first
	 * `acked`: every one of them is there.
	 */
	for (unsigned i = 0; i < acked; i++)
		assert_true(seen[i]);
	printf("burst: %u of %u acknowledged before SIGKILL, %zu stored\n",
	    acked, BURST, owner.ninbox);
	tc_close(&owner);
	tc_env_release(&e);
	relay_down(&rp);
}

struct room_burst {
	struct tc *sub;
	size_t want;
};

static bool
room_burst_half(void *arg)
{
	struct room_burst *b = arg;

	return b->sub->ninbox >= b->want || b->sub->closed;
}

/*
 * Everything a member was shown before a SIGKILL is in the room's log
 * afterwards, under the same sequence number: the relay delivers only
 * what it has committed.
 */
static void
test_room_kill_delivered_is_durable(void **state)
{
	struct relay_proc rp;
	struct tc pub, sub;
	struct tc_env e;
	struct wire_msg w;
	struct room_burst rb;
	struct tc_delivery *seen;
	size_t nseen;
	uint8_t env[64];
	uint64_t after = 0;

	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&pub, &e, &rp);
	open_ok(&sub, &e, &rp);
	make_room(&pub, room_c, 20, 100000);
	assert_int_equal(sub_with(&pub, room_c, 20), 0);
	assert_int_equal(sub_with(&sub, room_c, 20), 0);
	memset(&w, 0, sizeof w);
	w.type = WIRE_MSG_ROOM_PUB;
	w.u.put.id.p = room_c;
	w.u.put.id.len = 32;
	w.u.put.envelope.p = env;
	/* Publish with a window in flight; kill while it still flows. */
	for (unsigned n = 0; sub.ninbox < BURST && n < 20 * BURST;) {
		while (n < pub.ok_only + WINDOW) {
			w.u.put.envelope.len =
			    make_env(env, sizeof env, 3, n++, 48);
			assert_int_equal(tc_send_only(&pub, &w), 0);
		}
		rb = (struct room_burst){&sub, sub.ninbox + 1};
		assert_true(tc_run(&e, room_burst_half, &rb, 5000));
	}
	assert_int_equal(relay_proc_kill(&rp), 0);
	tc_wait_closed(&sub, 5000);
	/* Keep what the member saw; compare it with the log. */
	seen = sub.inbox;
	nseen = sub.ninbox;
	sub.inbox = NULL;
	sub.ninbox = sub.cap = 0;
	tc_close(&pub);
	tc_close(&sub);
	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&sub, &e, &rp);
	assert_int_equal(sub_with(&sub, room_c, 20), 0);
	for (;;) {
		assert_int_equal(tc_room_fetch(&sub, room_c, after, 0), 0);
		if (sub.value == after)
			break;
		after = sub.value;
	}
	assert_true(sub.ninbox >= nseen);
	for (size_t k = 0; k < nseen; k++) {
		assert_int_equal(sub.inbox[k].seq, seen[k].seq);
		assert_int_equal(sub.inbox[k].len, seen[k].len);
		assert_memory_equal(sub.inbox[k].env, seen[k].env, seen[k].len);
		free(seen[k].env);
	}
	free(seen);
	printf("room burst: %zu shown before SIGKILL, %zu in the log\n", nseen,
	    sub.ninbox);
	tc_close(&sub);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_prekeys_once(void **state)
{
	struct relay_proc rp;
	struct tc owner, f;
	struct tc_env e;
	uint8_t pub[32], sec[64], mbox[32], bundle[300], otks[3 * 32],
	    got[3][32];
	struct wire_msg m;

	tc_keypair(13, pub, sec);
	proof_mbox_id(mbox, pub);
	memset(bundle, 0x42, sizeof bundle);
	for (int i = 0; i < 3; i++)
		memset(otks + 32 * i, 0x10 + i, 32);
	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&owner, &e, &rp);
	open_ok(&f, &e, &rp);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PREKEY_PUB;
	m.u.prekey_pub.mbox.p = mbox;
	m.u.prekey_pub.mbox.len = 32;
	m.u.prekey_pub.bundle.p = bundle;
	m.u.prekey_pub.bundle.len = sizeof bundle;
	m.u.prekey_pub.otks.p = otks;
	m.u.prekey_pub.otks.len = sizeof otks;
	/* Only the mailbox's owner may publish. */
	assert_int_equal(tc_call(&owner, &m), PROTO_E_DENIED);
	assert_int_equal(tc_mbox_claim(&owner, pub, sec), 0);
	assert_int_equal(tc_call(&owner, &m), 0);
	assert_int_equal(owner.value, 3);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PREKEY_GET;
	m.u.id_req.id.p = mbox;
	m.u.id_req.id.len = 32;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tc_call(&f, &m), 0);
		assert_int_equal(f.reply_type, WIRE_MSG_PREKEY);
		assert_int_equal(f.bundle_len, sizeof bundle);
		assert_memory_equal(f.bundle, bundle, sizeof bundle);
		assert_int_equal(f.otk_len, 32);
		memcpy(got[i], f.otk, 32);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(got[i], got[j], 32);
	}
	/* A relay restart does not hand a one-time key out again. */
	tc_close(&owner);
	tc_close(&f);
	assert_int_equal(relay_proc_kill(&rp), 0);
	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&f, &e, &rp);
	assert_int_equal(tc_call(&f, &m), 0);
	assert_int_equal(f.bundle_len, sizeof bundle);
	assert_int_equal(f.otk_len, 0);
	memset(mbox, 0, 32);
	assert_int_equal(tc_call(&f, &m), PROTO_E_NOT_FOUND);
	tc_close(&f);
	tc_env_release(&e);
	relay_down(&rp);
}

static int
escrow_put(struct tc *c, const uint8_t token[32], const uint8_t mbox[32],
    uint64_t release_s, const char *text)
{
	uint8_t hash[32];
	struct wire_msg m;

	proof_escrow_hash(hash, token);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ESCROW_PUT;
	m.u.escrow_put.cancel_hash.p = hash;
	m.u.escrow_put.cancel_hash.len = 32;
	m.u.escrow_put.mbox.p = mbox;
	m.u.escrow_put.mbox.len = 32;
	m.u.escrow_put.release_s = release_s;
	m.u.escrow_put.envelope.p = (const uint8_t *)text;
	m.u.escrow_put.envelope.len = strlen(text) + 1;
	return tc_call(c, &m);
}

static int
escrow_token(struct tc *c, enum wire_type type, const uint8_t token[32],
    uint64_t release_s)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = type;
	m.u.escrow.token.p = token;
	m.u.escrow.token.len = 32;
	m.u.escrow.release_s = release_s;
	return tc_call(c, &m);
}

static void
test_escrow(void **state)
{
	struct relay_proc rp;
	struct tc owner, author;
	struct tc_env e;
	uint8_t pub[32], sec[64], mbox[32], t1[32], t2[32], t3[32];
	uint64_t now = relay_now_s();

	tc_keypair(14, pub, sec);
	proof_mbox_id(mbox, pub);
	memset(t1, 1, 32);
	memset(t2, 2, 32);
	memset(t3, 3, 32);
	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&owner, &e, &rp);
	open_ok(&author, &e, &rp);
	assert_int_equal(tc_mbox_claim(&owner, pub, sec), 0);
	/* Bounds: not in the past, not beyond the relay's maximum. */
	assert_int_equal(
	    escrow_put(&author, t1, mbox, now - 1, "x"), PROTO_E_BAD_VALUE);
	assert_int_equal(escrow_put(&author, t1, mbox, now + 400 * 86400, "x"),
	    PROTO_E_BAD_VALUE);
	/* t1 fires at now+2; t2 is cancelled; t3 is extended past t1. */
	assert_int_equal(escrow_put(&author, t1, mbox, now + 2, "alert 1"), 0);
	assert_int_equal(
	    escrow_put(&author, t1, mbox, now + 2, "again"), PROTO_E_EXISTS);
	assert_int_equal(escrow_put(&author, t2, mbox, now + 2, "alert 2"), 0);
	assert_int_equal(escrow_put(&author, t3, mbox, now + 2, "alert 3"), 0);
	assert_int_equal(
	    escrow_token(&author, WIRE_MSG_ESCROW_CANCEL, t2, 0), 0);
	assert_int_equal(escrow_token(&author, WIRE_MSG_ESCROW_CANCEL, t2, 0),
	    PROTO_E_NOT_FOUND);
	assert_int_equal(
	    escrow_token(&author, WIRE_MSG_ESCROW_EXTEND, t3, now + 5), 0);
	/* Nothing before its time. */
	assert_int_equal(owner.ninbox, 0);
	assert_int_equal(tc_wait_inbox(&owner, 1, 4000), 0);
	assert_string_equal((char *)owner.inbox[0].env, "alert 1");
	assert_true(relay_now_s() >= now + 2);
	/* After release it can no longer be cancelled. */
	assert_int_equal(escrow_token(&author, WIRE_MSG_ESCROW_CANCEL, t1, 0),
	    PROTO_E_NOT_FOUND);
	/* The extended one comes at its new time, the cancelled never. */
	assert_int_equal(tc_wait_inbox(&owner, 2, 5000), 0);
	assert_string_equal((char *)owner.inbox[1].env, "alert 3");
	assert_true(relay_now_s() >= now + 5);
	tc_run(&e, never, NULL, 500);
	assert_int_equal(owner.ninbox, 2);
	tc_close(&owner);
	tc_close(&author);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_escrow_released_after_restart(void **state)
{
	struct relay_proc rp;
	struct tc owner, author;
	struct tc_env e;
	uint8_t pub[32], sec[64], mbox[32], t1[32];
	uint64_t now = relay_now_s();

	tc_keypair(15, pub, sec);
	proof_mbox_id(mbox, pub);
	memset(t1, 7, 32);
	relay_up(&rp, NULL);
	tc_env_init(&e);
	open_ok(&author, &e, &rp);
	assert_int_equal(
	    escrow_put(&author, t1, mbox, now + 2, "did not check in"), 0);
	tc_close(&author);
	/* The relay is down when the escrow falls due. */
	assert_int_equal(relay_proc_halt(&rp), 0);
	tc_run(&e, never, NULL, 3100);
	assert_int_equal(relay_proc_launch(&rp, NULL), 0);
	open_ok(&owner, &e, &rp);
	assert_int_equal(tc_mbox_claim(&owner, pub, sec), 0);
	assert_int_equal(owner.value, 1);
	fetch_all(&owner, mbox);
	assert_int_equal(owner.ninbox, 1);
	assert_string_equal((char *)owner.inbox[0].env, "did not check in");
	tc_close(&owner);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_info(void **state)
{
	struct relay_proc rp;
	struct tc c;
	struct tc_env e;
	struct wire_msg m;

	relay_up(&rp, (const char *const[]){"--page-max", "17", NULL});
	tc_env_init(&e);
	open_ok(&c, &e, &rp);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_INFO_GET;
	assert_int_equal(tc_call(&c, &m), 0);
	assert_int_equal(c.reply_type, WIRE_MSG_INFO);
	assert_int_equal(c.info.page_max, 17);
	assert_true(c.info.mbox_ttl_s > 0);
	tc_close(&c);
	tc_env_release(&e);
	relay_down(&rp);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_room_fanout_order),
	    cmocka_unit_test(test_room_catch_up_and_retention),
	    cmocka_unit_test(test_room_proofs),
	    cmocka_unit_test(test_room_rotate),
	    cmocka_unit_test(test_mailbox_durable_and_acked),
	    cmocka_unit_test(test_kill_during_burst_loses_no_ack),
	    cmocka_unit_test(test_room_kill_delivered_is_durable),
	    cmocka_unit_test(test_prekeys_once),
	    cmocka_unit_test(test_escrow),
	    cmocka_unit_test(test_escrow_released_after_restart),
	    cmocka_unit_test(test_info),
	};
	int rc;

	rc = ops_init(argc, argv, "test-ops");
	if (rc != 0)
		return rc;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	secmem_shutdown();
	return rc;
}
