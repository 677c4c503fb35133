/* SPDX-License-Identifier: ISC */
/*
 * Room secret derivations, sender-key messages and epochs: round trips,
 * bounded skipping, replay and tampering, and a removed member locked out
 * of the new epoch.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pad.h"
#include "common/senderkey.h"
#include "tests/unit/cm.h"

#define BIG (PAD_BUCKET_MAX)

static struct senderkey_room room;
static struct ident alice_id, mallory_id;
static struct senderkey_own alice, own_tmp;
static struct senderkey_peer bob_has, peer_tmp, saved_peer;
static uint8_t secret[SENDERKEY_SECRET_LEN];
static uint8_t msg[BIG], pt[BIG], buf[BIG];

/* A room with Alice's sender key handed to Bob. */
static void
setup_room(uint32_t epoch)
{
	uint8_t dist[SENDERKEY_DIST_LEN];

	ident_new(&alice_id);
	ident_new(&mallory_id);
	senderkey_secret_new(secret);
	senderkey_room_derive(&room, secret);
	senderkey_own_new(&alice, epoch);
	senderkey_dist_encode(&alice, &room, &alice_id, dist);
	assert_int_equal(senderkey_dist_decode(
	                     &bob_has, &room, alice_id.pk, dist, sizeof dist),
	    0);
}

/* Alice sends len bytes of text; returns the message length. */
static size_t
alice_send(const char *text)
{
	size_t len;

	assert_int_equal(
	    senderkey_encrypt(&alice, &own_tmp, &room, (const uint8_t *)text,
	        strlen(text), msg, sizeof msg, &len),
	    0);
	alice = own_tmp;
	return len;
}

static void
bob_recv_ok(const uint8_t *m, size_t len, const char *text)
{
	size_t got;

	assert_int_equal(senderkey_decrypt(&bob_has, &peer_tmp, &room, m, len,
	                     pt, sizeof pt, &got),
	    0);
	assert_int_equal(got, strlen(text));
	assert_memory_equal(pt, text, got);
	senderkey_peer_copy(&bob_has, &peer_tmp);
}

static void
bob_recv_fail(const uint8_t *m, size_t len, int rc)
{
	size_t got;

	senderkey_peer_copy(&saved_peer, &bob_has);
	assert_int_equal(senderkey_decrypt(&bob_has, &peer_tmp, &room, m, len,
	                     pt, sizeof pt, &got),
	    rc);
	assert_int_equal(got, 0);
	assert_true(
	    sodium_is_zero((const uint8_t *)&peer_tmp, sizeof peer_tmp));
	assert_memory_equal(&saved_peer, &bob_has, sizeof bob_has);
}

static void
test_room_derive(void **state)
{
	struct senderkey_room r2;
	uint8_t id[32], sig[64];
	static const uint8_t m[] = "proof";

	setup_room(1);
	senderkey_room_derive(&r2, secret);
	assert_memory_equal(&room, &r2, sizeof room);
	/* The relay convention: the id is crypto_kdf with "hrth-rid". */
	crypto_kdf_derive_from_key(id, 32, 0, "hrth-rid", secret);
	assert_memory_equal(room.id, id, 32);
	assert_memory_not_equal(room.id, room.board_key, 32);
	assert_memory_not_equal(room.id, room.header_key, 32);
	assert_memory_not_equal(room.board_key, room.header_key, 32);
	assert_memory_not_equal(room.id, room.access_pk, 32);
	assert_memory_not_equal(room.id, secret, 32);
	/* The access key pair signs and verifies. */
	crypto_sign_detached(sig, NULL, m, sizeof m, room.access_sk);
	assert_int_equal(
	    crypto_sign_verify_detached(sig, m, sizeof m, room.access_pk), 0);
	secret[0] ^= 1;
	senderkey_room_derive(&r2, secret);
	assert_memory_not_equal(room.id, r2.id, 32);
	assert_memory_not_equal(room.access_pk, r2.access_pk, 32);
	assert_memory_not_equal(room.board_key, r2.board_key, 32);
	senderkey_room_wipe(&r2);
}

static void
test_round_trip_sizes(void **state)
{
	static const size_t sizes[] = {0, 1, 200, 4096, SENDERKEY_PT_MAX};
	size_t len, got;

	setup_room(1);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		randombytes_buf(buf, sizes[i]);
		assert_int_equal(senderkey_encrypt(&alice, &own_tmp, &room, buf,
		                     sizes[i], msg, sizeof msg, &len),
		    0);
		alice = own_tmp;
		/* Exactly a bucket: the length says little. */
		assert_int_equal(pad_size(len - 1), len);
		assert_true(len <= PAD_BUCKET_MAX);
		assert_int_equal(senderkey_decrypt(&bob_has, &peer_tmp, &room,
		                     msg, len, pt, sizeof pt, &got),
		    0);
		assert_int_equal(got, sizes[i]);
		assert_memory_equal(pt, buf, got);
		senderkey_peer_copy(&bob_has, &peer_tmp);
	}
	assert_int_equal(senderkey_encrypt(&alice, &own_tmp, &room, buf,
	                     SENDERKEY_PT_MAX + 1, msg, sizeof msg, &len),
	    ERR_TOO_BIG);
	assert_int_equal(
	    senderkey_encrypt(&alice, &own_tmp, &room, buf, 10, msg, 200, &len),
	    ERR_TOO_BIG);
}

/* Text longer than the output buffer is refused before it is copied:
 * the buffer is exactly one small bucket, so ASan sees any overrun. */
static void
test_small_output_buffer(void **state)
{
	uint8_t *small = malloc(256);
	size_t len;

	assert_non_null(small);
	setup_room(1);
	assert_int_equal(senderkey_encrypt(&alice, &own_tmp, &room, buf, 4000,
	                     small, 256, &len),
	    ERR_TOO_BIG);
	assert_int_equal(senderkey_encrypt(&alice, &own_tmp, &room, buf,
	                     256 - SENDERKEY_OVERHEAD - 1, small, 256, &len),
	    0);
	assert_int_equal(len, 256);
	assert_int_equal(senderkey_encrypt(&alice, &own_tmp, &room, buf,
	                     256 - SENDERKEY_OVERHEAD, small, 256, &len),
	    ERR_TOO_BIG);
	free(small);
}

/* The relay sees neither the signing key nor the counter. */
static void
test_relay_learns_no_sender(void **state)
{
	size_t len;
	const uint8_t *pk = alice.sign_sk + 32;

	setup_room(1);
	len = alice_send("who sent this?");
	for (size_t i = 0; i + 32 <= len; i++)
		assert_memory_not_equal(msg + i, pk, 32);
	/* Two messages from the same member share no header bytes. */
	memcpy(buf, msg, len);
	alice_send("who sent this?");
	assert_memory_not_equal(buf + 1, msg + 1, SENDERKEY_HDR_LEN - 1);
}

static void
test_out_of_order_loss_replay(void **state)
{
	static uint8_t m[4][256];
	size_t len[4];
	char text[8];

	setup_room(3);
	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof text, "m%d", i);
		len[i] = alice_send(text);
		memcpy(m[i], msg, len[i]);
	}
	bob_recv_ok(m[2], len[2], "m2");
	assert_int_equal(bob_has.nskip, 2);
	bob_recv_ok(m[0], len[0], "m0");
	bob_recv_fail(m[0], len[0], ERR_REPLAY);
	bob_recv_fail(m[2], len[2], ERR_REPLAY);
	/* m1 is lost; m3 still reads. */
	bob_recv_ok(m[3], len[3], "m3");
	assert_int_equal(bob_has.nskip, 1);
	bob_recv_fail(m[3], len[3], ERR_REPLAY);
}

static void
test_tamper_any_byte(void **state)
{
	size_t len, got;

	setup_room(1);
	len = alice_send("do not touch");
	for (size_t i = 0; i < len; i++) {
		msg[i] ^= 0x04;
		assert_true(senderkey_decrypt(&bob_has, &peer_tmp, &room, msg,
		                len, pt, sizeof pt, &got) < 0);
		msg[i] ^= 0x04;
	}
	bob_recv_fail(msg, len - 1, ERR_PAD);
	bob_recv_fail(msg, 10, ERR_PAD);
	bob_recv_ok(msg, len, "do not touch");
}

/* A member knows Alice's chain key but cannot sign as Alice. */
static void
test_member_cannot_forge(void **state)
{
	struct senderkey_own mallory;
	size_t len;

	setup_room(1);
	senderkey_own_new(&mallory, 1);
	memcpy(mallory.ck, alice.ck, 32);
	assert_int_equal(senderkey_encrypt(&mallory, &own_tmp, &room,
	                     (const uint8_t *)"fake", 4, msg, sizeof msg, &len),
	    0);
	bob_recv_fail(msg, len, ERR_EPOCH);
	/*
	 * The forgery that only the signature can stop: Alice's epoch, her
	 * next index and chain key (every member holds them) and her public
	 * signing key in the header, signed with Mallory's secret key.
	 */
	{
		struct senderkey_own forged = alice;

		memcpy(forged.sign_sk, mallory.sign_sk, 32); /* seed only */
		assert_int_equal(
		    senderkey_encrypt(&forged, &own_tmp, &room,
		        (const uint8_t *)"fake", 4, msg, sizeof msg, &len),
		    0);
		bob_recv_fail(msg, len, ERR_CRYPTO);
		sodium_memzero(&forged, sizeof forged);
	}
	/* Alice's real message with Mallory's signature swapped in. */
	memcpy(buf, msg + len - 64, 64);
	len = alice_send("real");
	memcpy(msg + len - 64, buf, 64);
	bob_recv_fail(msg, len, ERR_CRYPTO);
}

static void
test_gap_over_max_skip(void **state)
{
	static uint8_t keep[4][256];
	static const uint32_t which[4] = {
	    SENDERKEY_MAX_SKIP - SENDERKEY_SKIP_CAP - 1, SENDERKEY_MAX_SKIP - 1,
	    SENDERKEY_MAX_SKIP, SENDERKEY_MAX_SKIP + 1};
	size_t len[4], l;

	setup_room(1);
	for (uint32_t n = 0; n <= SENDERKEY_MAX_SKIP + 1; n++) {
		l = alice_send("x");
		for (int k = 0; k < 4; k++) {
			if (which[k] == n) {
				memcpy(keep[k], msg, l);
				len[k] = l;
			}
		}
	}
	/* A gap of MAX_SKIP + 1 keys is refused and nothing is stored. */
	bob_recv_fail(keep[3], len[3], ERR_SKIP);
	assert_int_equal(bob_has.nskip, 0);
	/* A gap of exactly MAX_SKIP is fine; only SKIP_CAP keys are kept. */
	bob_recv_ok(keep[2], len[2], "x");
	assert_int_equal(bob_has.nskip, SENDERKEY_SKIP_CAP);
	bob_recv_ok(keep[1], len[1], "x");
	bob_recv_fail(keep[0], len[0], ERR_REPLAY);
	bob_recv_ok(keep[3], len[3], "x");
}

/* A member who holds the header key builds a header with n near 2^32:
 * refused before the signature is checked or any key derived. */
static void
test_counter_near_2_32(void **state)
{
	uint8_t hdr[40], ad[33];
	size_t len;

	setup_room(1);
	len = alice_send("hi");
	hdr[0] = 0;
	hdr[1] = 0;
	hdr[2] = 0;
	hdr[3] = 1;
	memcpy(hdr + 4, alice.sign_sk + 32, 32);
	memset(hdr + 36, 0xff, 4);
	ad[0] = SENDERKEY_VERSION;
	memcpy(ad + 1, room.id, 32);
	crypto_aead_xchacha20poly1305_ietf_encrypt(msg + 25, NULL, hdr,
	    sizeof hdr, ad, sizeof ad, NULL, msg + 1, room.header_key);
	bob_recv_fail(msg, len, ERR_SKIP);
	alice.n = SENDERKEY_COUNTER_MAX;
	assert_int_equal(senderkey_encrypt(&alice, &own_tmp, &room,
	                     (const uint8_t *)"x", 1, msg, sizeof msg, &len),
	    ERR_NONCE);
}

/*
 * Carol is removed. Alice and Bob start epoch 2 with a new room secret and
 * new sender keys, handed to each other only. Carol keeps everything she
 * had and still cannot read epoch 2.
 */
static void
test_removed_member_locked_out(void **state)
{
	struct senderkey_room r1, r2, carol_room;
	struct senderkey_own a1, a2;
	struct senderkey_peer carol_has_a1, bob_has_a2;
	uint8_t s1[32], s2[32], dist[SENDERKEY_DIST_LEN];
	struct senderkey_hdr h;
	size_t len, got;

	senderkey_secret_new(s1);
	senderkey_room_derive(&r1, s1);
	senderkey_own_new(&a1, 1);
	senderkey_dist_encode(&a1, &r1, &alice_id, dist);
	assert_int_equal(senderkey_dist_decode(&carol_has_a1, &r1, alice_id.pk,
	                     dist, sizeof dist),
	    0);
	carol_room = r1;

	/* Epoch 2. */
	senderkey_secret_new(s2);
	senderkey_room_derive(&r2, s2);
	senderkey_own_new(&a2, 2);
	senderkey_dist_encode(&a2, &r2, &alice_id, dist);
	assert_int_equal(senderkey_dist_decode(
	                     &bob_has_a2, &r2, alice_id.pk, dist, sizeof dist),
	    0);
	/* An epoch-2 distribution cannot be bound to the old room. */
	assert_int_equal(senderkey_dist_decode(
	                     &peer_tmp, &r1, alice_id.pk, dist, sizeof dist),
	    ERR_PROTO);
	assert_int_equal(
	    senderkey_encrypt(&a2, &own_tmp, &r2,
	        (const uint8_t *)"after carol", 11, msg, sizeof msg, &len),
	    0);
	assert_int_equal(senderkey_decrypt(&bob_has_a2, &peer_tmp, &r2, msg,
	                     len, pt, sizeof pt, &got),
	    0);
	assert_int_equal(got, 11);

	/* Carol: another room id and access key, so the relay will not even
	 * serve her; and with what she has she cannot open the header... */
	assert_memory_not_equal(carol_room.id, r2.id, 32);
	assert_memory_not_equal(carol_room.access_pk, r2.access_pk, 32);
	assert_int_equal(senderkey_peek(&carol_room, msg, len, &h), ERR_CRYPTO);
	assert_int_equal(senderkey_decrypt(&carol_has_a1, &peer_tmp,
	                     &carol_room, msg, len, pt, sizeof pt, &got),
	    ERR_CRYPTO);
	/* ...nor, given the header key, the body: her chain is epoch 1. */
	carol_room = r2;
	assert_int_equal(senderkey_decrypt(&carol_has_a1, &peer_tmp,
	                     &carol_room, msg, len, pt, sizeof pt, &got),
	    ERR_EPOCH);
	carol_has_a1.epoch = 2;
	memcpy(carol_has_a1.sign_pk, a2.sign_sk + 32, 32);
	assert_int_equal(senderkey_decrypt(&carol_has_a1, &peer_tmp,
	                     &carol_room, msg, len, pt, sizeof pt, &got),
	    ERR_CRYPTO);
	assert_int_equal(got, 0);
	senderkey_own_wipe(&a1);
	senderkey_own_wipe(&a2);
}

static void
test_dist_decode_hostile(void **state)
{
	uint8_t dist[SENDERKEY_DIST_LEN + 1];

	setup_room(1);
	senderkey_dist_encode(&alice, &room, &alice_id, dist);
	for (size_t i = 0; i < SENDERKEY_DIST_LEN; i++)
		assert_int_equal(senderkey_dist_decode(
		                     &peer_tmp, &room, alice_id.pk, dist, i),
		    ERR_TRUNCATED);
	assert_int_equal(senderkey_dist_decode(&peer_tmp, &room, alice_id.pk,
	                     dist, SENDERKEY_DIST_LEN + 1),
	    ERR_TOO_BIG);
	dist[0] = 7;
	assert_int_equal(senderkey_dist_decode(&peer_tmp, &room, alice_id.pk,
	                     dist, SENDERKEY_DIST_LEN),
	    ERR_VERSION);
	dist[0] = SENDERKEY_VERSION;
	memset(dist + 37, 0xff, 4);
	assert_int_equal(senderkey_dist_decode(&peer_tmp, &room, alice_id.pk,
	                     dist, SENDERKEY_DIST_LEN),
	    ERR_PROTO);
}

/*
 * A distribution is signed by its member's identity key: Mallory cannot
 * forward Alice's sender key as her own (Alice's messages would then show
 * as Mallory's), nor change its signing key, room or epoch.
 */
static void
test_dist_bound_to_identity(void **state)
{
	uint8_t dist[SENDERKEY_DIST_LEN];

	setup_room(3);
	senderkey_dist_encode(&alice, &room, &alice_id, dist);
	assert_int_equal(senderkey_dist_decode(
	                     &peer_tmp, &room, alice_id.pk, dist, sizeof dist),
	    0);
	/* Forwarded by Mallory: it came over Mallory's session. */
	assert_int_equal(senderkey_dist_decode(&peer_tmp, &room, mallory_id.pk,
	                     dist, sizeof dist),
	    ERR_CRYPTO);
	assert_true(
	    sodium_is_zero((const uint8_t *)&peer_tmp, sizeof peer_tmp));
	/* Any signed byte changed: refused. */
	for (size_t i = 33; i < 37; i++) {
		dist[i] ^= 1;
		assert_int_equal(senderkey_dist_decode(&peer_tmp, &room,
		                     alice_id.pk, dist, sizeof dist),
		    ERR_CRYPTO);
		dist[i] ^= 1;
	}
	for (size_t i = 73; i < SENDERKEY_DIST_LEN; i++) {
		dist[i] ^= 0x40;
		assert_int_equal(senderkey_dist_decode(&peer_tmp, &room,
		                     alice_id.pk, dist, sizeof dist),
		    ERR_CRYPTO);
		dist[i] ^= 0x40;
	}
	/* Signed by Mallory, the same keys are not Alice's. */
	senderkey_dist_encode(&alice, &room, &mallory_id, dist);
	assert_int_equal(senderkey_dist_decode(
	                     &peer_tmp, &room, alice_id.pk, dist, sizeof dist),
	    ERR_CRYPTO);
}

/*
 * Mallory got Alice's distribution and hands the same chain and signing
 * key on as hers, with her own identity signature: without the signing
 * key's own signature over Alice's identity, Bob would show Alice's
 * messages as Mallory's (review finding).
 */
static void
test_dist_forwarded_as_own(void **state)
{
	static const char label[] = "hearth sender key v1";
	uint8_t dist[SENDERKEY_DIST_LEN],
	    signed_part[sizeof label + 32 + 4 + 32];

	setup_room(3);
	senderkey_dist_encode(&alice, &room, &alice_id, dist);
	memcpy(signed_part, label, sizeof label);
	memcpy(signed_part + sizeof label, dist + 1, 36);
	memcpy(signed_part + sizeof label + 36, dist + 73, 32);
	ident_sign(dist + 105, &mallory_id, signed_part, sizeof signed_part);
	assert_int_equal(senderkey_dist_decode(&peer_tmp, &room, mallory_id.pk,
	                     dist, sizeof dist),
	    ERR_CRYPTO);
	assert_true(
	    sodium_is_zero((const uint8_t *)&peer_tmp, sizeof peer_tmp));
}

static void
test_save_load(void **state)
{
	static uint8_t m[3][256];
	uint8_t own_b[SENDERKEY_OWN_LEN], peer_b[SENDERKEY_PEER_MAX];
	uint8_t peer_b2[SENDERKEY_PEER_MAX];
	struct senderkey_own own2;
	size_t len[3], plen, plen2;

	setup_room(5);
	for (int i = 0; i < 3; i++) {
		len[i] = alice_send("saved");
		memcpy(m[i], msg, len[i]);
	}
	bob_recv_ok(m[2], len[2], "saved");
	senderkey_own_save(&alice, own_b);
	assert_int_equal(senderkey_own_load(&own2, own_b, sizeof own_b), 0);
	assert_memory_equal(&own2, &alice, sizeof own2);
	assert_int_equal(
	    senderkey_peer_save(&bob_has, peer_b, sizeof peer_b, &plen), 0);
	assert_int_equal(plen, SENDERKEY_PEER_FIXED + 2 * 36);
	assert_int_equal(senderkey_peer_load(&peer_tmp, peer_b, plen), 0);
	assert_int_equal(
	    senderkey_peer_save(&peer_tmp, peer_b2, sizeof peer_b2, &plen2), 0);
	assert_int_equal(plen, plen2);
	assert_memory_equal(peer_b, peer_b2, plen);
	/* The restored state reads the skipped message. */
	senderkey_peer_copy(&bob_has, &peer_tmp);
	bob_recv_ok(m[0], len[0], "saved");
	assert_int_equal(
	    senderkey_peer_save(&bob_has, peer_b2, plen - 1, &plen2), 0);

	for (size_t i = 0; i < plen; i++)
		assert_true(senderkey_peer_load(&peer_tmp, peer_b, i) < 0);
	assert_int_equal(
	    senderkey_peer_load(&peer_tmp, peer_b, plen + 1), ERR_TOO_BIG);
	/* Skipped keys out of order, or not older than the chain. */
	memcpy(peer_b2, peer_b, plen);
	peer_b2[SENDERKEY_PEER_FIXED + 3] = 5;
	assert_int_equal(
	    senderkey_peer_load(&peer_tmp, peer_b2, plen), ERR_PROTO);
	peer_b2[SENDERKEY_PEER_FIXED - 2] = 1;
	assert_int_equal(
	    senderkey_peer_load(&peer_tmp, peer_b2, plen), ERR_PROTO);
	peer_b[0] = 0;
	assert_int_equal(
	    senderkey_peer_load(&peer_tmp, peer_b, plen), ERR_VERSION);

	for (size_t i = 0; i < sizeof own_b; i++)
		assert_int_equal(
		    senderkey_own_load(&own2, own_b, i), ERR_TRUNCATED);
	own_b[41 + 40] ^= 1; /* the public half no longer matches the seed */
	assert_int_equal(
	    senderkey_own_load(&own2, own_b, sizeof own_b), ERR_PROTO);
	for (int i = 0; i < 200; i++) {
		size_t n = randombytes_uniform(sizeof peer_b);

		randombytes_buf(peer_b, n);
		assert_true(senderkey_peer_load(&peer_tmp, peer_b, n) < 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_room_derive),
	    cmocka_unit_test(test_round_trip_sizes),
	    cmocka_unit_test(test_small_output_buffer),
	    cmocka_unit_test(test_relay_learns_no_sender),
	    cmocka_unit_test(test_out_of_order_loss_replay),
	    cmocka_unit_test(test_tamper_any_byte),
	    cmocka_unit_test(test_member_cannot_forge),
	    cmocka_unit_test(test_gap_over_max_skip),
	    cmocka_unit_test(test_counter_near_2_32),
	    cmocka_unit_test(test_removed_member_locked_out),
	    cmocka_unit_test(test_dist_decode_hostile),
	    cmocka_unit_test(test_dist_bound_to_identity),
	    cmocka_unit_test(test_dist_forwarded_as_own),
	    cmocka_unit_test(test_save_load),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
