/* SPDX-License-Identifier: ISC */
/*
 * Access proofs: a proof verifies only for its key, purpose, handshake
 * hash and body; ids derived from keys and tokens are stable and distinct.
 */
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/proof.h"
#include "tests/unit/cm.h"

static void
test_sign_verify_binding(void **state)
{
	uint8_t seed[32], pub[32], sec[64], pub2[32], sec2[64], sig[64];
	uint8_t hs[32], hs2[32], body[64];

	memset(seed, 1, 32);
	proof_keypair(pub, sec, seed);
	seed[0] = 2;
	proof_keypair(pub2, sec2, seed);
	memset(hs, 0x55, 32);
	memcpy(hs2, hs, 32);
	hs2[31] ^= 1;
	memset(body, 0x77, sizeof body);
	assert_int_equal(proof_sign(sig, sec, PROOF_ROOM_SUB, hs, body, 32), 0);
	assert_true(proof_verify(sig, pub, PROOF_ROOM_SUB, hs, body, 32));
	/* Another key, purpose, connection, body or length: refused. */
	assert_false(proof_verify(sig, pub2, PROOF_ROOM_SUB, hs, body, 32));
	assert_false(proof_verify(sig, pub, PROOF_MBOX_CLAIM, hs, body, 32));
	assert_false(proof_verify(sig, pub, PROOF_ROOM_SUB, hs2, body, 32));
	assert_false(proof_verify(sig, pub, PROOF_ROOM_SUB, hs, body, 31));
	body[0] ^= 1;
	assert_false(proof_verify(sig, pub, PROOF_ROOM_SUB, hs, body, 32));
	body[0] ^= 1;
	for (size_t i = 0; i < 64; i++) {
		sig[i] ^= 0x80;
		assert_false(
		    proof_verify(sig, pub, PROOF_ROOM_SUB, hs, body, 32));
		sig[i] ^= 0x80;
	}
	/* Bodies are bounded. */
	assert_int_equal(
	    proof_sign(sig, sec, PROOF_ROOM_ROTATE, hs, body, 64), 0);
	assert_true(proof_verify(sig, pub, PROOF_ROOM_ROTATE, hs, body, 64));
	assert_int_equal(
	    proof_sign(sig, sec, PROOF_ROOM_ROTATE, hs, body, 65), ERR_TOO_BIG);
	assert_false(proof_verify(sig, pub, PROOF_ROOM_ROTATE, hs, body, 65));
}

static void
test_derived_ids(void **state)
{
	uint8_t pub[32], a[32], b[32], c[32];

	memset(pub, 9, 32);
	proof_mbox_id(a, pub);
	proof_mbox_id(b, pub);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, pub, 32);
	/* The same bytes as a token name a different thing. */
	proof_escrow_hash(c, pub);
	assert_memory_not_equal(a, c, 32);
	pub[0] ^= 1;
	proof_mbox_id(b, pub);
	assert_memory_not_equal(a, b, 32);
	assert_true(proof_equal(a, a, 32));
	assert_false(proof_equal(a, b, 32));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign_verify_binding),
	    cmocka_unit_test(test_derived_ids),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
