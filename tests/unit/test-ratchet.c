/* SPDX-License-Identifier: ISC */
/*
 * The Double Ratchet, started from a real X3DH agreement. Each property
 * in docs/crypto.md has a case here that fails if the property breaks.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/ratchet.h"
#include "common/x3dh.h"
#include "tests/unit/cm.h"

#define MSG_MAX 256

struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
};

/* States are big (fixed-size skipped-key store), so they live here. */
static struct ratchet alice, bob, tmp, eve;
static uint8_t saved[RATCHET_STATE_MAX], saved2[RATCHET_STATE_MAX];

static void
session(void)
{
	struct ident ia, ib;
	struct x3dh_prekey spk;
	struct x3dh_bundle b;
	struct x3dh_init m;
	uint8_t sk_a[32], sk_b[32], ad_a[64], ad_b[64];

	ident_new(&ia);
	ident_new(&ib);
	x3dh_prekey_new(&spk, 1);
	x3dh_bundle_make(&b, &ib, &spk, NULL);
	assert_int_equal(x3dh_initiate(&ia, &b, &m, sk_a, ad_a), 0);
	assert_int_equal(x3dh_respond(&ib, &spk, NULL, &m, sk_b, ad_b), 0);
	assert_int_equal(
	    ratchet_init_initiator(&alice, sk_a, ad_a, spk.pub), 0);
	ratchet_init_responder(&bob, sk_b, ad_b, spk.priv, spk.pub);
	x3dh_prekey_wipe(&spk);
	ident_wipe(&ia);
	ident_wipe(&ib);
}

/* Encrypts text as st and adopts the new state, as the engine would. */
static void
send(struct ratchet *st, const char *text, struct msg *m)
{
	assert_int_equal(ratchet_encrypt(st, &tmp, (const uint8_t *)text,
	                     strlen(text), m->b, sizeof m->b, &m->len),
	    0);
	assert_int_equal(m->len, strlen(text) + RATCHET_OVERHEAD);
	ratchet_copy(st, &tmp);
}

/* Decrypts m as st, checks the text and adopts the new state. */
static void
recv_ok(struct ratchet *st, const struct msg *m, const char *text)
{
	uint8_t pt[MSG_MAX];
	size_t len;

	assert_int_equal(
	    ratchet_decrypt(st, &tmp, m->b, m->len, pt, sizeof pt, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(pt, text, len);
	ratchet_copy(st, &tmp);
}

/* Decrypting m as st fails with rc; st stays as it was. */
static void
recv_fail(struct ratchet *st, const struct msg *m, int rc)
{
	uint8_t pt[MSG_MAX];
	size_t len, before, after;

	before = ratchet_saved_len(st);
	assert_int_equal(ratchet_save(st, saved, sizeof saved, &before), 0);
	assert_int_equal(
	    ratchet_decrypt(st, &tmp, m->b, m->len, pt, sizeof pt, &len), rc);
	assert_int_equal(len, 0);
	assert_true(sodium_is_zero((const uint8_t *)&tmp, sizeof tmp));
	assert_int_equal(ratchet_save(st, saved2, sizeof saved2, &after), 0);
	assert_int_equal(before, after);
	assert_memory_equal(saved, saved2, before);
}

/*
 * Before the responder's first reply the initiator already knows the
 * responder's ratchet key (the signed prekey) but has no receiving chain.
 * A message built only from public data (the bundle, both identity keys)
 * on that key, encrypted with the key of an all-zero chain, must be
 * refused; the real reply must still work afterwards.
 */
static void
test_initiator_refuses_forgery_before_reply(void **state)
{
	static const uint8_t zero_ck[32], zero_nonce[24], one = 1;
	struct ident ia, ib;
	struct x3dh_prekey spk;
	struct x3dh_bundle b;
	struct x3dh_init m;
	uint8_t sk_a[32], sk_b[32], ad_a[64], ad_b[64], mk[32];
	uint8_t aad[64 + RATCHET_HEADER_LEN];
	const char *fake = "meet me at the old bridge, 9pm -- bob";
	unsigned long long clen;
	struct msg forged, hi, reply;

	ident_new(&ia);
	ident_new(&ib);
	x3dh_prekey_new(&spk, 1);
	x3dh_bundle_make(&b, &ib, &spk, NULL);
	assert_int_equal(x3dh_initiate(&ia, &b, &m, sk_a, ad_a), 0);
	assert_int_equal(x3dh_respond(&ib, &spk, NULL, &m, sk_b, ad_b), 0);
	assert_int_equal(
	    ratchet_init_initiator(&alice, sk_a, ad_a, spk.pub), 0);
	ratchet_init_responder(&bob, sk_b, ad_b, spk.priv, spk.pub);

	/* header: version | ratchet key = SPK_B | pn = 0 | n = 0 */
	memset(forged.b, 0, sizeof forged.b);
	forged.b[0] = RATCHET_VERSION;
	memcpy(forged.b + 1, b.spk, 32);
	memcpy(aad, ad_a, 64);
	memcpy(aad + 64, forged.b, RATCHET_HEADER_LEN);
	crypto_auth_hmacsha256(mk, &one, 1, zero_ck);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    forged.b + RATCHET_HEADER_LEN, &clen, (const uint8_t *)fake,
	    strlen(fake), aad, sizeof aad, NULL, zero_nonce, mk);
	forged.len = RATCHET_HEADER_LEN + (size_t)clen;
	recv_fail(&alice, &forged, ERR_CRYPTO);

	send(&alice, "hi", &hi);
	recv_ok(&bob, &hi, "hi");
	send(&bob, "hello", &reply);
	recv_ok(&alice, &reply, "hello");
	/* And once a real chain exists the forgery still fails. */
	recv_fail(&alice, &forged, ERR_CRYPTO);
	x3dh_prekey_wipe(&spk);
	ident_wipe(&ia);
	ident_wipe(&ib);
}

static void
test_round_trip_both_ways(void **state)
{
	struct msg m;
	char text[32];

	session();
	for (int i = 0; i < 6; i++) {
		snprintf(text, sizeof text, "alice %d", i);
		send(&alice, text, &m);
		recv_ok(&bob, &m, text);
		snprintf(text, sizeof text, "bob %d", i);
		send(&bob, text, &m);
		recv_ok(&alice, &m, text);
		/* Several in a row from one side share a chain. */
		send(&bob, "again", &m);
		recv_ok(&alice, &m, "again");
	}
	/* An empty message is fine too. */
	send(&alice, "", &m);
	recv_ok(&bob, &m, "");
}

static void
test_responder_cannot_send_first(void **state)
{
	struct msg m;

	session();
	assert_int_equal(ratchet_encrypt(&bob, &tmp, (const uint8_t *)"x", 1,
	                     m.b, sizeof m.b, &m.len),
	    ERR_PROTO);
	assert_int_equal(m.len, 0);
}

static void
test_out_of_order(void **state)
{
	static const int order[] = {3, 0, 4, 1, 2};
	struct msg m[5], r[3];
	char text[16];

	session();
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "m%d", i);
		send(&alice, text, &m[i]);
	}
	for (int k = 0; k < 5; k++) {
		snprintf(text, sizeof text, "m%d", order[k]);
		recv_ok(&bob, &m[order[k]], text);
	}
	assert_int_equal(bob.nskip, 0);
	/* Across a DH step: Bob's replies arrive after Alice's next chain
	 * has started, and the first one arrives last. */
	send(&bob, "r0", &r[0]);
	send(&bob, "r1", &r[1]);
	recv_ok(&alice, &r[1], "r1");
	send(&alice, "a", &m[0]);
	recv_ok(&bob, &m[0], "a");
	send(&bob, "r2", &r[2]);
	recv_ok(&alice, &r[2], "r2");
	recv_ok(&alice, &r[0], "r0");
	assert_int_equal(alice.nskip, 0);
}

static void
test_lost_messages(void **state)
{
	struct msg m;

	session();
	for (int i = 0; i < 10; i++)
		send(&alice, "lost", &m);
	send(&alice, "arrives", &m);
	recv_ok(&bob, &m, "arrives");
	assert_int_equal(bob.nskip, 10);
	/* The previous chain's tail is lost too, across a DH step. */
	send(&bob, "reply", &m);
	recv_ok(&alice, &m, "reply");
	send(&bob, "lost", &m);
	send(&alice, "next", &m);
	recv_ok(&bob, &m, "next");
	send(&bob, "tail", &m);
	recv_ok(&alice, &m, "tail");
	assert_int_equal(alice.nskip, 1);
}

static void
test_replay_rejected(void **state)
{
	struct msg m0, m1, m2;

	session();
	send(&alice, "zero", &m0);
	send(&alice, "one", &m1);
	send(&alice, "two", &m2);
	recv_ok(&bob, &m0, "zero");
	recv_fail(&bob, &m0, ERR_REPLAY);
	/* m2 first leaves m1's key stored; using it deletes it. */
	recv_ok(&bob, &m2, "two");
	assert_int_equal(bob.nskip, 1);
	recv_fail(&bob, &m2, ERR_REPLAY);
	recv_ok(&bob, &m1, "one");
	assert_int_equal(bob.nskip, 0);
	recv_fail(&bob, &m1, ERR_REPLAY);
	/* A replay of an old chain's message after a DH step fails too. */
	send(&bob, "b", &m1);
	recv_ok(&alice, &m1, "b");
	send(&alice, "c", &m1);
	recv_ok(&bob, &m1, "c");
	assert_true(ratchet_decrypt(&bob, &tmp, m0.b, m0.len, m2.b, sizeof m2.b,
	                &m2.len) < 0);
}

static void
test_tamper_any_byte(void **state)
{
	struct msg m, bad;

	session();
	send(&alice, "first", &m);
	recv_ok(&bob, &m, "first");
	send(&bob, "answer", &m);
	recv_ok(&alice, &m, "answer");
	send(&alice, "tamper with me", &m);
	for (size_t i = 0; i < m.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			bad = m;
			bad.b[i] ^= (uint8_t)(1 << bit);
			assert_true(ratchet_decrypt(&bob, &tmp, bad.b, bad.len,
			                saved, sizeof saved, &bad.len) < 0);
		}
	}
	/* Cut anywhere, or extended, it fails as well. */
	for (size_t len = 0; len < m.len; len++)
		assert_true(ratchet_decrypt(&bob, &tmp, m.b, len, saved,
		                sizeof saved, &bad.len) < 0);
	bad = m;
	bad.b[bad.len++] = 0;
	recv_fail(&bob, &bad, ERR_CRYPTO);
	recv_ok(&bob, &m, "tamper with me");
}

/* Binding to both identities: the same keys with another AD fail. */
static void
test_associated_data_bound(void **state)
{
	struct msg m;

	session();
	send(&alice, "hi", &m);
	ratchet_copy(&eve, &bob);
	eve.ad[5] ^= 1;
	recv_fail(&eve, &m, ERR_CRYPTO);
	recv_ok(&bob, &m, "hi");
}

static void
test_gap_over_max_skip(void **state)
{
	struct msg m;
	size_t len0, len1;

	session();
	send(&alice, "hello", &m);
	recv_ok(&bob, &m, "hello");
	assert_int_equal(ratchet_save(&bob, saved, sizeof saved, &len0), 0);
	for (int i = 0; i < RATCHET_MAX_SKIP + 2; i++)
		send(&alice, "x", &m);
	/* m has n = 2 + MAX_SKIP: keys 1 to MAX_SKIP + 1 would be skipped. */
	recv_fail(&bob, &m, ERR_SKIP);
	assert_int_equal(bob.nskip, 0);
	assert_int_equal(ratchet_save(&bob, saved, sizeof saved, &len1), 0);
	assert_int_equal(len0, len1);
	/* Exactly MAX_SKIP is allowed. */
	session();
	for (int i = 0; i <= RATCHET_MAX_SKIP; i++)
		send(&alice, "y", &m);
	recv_ok(&bob, &m, "y");
	assert_int_equal(bob.nskip, RATCHET_MAX_SKIP);
	assert_int_equal(ratchet_saved_len(&bob), RATCHET_STATE_MAX);
}

static void
test_counter_near_2_32(void **state)
{
	struct msg m;

	session();
	send(&alice, "hello", &m);
	/* n = 2^32 - 1 and pn = 2^32 - 2 are refused before any
	 * derivation, even with a fresh DH key that would start a step. */
	memset(m.b + 37, 0xff, 4);
	recv_fail(&bob, &m, ERR_SKIP);
	send(&alice, "hello", &m);
	memset(m.b + 33, 0xff, 4);
	m.b[36] = 0xfe;
	recv_fail(&bob, &m, ERR_SKIP);
	m.b[1] ^= 0x40;
	recv_fail(&bob, &m, ERR_SKIP);
	/* With a low-order DH key, which the first DH would refuse with
	 * ERR_CRYPTO: the counter check comes before any DH. */
	memset(m.b + 1, 0, 32);
	recv_fail(&bob, &m, ERR_SKIP);
	/* The sender stops at the limit instead of wrapping. */
	alice.ns = RATCHET_COUNTER_MAX;
	assert_int_equal(ratchet_encrypt(&alice, &tmp, (const uint8_t *)"x", 1,
	                     m.b, sizeof m.b, &m.len),
	    ERR_NONCE);
	alice.ns = RATCHET_COUNTER_MAX - 1;
	send(&alice, "last", &m);
}

static void
test_skip_store_capped(void **state)
{
	struct msg first[3], m;

	session();
	/* Three chains, each losing most of their messages. */
	for (int round = 0; round < 3; round++) {
		send(&alice, "early", &first[round]);
		for (int i = 0; i < RATCHET_MAX_SKIP - 1; i++)
			send(&alice, "lost", &m);
		send(&alice, "late", &m);
		recv_ok(&bob, &m, "late");
		assert_true(bob.nskip <= RATCHET_SKIP_CAP);
		send(&bob, "ack", &m);
		recv_ok(&alice, &m, "ack");
	}
	assert_int_equal(bob.nskip, RATCHET_SKIP_CAP);
	/* The oldest keys went first; the newest are still there. */
	recv_fail(&bob, &first[0], ERR_CRYPTO);
	recv_ok(&bob, &first[2], "early");
}

static void
test_forward_secrecy(void **state)
{
	struct msg m0, m1;
	uint8_t pt[MSG_MAX];
	size_t len;

	session();
	send(&alice, "secret", &m0);
	send(&alice, "later", &m1);
	/* Bob reads m1 first, so m0's key is stored; then reads m0. */
	recv_ok(&bob, &m1, "later");
	recv_ok(&bob, &m0, "secret");
	/* The old state is deleted: only the new one remains on disk. */
	assert_int_equal(ratchet_save(&bob, saved, sizeof saved, &len), 0);
	ratchet_wipe(&bob);
	assert_int_equal(ratchet_load(&eve, saved, len), 0);
	assert_int_equal(
	    ratchet_decrypt(&eve, &tmp, m0.b, m0.len, pt, sizeof pt, &len),
	    ERR_REPLAY);
	assert_int_equal(
	    ratchet_decrypt(&eve, &tmp, m1.b, m1.len, pt, sizeof pt, &len),
	    ERR_REPLAY);
	/* After a DH round trip even the root key has moved on. */
	send(&eve, "reply", &m1);
	recv_ok(&alice, &m1, "reply");
	send(&alice, "new", &m1);
	recv_ok(&eve, &m1, "new");
	assert_true(
	    ratchet_decrypt(&eve, &tmp, m0.b, m0.len, pt, sizeof pt, &len) < 0);
}

static void
test_post_compromise_recovery(void **state)
{
	struct msg m;

	session();
	send(&alice, "hi", &m);
	recv_ok(&bob, &m, "hi");
	send(&bob, "hey", &m);
	recv_ok(&alice, &m, "hey");
	/* Eve copies Bob's whole state. */
	ratchet_copy(&eve, &bob);
	/* Alice's next message is still readable with the copy... */
	send(&alice, "before", &m);
	recv_ok(&eve, &m, "before");
	recv_ok(&bob, &m, "before");
	/* ...but once Bob sends with a fresh DH key and Alice answers, the
	 * copy cannot follow: it does not know Bob's new private key. */
	send(&bob, "fresh", &m);
	recv_ok(&alice, &m, "fresh");
	send(&alice, "after", &m);
	recv_fail(&eve, &m, ERR_CRYPTO);
	recv_ok(&bob, &m, "after");
}

static void
test_save_load_exact(void **state)
{
	struct msg m;
	size_t len, len2;

	session();
	/* A responder before its first message, then states with skipped
	 * keys in two chains. */
	for (int round = 0; round < 3; round++) {
		assert_int_equal(
		    ratchet_save(&bob, saved, sizeof saved, &len), 0);
		assert_int_equal(len, ratchet_saved_len(&bob));
		assert_int_equal(ratchet_load(&eve, saved, len), 0);
		assert_int_equal(
		    ratchet_save(&eve, saved2, sizeof saved2, &len2), 0);
		assert_int_equal(len, len2);
		assert_memory_equal(saved, saved2, len);
		/* The restored state carries on exactly like the original. */
		send(&alice, "skipped", &m);
		send(&alice, "go on", &m);
		recv_ok(&eve, &m, "go on");
		recv_ok(&bob, &m, "go on");
		send(&bob, "back", &m);
		recv_ok(&alice, &m, "back");
	}
	assert_true(bob.nskip > 0);
	assert_int_equal(
	    ratchet_save(&bob, saved, len - 1, &len2), ERR_TOO_BIG);
}

static void
test_load_hostile(void **state)
{
	struct msg m;
	size_t len, i;

	session();
	send(&alice, "a", &m);
	send(&alice, "b", &m);
	recv_ok(&bob, &m, "b");
	assert_int_equal(ratchet_save(&bob, saved, sizeof saved, &len), 0);
	for (i = 0; i < len; i++)
		assert_true(ratchet_load(&eve, saved, i) < 0);
	assert_int_equal(ratchet_load(&eve, saved, len + 1), ERR_TOO_BIG);
	saved[0] = 9;
	assert_int_equal(ratchet_load(&eve, saved, len), ERR_VERSION);
	saved[0] = RATCHET_VERSION;
	/* Flags byte, then the key pair that does not match. */
	saved[1 + 64 + 192] |= 8;
	assert_int_equal(ratchet_load(&eve, saved, len), ERR_PROTO);
	saved[1 + 64 + 192] &= 7;
	/* (Byte 1: bits of byte 0 are cleared by X25519's clamping.) */
	saved[1 + 64 + 32 + 1] ^= 1;
	assert_int_equal(ratchet_load(&eve, saved, len), ERR_PROTO);
	saved[1 + 64 + 32 + 1] ^= 1;
	/* A skipped-key count over the cap. */
	saved[RATCHET_STATE_FIXED - 2] = 0xff;
	assert_int_equal(ratchet_load(&eve, saved, len), ERR_PROTO);
	saved[RATCHET_STATE_FIXED - 2] = 0;
	assert_int_equal(ratchet_load(&eve, saved, len), 0);
	/* Random garbage never loads and never crashes. */
	for (i = 0; i < 200; i++) {
		size_t n = randombytes_uniform(RATCHET_STATE_FIXED + 200);

		randombytes_buf(saved2, n);
		assert_true(ratchet_load(&eve, saved2, n) < 0);
		assert_true(sodium_is_zero((const uint8_t *)&eve, sizeof eve));
	}
}

static void
test_decrypt_hostile_header(void **state)
{
	struct msg m;

	session();
	send(&alice, "hello", &m);
	m.b[0] = 2;
	recv_fail(&bob, &m, ERR_VERSION);
	m.b[0] = RATCHET_VERSION;
	/* A low-order DH key from the peer. */
	memset(m.b + 1, 0, 32);
	recv_fail(&bob, &m, ERR_CRYPTO);
	m.len = RATCHET_OVERHEAD - 1;
	recv_fail(&bob, &m, ERR_TRUNCATED);
	/* An output buffer that is too small is refused up front. */
	send(&alice, "hello", &m);
	assert_int_equal(
	    ratchet_decrypt(&bob, &tmp, m.b, m.len, saved, 4, &m.len),
	    ERR_TOO_BIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_both_ways),
	    cmocka_unit_test(test_initiator_refuses_forgery_before_reply),
	    cmocka_unit_test(test_responder_cannot_send_first),
	    cmocka_unit_test(test_out_of_order),
	    cmocka_unit_test(test_lost_messages),
	    cmocka_unit_test(test_replay_rejected),
	    cmocka_unit_test(test_tamper_any_byte),
	    cmocka_unit_test(test_associated_data_bound),
	    cmocka_unit_test(test_gap_over_max_skip),
	    cmocka_unit_test(test_counter_near_2_32),
	    cmocka_unit_test(test_skip_store_capped),
	    cmocka_unit_test(test_forward_secrecy),
	    cmocka_unit_test(test_post_compromise_recovery),
	    cmocka_unit_test(test_save_load_exact),
	    cmocka_unit_test(test_load_hostile),
	    cmocka_unit_test(test_decrypt_hostile_header),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
