/* SPDX-License-Identifier: ISC */
/* Sealed-sender envelopes: what the relay sees, and what the recipient
 * can trust. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pad.h"
#include "common/sealed.h"
#include "tests/unit/cm.h"

static struct ident alice, mallory;
static uint8_t bob_pub[32], bob_priv[32], carol_pub[32], carol_priv[32];
static uint8_t env[PAD_BUCKET_MAX], env2[PAD_BUCKET_MAX];
static uint8_t out[PAD_BUCKET_MAX], content[PAD_BUCKET_MAX];

static int
setup(void **state)
{
	ident_new(&alice);
	ident_new(&mallory);
	crypto_box_keypair(bob_pub, bob_priv);
	crypto_box_keypair(carol_pub, carol_priv);
	return 0;
}

static void
test_round_trip_sizes(void **state)
{
	static const size_t sizes[] = {0, 1, 150, 4096, SEALED_CONTENT_MAX};
	uint8_t sender[32];
	size_t len, got;

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		randombytes_buf(content, sizes[i]);
		assert_int_equal(sealed_seal(&alice, bob_pub, content, sizes[i],
		                     env, sizeof env, &len),
		    0);
		assert_int_equal(pad_size(len - 1), len);
		assert_int_equal(sealed_open(bob_pub, bob_priv, env, len,
		                     sender, out, sizeof out, &got),
		    0);
		assert_int_equal(got, sizes[i]);
		assert_memory_equal(out, content, got);
		assert_memory_equal(sender, alice.pk, 32);
	}
	assert_int_equal(sealed_seal(&alice, bob_pub, content,
	                     SEALED_CONTENT_MAX + 1, env, sizeof env, &len),
	    ERR_TOO_BIG);
	assert_int_equal(
	    sealed_seal(&alice, bob_pub, content, 10, env, 255, &len),
	    ERR_TOO_BIG);
	assert_int_equal(len, 0);
}

/* An output buffer of exactly one small bucket, so ASan sees any
 * overrun. */
static void
test_small_output_buffer(void **state)
{
	uint8_t *small = malloc(256);
	uint8_t sender[32];
	size_t len, got;

	assert_non_null(small);
	assert_int_equal(
	    sealed_seal(&alice, bob_pub, content, 4000, small, 256, &len),
	    ERR_TOO_BIG);
	assert_int_equal(sealed_seal(&alice, bob_pub, content,
	                     256 - SEALED_OVERHEAD - 1, small, 256, &len),
	    0);
	assert_int_equal(len, 256);
	assert_int_equal(sealed_open(bob_pub, bob_priv, small, len, sender, out,
	                     sizeof out, &got),
	    0);
	assert_int_equal(got, 256 - SEALED_OVERHEAD - 1);
	assert_int_equal(sealed_seal(&alice, bob_pub, content,
	                     256 - SEALED_OVERHEAD, small, 256, &len),
	    ERR_TOO_BIG);
	free(small);
}

/*
 * A seal that fails late (a low-order recipient key makes the box fail
 * after the signed content was built in out) leaves nothing in out.
 */
static void
test_failure_leaves_no_plaintext(void **state)
{
	static const uint8_t low_order[32]; /* the all-zero point */
	uint8_t *buf = malloc(1024);
	size_t len = 99;

	assert_non_null(buf);
	memset(buf, 0x33, 1024);
	assert_int_equal(
	    sealed_seal(&alice, low_order, content, 300, buf, 1024, &len),
	    ERR_CRYPTO);
	assert_int_equal(len, 0);
	assert_true(sodium_is_zero(buf, 1024));
	free(buf);
}

/* Nothing in the envelope names Alice, and no two envelopes match. */
static void
test_relay_sees_no_sender(void **state)
{
	size_t len, len2;

	assert_int_equal(sealed_seal(&alice, bob_pub, (const uint8_t *)"hi", 2,
	                     env, sizeof env, &len),
	    0);
	assert_int_equal(sealed_seal(&alice, bob_pub, (const uint8_t *)"hi", 2,
	                     env2, sizeof env2, &len2),
	    0);
	assert_int_equal(len, len2);
	assert_memory_not_equal(env + 1, env2 + 1, len - 1);
	for (size_t i = 0; i + 32 <= len; i++)
		assert_memory_not_equal(env + i, alice.pk, 32);
}

static void
test_wrong_recipient(void **state)
{
	uint8_t sender[32];
	size_t len, got;

	assert_int_equal(sealed_seal(&alice, bob_pub, (const uint8_t *)"hi", 2,
	                     env, sizeof env, &len),
	    0);
	assert_int_equal(sealed_open(carol_pub, carol_priv, env, len, sender,
	                     out, sizeof out, &got),
	    ERR_CRYPTO);
	assert_true(sodium_is_zero(sender, 32));
	assert_int_equal(got, 0);
}

static void
test_tamper_any_byte(void **state)
{
	uint8_t sender[32];
	size_t len, got;

	assert_int_equal(sealed_seal(&alice, bob_pub, (const uint8_t *)"tamper",
	                     6, env, sizeof env, &len),
	    0);
	for (size_t i = 0; i < len; i++) {
		env[i] ^= 0x20;
		assert_true(sealed_open(bob_pub, bob_priv, env, len, sender,
		                out, sizeof out, &got) < 0);
		assert_true(sodium_is_zero(sender, 32));
		env[i] ^= 0x20;
	}
	for (size_t l = 0; l < len; l++)
		assert_int_equal(sealed_open(bob_pub, bob_priv, env, l, sender,
		                     out, sizeof out, &got),
		    ERR_PAD);
	assert_int_equal(sealed_open(bob_pub, bob_priv, env, len, sender, out,
	                     len - 50, &got),
	    ERR_TOO_BIG);
	env[0] = 2;
	assert_int_equal(sealed_open(bob_pub, bob_priv, env, len, sender, out,
	                     sizeof out, &got),
	    ERR_VERSION);
}

/*
 * The signature binds the recipient: Bob cannot pass Alice's message on to
 * Carol as if Alice had sent it to her. And Mallory cannot claim Alice's
 * identity for her own content.
 */
static void
test_signature_binds_sender_and_recipient(void **state)
{
	uint8_t sender[32];
	size_t len, got;

	assert_int_equal(sealed_seal(&alice, bob_pub, (const uint8_t *)"to bob",
	                     6, env, sizeof env, &len),
	    0);
	/* Bob unwraps the outer box by hand and re-seals the inner part. */
	assert_int_equal(
	    crypto_box_seal_open(out, env + 1, len - 1, bob_pub, bob_priv), 0);
	env2[0] = SEALED_VERSION;
	assert_int_equal(
	    crypto_box_seal(env2 + 1, out, len - SEALED_OUTER, carol_pub), 0);
	assert_int_equal(sealed_open(carol_pub, carol_priv, env2, len, sender,
	                     content, sizeof content, &got),
	    ERR_CRYPTO);
	/* Mallory swaps in Alice's key as the sender of her own envelope. */
	assert_int_equal(
	    sealed_seal(&mallory, bob_pub, (const uint8_t *)"from alice", 10,
	        env, sizeof env, &len),
	    0);
	assert_int_equal(
	    crypto_box_seal_open(out, env + 1, len - 1, bob_pub, bob_priv), 0);
	memcpy(out + 1, alice.pk, 32);
	assert_int_equal(
	    crypto_box_seal(env2 + 1, out, len - SEALED_OUTER, bob_pub), 0);
	assert_int_equal(sealed_open(bob_pub, bob_priv, env2, len, sender,
	                     content, sizeof content, &got),
	    ERR_CRYPTO);
	/* Malformed inner padding under a valid box. */
	memset(out, 0, len - SEALED_OUTER);
	assert_int_equal(
	    crypto_box_seal(env2 + 1, out, len - SEALED_OUTER, bob_pub), 0);
	assert_int_equal(sealed_open(bob_pub, bob_priv, env2, len, sender,
	                     content, sizeof content, &got),
	    ERR_PAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_sizes),
	    cmocka_unit_test(test_small_output_buffer),
	    cmocka_unit_test(test_failure_leaves_no_plaintext),
	    cmocka_unit_test(test_relay_sees_no_sender),
	    cmocka_unit_test(test_wrong_recipient),
	    cmocka_unit_test(test_tamper_any_byte),
	    cmocka_unit_test(test_signature_binds_sender_and_recipient),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
