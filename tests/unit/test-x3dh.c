/* SPDX-License-Identifier: ISC */
/* X3DH: agreement with and without a one-time prekey, and hostile input. */
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/x3dh.h"
#include "tests/unit/cm.h"

static struct ident alice, bob, eve;
static struct x3dh_prekey spk, opk;

static int
setup(void **state)
{
	ident_new(&alice);
	ident_new(&bob);
	ident_new(&eve);
	x3dh_prekey_new(&spk, 7);
	x3dh_prekey_new(&opk, 42);
	return 0;
}

static void
agree(bool with_opk)
{
	struct x3dh_bundle b, b2;
	struct x3dh_init m, m2;
	uint8_t enc[X3DH_BUNDLE_LEN], ienc[X3DH_INIT_LEN];
	uint8_t sk_a[32], sk_b[32], ad_a[64], ad_b[64];

	x3dh_bundle_make(&b, &bob, &spk, with_opk ? &opk : NULL);
	/* Through the wire format, as the relay would hand it out. */
	x3dh_bundle_encode(&b, enc);
	assert_int_equal(x3dh_bundle_decode(&b2, enc, sizeof enc), 0);
	assert_int_equal(x3dh_initiate(&alice, &b2, &m, sk_a, ad_a), 0);
	x3dh_init_encode(&m, ienc);
	assert_int_equal(x3dh_init_decode(&m2, ienc, sizeof ienc), 0);
	assert_int_equal(m2.has_opk, with_opk);
	assert_int_equal(
	    x3dh_respond(&bob, &spk, with_opk ? &opk : NULL, &m2, sk_b, ad_b),
	    0);
	assert_memory_equal(sk_a, sk_b, 32);
	assert_memory_equal(ad_a, ad_b, 64);
	assert_memory_equal(ad_a, alice.pk, 32);
	assert_memory_equal(ad_a + 32, bob.pk, 32);
	assert_false(sodium_is_zero(sk_a, 32));
	/* Without the one-time prekey the responder cannot answer a message
	 * that names one, and the other way round. */
	assert_int_equal(
	    x3dh_respond(&bob, &spk, with_opk ? NULL : &opk, &m2, sk_b, ad_b),
	    ERR_NOTFOUND);
	assert_true(sodium_is_zero(sk_b, 32));
}

static void
test_agree_with_opk(void **state)
{
	agree(true);
}

static void
test_agree_without_opk(void **state)
{
	agree(false);
}

/* Each run uses a fresh ephemeral key, so the secrets differ. */
static void
test_fresh_each_time(void **state)
{
	struct x3dh_bundle b;
	struct x3dh_init m1, m2;
	uint8_t s1[32], s2[32], ad[64];

	x3dh_bundle_make(&b, &bob, &spk, NULL);
	assert_int_equal(x3dh_initiate(&alice, &b, &m1, s1, ad), 0);
	assert_int_equal(x3dh_initiate(&alice, &b, &m2, s2, ad), 0);
	assert_memory_not_equal(m1.ek, m2.ek, 32);
	assert_memory_not_equal(s1, s2, 32);
}

/* A relay that swaps the signed prekey for its own is caught. */
static void
test_forged_prekey(void **state)
{
	struct x3dh_bundle b;
	struct x3dh_prekey mine;
	struct x3dh_init m;
	uint8_t enc[X3DH_BUNDLE_LEN], sk[32], ad[64];

	x3dh_bundle_make(&b, &bob, &spk, &opk);
	x3dh_prekey_new(&mine, 7);
	memcpy(b.spk, mine.pub, 32);
	assert_int_equal(x3dh_initiate(&alice, &b, &m, sk, ad), ERR_CRYPTO);
	assert_true(sodium_is_zero(sk, 32));
	x3dh_bundle_encode(&b, enc);
	assert_int_equal(x3dh_bundle_decode(&b, enc, sizeof enc), ERR_CRYPTO);
	/* Eve signing her own prekey under Bob's identity fails too. */
	x3dh_bundle_make(&b, &eve, &mine, NULL);
	memcpy(b.ik, bob.pk, 32);
	assert_int_equal(x3dh_initiate(&alice, &b, &m, sk, ad), ERR_CRYPTO);
	x3dh_prekey_wipe(&mine);
}

static void
test_decode_hostile(void **state)
{
	struct x3dh_bundle b;
	struct x3dh_init m;
	uint8_t enc[X3DH_BUNDLE_LEN + 1], ienc[X3DH_INIT_LEN + 1];
	size_t i;

	x3dh_bundle_make(&b, &bob, &spk, NULL);
	x3dh_bundle_encode(&b, enc);
	for (i = 0; i < X3DH_BUNDLE_LEN; i++)
		assert_int_equal(x3dh_bundle_decode(&b, enc, i), ERR_TRUNCATED);
	assert_int_equal(
	    x3dh_bundle_decode(&b, enc, X3DH_BUNDLE_LEN + 1), ERR_TOO_BIG);
	enc[0] = 2;
	assert_int_equal(
	    x3dh_bundle_decode(&b, enc, X3DH_BUNDLE_LEN), ERR_VERSION);
	enc[0] = 1;
	enc[133] = 2; /* the one-time prekey flag */
	assert_int_equal(
	    x3dh_bundle_decode(&b, enc, X3DH_BUNDLE_LEN), ERR_PROTO);
	enc[133] = 0;
	enc[140] = 1; /* no one-time prekey, yet a non-zero key */
	assert_int_equal(
	    x3dh_bundle_decode(&b, enc, X3DH_BUNDLE_LEN), ERR_PROTO);
	enc[140] = 0;
	assert_int_equal(x3dh_bundle_decode(&b, enc, X3DH_BUNDLE_LEN), 0);
	/* Any flipped bit in the signed part breaks the signature. */
	for (i = 1; i < 133; i++) {
		enc[i] ^= 0x10;
		assert_true(x3dh_bundle_decode(&b, enc, X3DH_BUNDLE_LEN) < 0);
		enc[i] ^= 0x10;
	}

	memset(&m, 0, sizeof m);
	memcpy(m.ik, alice.pk, 32);
	x3dh_init_encode(&m, ienc);
	for (i = 0; i < X3DH_INIT_LEN; i++)
		assert_int_equal(x3dh_init_decode(&m, ienc, i), ERR_TRUNCATED);
	assert_int_equal(
	    x3dh_init_decode(&m, ienc, X3DH_INIT_LEN + 1), ERR_TOO_BIG);
	ienc[69] = 3;
	assert_int_equal(x3dh_init_decode(&m, ienc, X3DH_INIT_LEN), ERR_PROTO);
	ienc[69] = 0;
	ienc[0] = 0;
	assert_int_equal(
	    x3dh_init_decode(&m, ienc, X3DH_INIT_LEN), ERR_VERSION);
}

/* A low-order ephemeral key would make a DH output all zeros. */
static void
test_low_order_ephemeral(void **state)
{
	struct x3dh_bundle b;
	struct x3dh_init m;
	uint8_t sk_a[32], sk_b[32], ad[64];

	x3dh_bundle_make(&b, &bob, &spk, NULL);
	assert_int_equal(x3dh_initiate(&alice, &b, &m, sk_a, ad), 0);
	memset(m.ek, 0, 32);
	assert_int_equal(
	    x3dh_respond(&bob, &spk, NULL, &m, sk_b, ad), ERR_CRYPTO);
	assert_true(sodium_is_zero(sk_b, 32));
	memset(b.opk, 0, 32);
	b.has_opk = true;
	assert_int_equal(x3dh_initiate(&alice, &b, &m, sk_a, ad), ERR_CRYPTO);
}

/* Eve, holding Alice's initial message but not Bob's keys, cannot agree. */
static void
test_wrong_responder(void **state)
{
	struct x3dh_bundle b;
	struct x3dh_init m;
	uint8_t sk_a[32], sk_e[32], ad[64];

	x3dh_bundle_make(&b, &bob, &spk, &opk);
	assert_int_equal(x3dh_initiate(&alice, &b, &m, sk_a, ad), 0);
	assert_int_equal(x3dh_respond(&eve, &spk, &opk, &m, sk_e, ad), 0);
	assert_memory_not_equal(sk_a, sk_e, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agree_with_opk),
	    cmocka_unit_test(test_agree_without_opk),
	    cmocka_unit_test(test_fresh_each_time),
	    cmocka_unit_test(test_forged_prekey),
	    cmocka_unit_test(test_decode_hostile),
	    cmocka_unit_test(test_low_order_ephemeral),
	    cmocka_unit_test(test_wrong_responder),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
