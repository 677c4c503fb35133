/* SPDX-License-Identifier: ISC */
/* HKDF-SHA256 against RFC 5869's test cases, and the chain step. */
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/kdf.h"
#include "tests/unit/cm.h"

static void
hex(uint8_t *out, size_t len, const char *s)
{
	size_t got;

	assert_int_equal(
	    sodium_hex2bin(out, len, s, strlen(s), NULL, &got, NULL), 0);
	assert_int_equal(got, len);
}

/* RFC 5869 A.1: basic test case with SHA-256. */
static void
test_hkdf_rfc5869_case1(void **state)
{
	uint8_t ikm[22], salt[13], okm[42], want[42];

	memset(ikm, 0x0b, sizeof ikm);
	for (size_t i = 0; i < sizeof salt; i++)
		salt[i] = (uint8_t)i;
	hex(want, sizeof want,
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865");
	assert_int_equal(
	    kdf_hkdf(okm, sizeof okm, salt, sizeof salt, ikm, sizeof ikm,
	        "\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9"),
	    0);
	assert_memory_equal(okm, want, sizeof want);
}

/* RFC 5869 A.3: zero-length salt and info. */
static void
test_hkdf_rfc5869_case3(void **state)
{
	uint8_t ikm[22], okm[42], want[42];

	memset(ikm, 0x0b, sizeof ikm);
	hex(want, sizeof want,
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8");
	assert_int_equal(
	    kdf_hkdf(okm, sizeof okm, NULL, 0, ikm, sizeof ikm, ""), 0);
	assert_memory_equal(okm, want, sizeof want);
}

static void
test_hkdf_too_long(void **state)
{
	static uint8_t okm[KDF_HKDF_MAX + 1];
	uint8_t ikm[32] = {1};

	assert_int_equal(
	    kdf_hkdf(okm, sizeof okm, NULL, 0, ikm, sizeof ikm, "x"),
	    ERR_TOO_BIG);
	assert_int_equal(
	    kdf_hkdf(okm, KDF_HKDF_MAX, NULL, 0, ikm, sizeof ikm, "x"), 0);
}

/* The chain step is HMAC(ck, 1) and HMAC(ck, 2), as the spec says. */
static void
test_chain_step(void **state)
{
	uint8_t ck[32], ck0[32], mk[32], want_mk[32], want_ck[32];
	uint8_t one = 1, two = 2;

	for (size_t i = 0; i < sizeof ck; i++)
		ck[i] = (uint8_t)(i * 7);
	memcpy(ck0, ck, sizeof ck);
	crypto_auth_hmacsha256(want_mk, &one, 1, ck0);
	crypto_auth_hmacsha256(want_ck, &two, 1, ck0);
	kdf_chain_step(ck, mk);
	assert_memory_equal(mk, want_mk, 32);
	assert_memory_equal(ck, want_ck, 32);
	assert_memory_not_equal(mk, ck, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hkdf_rfc5869_case1),
	    cmocka_unit_test(test_hkdf_rfc5869_case3),
	    cmocka_unit_test(test_hkdf_too_long),
	    cmocka_unit_test(test_chain_step),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
