/* SPDX-License-Identifier: ISC */
/* Identity keys, fingerprints, safety numbers and the word list. */
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/ident.h"
#include "tests/unit/cm.h"

static void
seeded(struct ident *id, uint8_t b)
{
	uint8_t seed[IDENT_SEED_LEN];

	memset(seed, b, sizeof seed);
	ident_from_seed(id, seed);
}

static void
test_words_distinct_sorted(void **state)
{
	for (unsigned i = 0; i < IDENT_WORD_COUNT; i++) {
		const char *w = ident_word(i);
		size_t n = strlen(w);

		assert_true(n >= 3 && n <= 8);
		for (size_t k = 0; k < n; k++)
			assert_true(w[k] >= 'a' && w[k] <= 'z');
		if (i > 0)
			assert_true(strcmp(ident_word(i - 1), w) < 0);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(ident_word(j), w);
	}
}

static void
test_words_round_trip(void **state)
{
	for (unsigned i = 0; i < IDENT_WORD_COUNT; i++) {
		const char *w = ident_word(i);

		assert_int_equal(ident_word_index(w, strlen(w)), (int)i);
	}
	assert_int_equal(ident_word_index("zzz", 3), ERR_NOTFOUND);
	assert_int_equal(ident_word_index("acor", 4), ERR_NOTFOUND);
	assert_int_equal(ident_word_index("acorns", 6), ERR_NOTFOUND);
	assert_int_equal(ident_word_index("", 0), ERR_NOTFOUND);
	assert_int_equal(ident_word_index("acorn\0xyz", 9), ERR_NOTFOUND);
	assert_int_equal(ident_word_index("fountains", 9), ERR_NOTFOUND);
}

static void
test_fingerprint(void **state)
{
	struct ident a, b;
	char fa[IDENT_FP_CHARS + 1], fb[IDENT_FP_CHARS + 1], again[9];

	seeded(&a, 1);
	seeded(&b, 2);
	ident_fingerprint(fa, a.pk);
	ident_fingerprint(fb, b.pk);
	ident_fingerprint(again, a.pk);
	assert_int_equal(strlen(fa), IDENT_FP_CHARS);
	assert_string_equal(fa, again);
	assert_string_not_equal(fa, fb);
	for (int i = 0; i < IDENT_FP_CHARS; i++) {
		assert_non_null(
		    strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", fa[i]));
		assert_null(strchr("ILOU", fa[i]));
	}
	ident_wipe(&a);
	ident_wipe(&b);
}

static void
test_display(void **state)
{
	struct ident a;
	char fp[IDENT_FP_CHARS + 1], out[64], small[8];

	seeded(&a, 3);
	ident_fingerprint(fp, a.pk);
	assert_int_equal(ident_display(out, sizeof out, "river", a.pk), 0);
	assert_int_equal(strncmp(out, "river#", 6), 0);
	assert_string_equal(out + 6, fp);
	assert_int_equal(
	    ident_display(small, sizeof small, "river", a.pk), ERR_TOO_BIG);
	assert_string_equal(small, "");
	/* Two people may pick the same name; the fingerprints tell them
	 * apart. */
	seeded(&a, 4);
	assert_int_equal(ident_display(small, 0, "river", a.pk), ERR_TOO_BIG);
}

static void
test_safety_number_symmetric(void **state)
{
	struct ident a, b, c;
	char ab[IDENT_SAFETY_DIGITS + 1], ba[IDENT_SAFETY_DIGITS + 1];
	char ac[IDENT_SAFETY_DIGITS + 1];

	seeded(&a, 5);
	seeded(&b, 6);
	seeded(&c, 7);
	ident_safety_number(ab, a.pk, b.pk);
	ident_safety_number(ba, b.pk, a.pk);
	ident_safety_number(ac, a.pk, c.pk);
	assert_int_equal(strlen(ab), IDENT_SAFETY_DIGITS);
	assert_string_equal(ab, ba);
	assert_string_not_equal(ab, ac);
	for (int i = 0; i < IDENT_SAFETY_DIGITS; i++)
		assert_true(ab[i] >= '0' && ab[i] <= '9');
	/* One half belongs to a, and is in both of a's numbers. */
	assert_true(memcmp(ab, ac, 30) == 0 || memcmp(ab, ac + 30, 30) == 0 ||
	            memcmp(ab + 30, ac, 30) == 0 ||
	            memcmp(ab + 30, ac + 30, 30) == 0);
}

static void
test_safety_words(void **state)
{
	struct ident a, b;
	char w1[IDENT_SAFETY_WORDS_MAX], w2[IDENT_SAFETY_WORDS_MAX];
	char *p, *sp;
	int count = 0;

	seeded(&a, 8);
	seeded(&b, 9);
	assert_int_equal(ident_safety_words(w1, sizeof w1, a.pk, b.pk), 0);
	assert_int_equal(ident_safety_words(w2, sizeof w2, b.pk, a.pk), 0);
	assert_string_equal(w1, w2);
	/* Every word decodes, and there are exactly 24. */
	for (p = w1; *p != '\0'; p = *sp ? sp + 1 : sp) {
		sp = strchr(p, ' ');
		if (sp == NULL)
			sp = p + strlen(p);
		assert_true(ident_word_index(p, (size_t)(sp - p)) >= 0);
		count++;
	}
	assert_int_equal(count, IDENT_SAFETY_WORDS);
	assert_int_equal(
	    ident_safety_words(w1, IDENT_SAFETY_WORDS_MAX - 1, a.pk, b.pk),
	    ERR_TOO_BIG);
}

static void
test_sign_verify_dh(void **state)
{
	struct ident a, b;
	uint8_t sig[IDENT_SIG_LEN], pa[32], pb[32], sa[32], sb[32], k1[32],
	    k2[32];
	static const uint8_t msg[] = "hello";
	uint8_t bad[32] = {0};

	seeded(&a, 10);
	seeded(&b, 11);
	ident_sign(sig, &a, msg, sizeof msg);
	assert_int_equal(ident_verify(sig, a.pk, msg, sizeof msg), 0);
	assert_int_equal(ident_verify(sig, b.pk, msg, sizeof msg), ERR_CRYPTO);
	sig[0] ^= 1;
	assert_int_equal(ident_verify(sig, a.pk, msg, sizeof msg), ERR_CRYPTO);
	assert_int_equal(ident_dh_pub(pa, a.pk), 0);
	assert_int_equal(ident_dh_pub(pb, b.pk), 0);
	ident_dh_priv(sa, &a);
	ident_dh_priv(sb, &b);
	assert_int_equal(crypto_scalarmult(k1, sa, pb), 0);
	assert_int_equal(crypto_scalarmult(k2, sb, pa), 0);
	assert_memory_equal(k1, k2, 32);
	/* The identity point is refused by libsodium's conversion. */
	bad[0] = 1;
	assert_int_equal(ident_dh_pub(pa, bad), ERR_CRYPTO);
	assert_true(sodium_is_zero(pa, 32));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_words_distinct_sorted),
	    cmocka_unit_test(test_words_round_trip),
	    cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_display),
	    cmocka_unit_test(test_safety_number_symmetric),
	    cmocka_unit_test(test_safety_words),
	    cmocka_unit_test(test_sign_verify_dh),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
