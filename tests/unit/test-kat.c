/* SPDX-License-Identifier: ISC */
/*
 * Known answers, computed independently of the modules under test: X3DH's
 * shared secret and the first messages of a Double Ratchet session are
 * recomputed here from raw libsodium calls and a separate HKDF, following
 * Signal's specifications and docs/crypto.md. The other tests only check
 * that both sides agree, which a mistake made on both sides (a wrong DH
 * order, a missing 0xFF prefix, a wrong info string) would pass.
 */
#include <string.h>

#include <sodium.h>

#include "common/ident.h"
#include "common/ratchet.h"
#include "common/x3dh.h"
#include "tests/unit/cm.h"

/* RFC 5869 HKDF-SHA256, written out: extract, then expand to len <= 64. */
static void
hkdf(uint8_t *out, size_t len, const uint8_t *salt, size_t salt_len,
    const uint8_t *ikm, size_t ikm_len, const char *info)
{
	crypto_auth_hmacsha256_state st;
	uint8_t prk[32], t[32];
	uint8_t ctr;
	size_t done = 0;

	assert_true(len <= 64);
	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	for (ctr = 1; done < len; ctr++) {
		crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
		if (ctr > 1)
			crypto_auth_hmacsha256_update(&st, t, sizeof t);
		crypto_auth_hmacsha256_update(
		    &st, (const uint8_t *)info, strlen(info));
		crypto_auth_hmacsha256_update(&st, &ctr, 1);
		crypto_auth_hmacsha256_final(&st, t);
		memcpy(out + done, t, len - done < 32 ? len - done : 32);
		done += 32;
	}
}

static void
hmac_byte(uint8_t out[32], const uint8_t key[32], uint8_t b)
{
	crypto_auth_hmacsha256(out, &b, 1, key);
}

static struct ident alice, bob;
static struct x3dh_prekey spk, opk;
static struct x3dh_bundle bundle;
static struct x3dh_init init;
static uint8_t sk_a[32], ad_a[64];

static void
agree(bool with_opk)
{
	ident_new(&alice);
	ident_new(&bob);
	x3dh_prekey_new(&spk, 7);
	x3dh_prekey_new(&opk, 8);
	x3dh_bundle_make(&bundle, &bob, &spk, with_opk ? &opk : NULL);
	assert_int_equal(x3dh_initiate(&alice, &bundle, &init, sk_a, ad_a), 0);
}

/*
 * SK = HKDF(salt = 32 zero bytes, ikm = 0xFF * 32 | DH1 | DH2 | DH3 [| DH4],
 * info = "hearth X3DH v1"), computed from Bob's private keys and Alice's
 * public ones: DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B),
 * DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B); AD = IK_A | IK_B.
 */
static void
test_x3dh_known_answer(void **state)
{
	static const uint8_t zero_salt[32];
	uint8_t ikm[32 * 5], want[32], ik_a_x[32], ik_b_priv[32];
	size_t n;

	for (int opk_used = 0; opk_used < 2; opk_used++) {
		agree(opk_used);
		n = opk_used ? 5 : 4;
		memset(ikm, 0xff, 32);
		assert_int_equal(ident_dh_pub(ik_a_x, alice.pk), 0);
		ident_dh_priv(ik_b_priv, &bob);
		assert_int_equal(
		    crypto_scalarmult(ikm + 32, spk.priv, ik_a_x), 0);
		assert_int_equal(
		    crypto_scalarmult(ikm + 64, ik_b_priv, init.ek), 0);
		assert_int_equal(
		    crypto_scalarmult(ikm + 96, spk.priv, init.ek), 0);
		if (opk_used)
			assert_int_equal(
			    crypto_scalarmult(ikm + 128, opk.priv, init.ek), 0);
		hkdf(want, 32, zero_salt, sizeof zero_salt, ikm, 32 * n,
		    "hearth X3DH v1");
		assert_memory_equal(sk_a, want, 32);
		assert_memory_equal(ad_a, alice.pk, 32);
		assert_memory_equal(ad_a + 32, bob.pk, 32);
		assert_int_equal(init.has_opk, opk_used);
	}
}

/*
 * Alice's first two messages, opened by hand from Bob's side: the DH of
 * SPK_B with the header's ratchet key, KDF_RK = HKDF(salt = SK, that DH,
 * "hearth ratchet v1") -> root key | chain key, message keys by the chain
 * step (HMAC(ck, 1), next ck = HMAC(ck, 2)), XChaCha20-Poly1305 with a
 * zero nonce and AD | header as associated data.
 */
static void
test_ratchet_known_answer(void **state)
{
	static struct ratchet st, next;
	static const uint8_t zero_nonce[24];
	const char *texts[2] = {"first words", "second words"};
	uint8_t msg[2][128], dh[32], rk_ck[64], ck[32], mk[32], nck[32];
	uint8_t aad[64 + RATCHET_HEADER_LEN], pt[128];
	size_t len[2];
	unsigned long long plen;

	agree(true);
	assert_int_equal(ratchet_init_initiator(&st, sk_a, ad_a, spk.pub), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    ratchet_encrypt(&st, &next, (const uint8_t *)texts[i],
		        strlen(texts[i]), msg[i], sizeof msg[i], &len[i]),
		    0);
		ratchet_copy(&st, &next);
	}
	/* Both messages name the same ratchet key, counters 0 and 1. */
	assert_int_equal(msg[0][0], RATCHET_VERSION);
	assert_memory_equal(msg[0] + 1, msg[1] + 1, 32);
	assert_int_equal(crypto_scalarmult(dh, spk.priv, msg[0] + 1), 0);
	hkdf(rk_ck, 64, sk_a, 32, dh, 32, "hearth ratchet v1");
	memcpy(ck, rk_ck + 32, 32);
	for (int i = 0; i < 2; i++) {
		hmac_byte(mk, ck, 0x01);
		hmac_byte(nck, ck, 0x02);
		memcpy(ck, nck, 32);
		memcpy(aad, ad_a, 64);
		memcpy(aad + 64, msg[i], RATCHET_HEADER_LEN);
		assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(pt,
		                     &plen, NULL, msg[i] + RATCHET_HEADER_LEN,
		                     len[i] - RATCHET_HEADER_LEN, aad,
		                     sizeof aad, zero_nonce, mk),
		    0);
		assert_int_equal(plen, strlen(texts[i]));
		assert_memory_equal(pt, texts[i], plen);
	}
	ratchet_wipe(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x3dh_known_answer),
	    cmocka_unit_test(test_ratchet_known_answer),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
