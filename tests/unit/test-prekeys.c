/* SPDX-License-Identifier: ISC */
/*
 * A persona's prekeys: ids, rotation, refill, the one-time prekey id
 * derived from the public key, and the saved form under hostile bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/prekeys.h"
#include "common/err.h"
#include "tests/unit/cm.h"

static struct prekeys a, b, c;
static uint8_t saved[PREKEYS_SAVED_MAX + 1], saved2[PREKEYS_SAVED_MAX];
static uint8_t pubs[PREKEYS_OPK_MAX][X3DH_KEY_LEN];

static void
save(const struct prekeys *pk, uint8_t *out, size_t *len)
{
	assert_int_equal(prekeys_save(pk, out, PREKEYS_SAVED_MAX, len), 0);
	assert_int_equal(*len, prekeys_saved_len(pk));
}

/* pk and pk2 hold the same keys (compared through their saved form). */
static void
assert_same(const struct prekeys *pk, const struct prekeys *pk2)
{
	size_t n, n2;

	save(pk, saved, &n);
	save(pk2, saved2, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(saved, saved2, n);
}

static void
test_new(void **state)
{
	prekeys_new(&a);
	assert_int_equal(a.spk.id, 1);
	assert_int_equal(a.next_id, 2);
	assert_false(a.has_old);
	assert_int_equal(a.nopk, 0);
	assert_false(sodium_is_zero(a.spk.pub, X3DH_KEY_LEN));
	assert_ptr_equal(prekeys_spk(&a, 1), &a.spk);
	assert_null(prekeys_spk(&a, 0));
	assert_null(prekeys_spk(&a, 2));
	prekeys_new(&b);
	assert_memory_not_equal(a.spk.pub, b.spk.pub, X3DH_KEY_LEN);
}

/* Known answers from an independent BLAKE2b (Python's hashlib). */
static void
test_opk_id_deterministic(void **state)
{
	uint8_t pub[X3DH_KEY_LEN], h[32];
	uint32_t want;

	memset(pub, 0, sizeof pub);
	assert_int_equal(prekeys_opk_id(pub), 0xa6ad4a3eu);
	for (size_t i = 0; i < sizeof pub; i++)
		pub[i] = (uint8_t)i;
	assert_int_equal(prekeys_opk_id(pub), 0x2c880becu);
	assert_int_equal(prekeys_opk_id(pub), prekeys_opk_id(pub));
	/* One bit of the key changes the id. */
	pub[31] ^= 1;
	assert_int_not_equal(prekeys_opk_id(pub), 0x2c880becu);
	/* And the definition in the header, spelled out. */
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)"hearth opk id v1", 16);
	crypto_generichash_update(&st, pub, sizeof pub);
	crypto_generichash_final(&st, h, sizeof h);
	want = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	       (uint32_t)h[2] << 8 | h[3];
	assert_int_equal(prekeys_opk_id(pub), want);
}

static void
test_refill(void **state)
{
	size_t added;

	prekeys_new(&a);
	prekeys_refill(&a, &b, 10, pubs, &added);
	assert_int_equal(added, 10);
	assert_int_equal(a.nopk, 0); /* cur is not changed */
	assert_int_equal(b.nopk, 10);
	for (size_t i = 0; i < 10; i++) {
		assert_memory_equal(b.opk[i].pub, pubs[i], X3DH_KEY_LEN);
		assert_int_equal(b.opk[i].id, prekeys_opk_id(pubs[i]));
		assert_int_equal(prekeys_opk_find(&b, b.opk[i].id), (int)i);
		assert_int_equal(prekeys_opk_by_pub(&b, pubs[i]), (int)i);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(b.opk[i].id, b.opk[j].id);
	}
	/* Topping up to fewer than held adds nothing. */
	prekeys_refill(&b, &c, 5, pubs, &added);
	assert_int_equal(added, 0);
	assert_same(&b, &c);
	/* n over the bound is capped; pubs may be NULL. */
	prekeys_refill(&b, &c, PREKEYS_OPK_MAX + 50, NULL, &added);
	assert_int_equal(added, PREKEYS_OPK_MAX - 10);
	assert_int_equal(c.nopk, PREKEYS_OPK_MAX);
	/* Oldest first: the ten held keep their places. */
	assert_memory_equal(c.opk, b.opk, 10 * sizeof c.opk[0]);
	assert_int_equal(prekeys_opk_by_pub(&c, a.spk.pub), -1);
	assert_int_equal(prekeys_opk_find(&c, 0), -1);
}

static void
test_opk_del(void **state)
{
	size_t added;
	uint32_t id2;

	prekeys_new(&a);
	prekeys_refill(&a, &b, 4, pubs, &added);
	id2 = b.opk[2].id;
	assert_int_equal(prekeys_opk_del(&b, &c, b.opk[1].id), 0);
	assert_int_equal(c.nopk, 3);
	assert_int_equal(prekeys_opk_by_pub(&c, pubs[1]), -1);
	assert_int_equal(prekeys_opk_find(&c, id2), 1);
	assert_true(
	    sodium_is_zero((const uint8_t *)&c.opk[3], sizeof c.opk[3]));
	assert_int_equal(prekeys_opk_del(&c, &a, b.opk[1].id), ERR_NOTFOUND);
	assert_same(&a, &c);
}

static void
test_rotate(void **state)
{
	struct x3dh_prekey first, second;

	prekeys_new(&a);
	first = a.spk;
	prekeys_rotate(&a, &b);
	assert_int_equal(a.spk.id, 1); /* cur is not changed */
	assert_false(a.has_old);
	assert_int_equal(b.spk.id, 2);
	assert_int_equal(b.next_id, 3);
	assert_true(b.has_old);
	assert_memory_equal(&b.spk_old, &first, sizeof first);
	assert_ptr_equal(prekeys_spk(&b, 1), &b.spk_old);
	assert_ptr_equal(prekeys_spk(&b, 2), &b.spk);
	second = b.spk;
	prekeys_rotate(&b, &c);
	/* Only one old key is kept. */
	assert_null(prekeys_spk(&c, 1));
	assert_memory_equal(&c.spk_old, &second, sizeof second);
	assert_int_equal(c.spk.id, 3);
	assert_memory_not_equal(c.spk.pub, second.pub, X3DH_KEY_LEN);
}

static void
test_bundle(void **state)
{
	struct ident id;
	struct x3dh_bundle bu, bu2;
	uint8_t enc[X3DH_BUNDLE_LEN];

	ident_new(&id);
	prekeys_new(&a);
	prekeys_rotate(&a, &b);
	prekeys_bundle(&b, &id, &bu);
	x3dh_bundle_encode(&bu, enc);
	assert_int_equal(x3dh_bundle_decode(&bu2, enc, sizeof enc), 0);
	assert_false(bu2.has_opk);
	assert_int_equal(bu2.spk_id, 2);
	assert_memory_equal(bu2.spk, b.spk.pub, X3DH_KEY_LEN);
	assert_memory_equal(bu2.ik, id.pk, IDENT_PK_LEN);
	ident_wipe(&id);
}

static void
test_save_load_exact(void **state)
{
	size_t n, n2, added;

	prekeys_new(&a);
	save(&a, saved, &n);
	assert_int_equal(n, PREKEYS_SAVED_FIXED);
	assert_int_equal(prekeys_load(&b, saved, n), 0);
	assert_same(&a, &b);
	prekeys_rotate(&a, &b);
	prekeys_refill(&b, &a, PREKEYS_OPK_MAX, pubs, &added);
	save(&a, saved, &n);
	assert_int_equal(n, PREKEYS_SAVED_MAX);
	assert_int_equal(prekeys_load(&c, saved, n), 0);
	assert_int_equal(c.nopk, PREKEYS_OPK_MAX);
	assert_int_equal(c.opk[7].id, a.opk[7].id);
	save(&c, saved2, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(saved, saved2, n);
	/* Too small an output is refused, with nothing written. */
	assert_int_equal(prekeys_save(&a, saved2, n - 1, &n2), ERR_TOO_BIG);
	assert_int_equal(n2, 0);
}

static void
load_fails(const uint8_t *in, size_t len, int want)
{
	memset(&c, 0xAA, sizeof c);
	assert_int_equal(prekeys_load(&c, in, len), want);
	/* Wiped on failure. */
	assert_true(sodium_is_zero((const uint8_t *)&c, sizeof c));
}

static void
test_load_hostile(void **state)
{
	size_t n, added, off;
	uint8_t *buf = saved;

	prekeys_new(&b);
	prekeys_rotate(&b, &c);
	prekeys_refill(&c, &a, 3, pubs, &added);
	save(&a, buf, &n);
	/* Every truncation and one byte too many. */
	for (size_t i = 0; i < n; i++)
		load_fails(buf, i, ERR_TRUNCATED);
	buf[n] = 0;
	load_fails(buf, n + 1, ERR_TOO_BIG);
	/* Version. */
	buf[0] = 2;
	load_fails(buf, n, ERR_VERSION);
	buf[0] = PREKEYS_VERSION;
	/* nopk over the bound (with the bytes to match). */
	off = PREKEYS_SAVED_FIXED - 2;
	buf[off] = 0;
	buf[off + 1] = PREKEYS_OPK_MAX + 1;
	load_fails(buf, n, ERR_PROTO);
	buf[off + 1] = 3;
	assert_int_equal(prekeys_load(&c, buf, n), 0);
	/*
	 * A flipped bit in a key, an id or a flag is caught. Bit 4 because
	 * X25519 ignores some bits of a private key (clamping), and no
	 * check can see those change.
	 */
	for (size_t i = 1; i < n; i++) {
		if (i >= off && i < off + 2)
			continue; /* the count: a length error instead */
		buf[i] ^= 0x10;
		/* Only next_id can grow unnoticed (it is 3, so any flip
		 * raises it). */
		if (prekeys_load(&c, buf, n) == 0)
			assert_true(i >= 1 && i <= 4);
		buf[i] ^= 0x10;
	}
	/* A repeated one-time prekey. */
	memcpy(buf + PREKEYS_SAVED_FIXED + PREKEYS_OPK_LEN,
	    buf + PREKEYS_SAVED_FIXED, PREKEYS_OPK_LEN);
	load_fails(buf, n, ERR_PROTO);
	/* Without an old key, its bytes must be zero. */
	prekeys_new(&a);
	save(&a, buf, &n);
	buf[1 + 4 + PREKEYS_SPK_LEN + 1 + 10] = 1;
	load_fails(buf, n, ERR_PROTO);
	buf[1 + 4 + PREKEYS_SPK_LEN + 1 + 10] = 0;
	buf[1 + 4 + PREKEYS_SPK_LEN] = 2; /* has_old */
	load_fails(buf, n, ERR_PROTO);
	buf[1 + 4 + PREKEYS_SPK_LEN] = 0;
	/* A signed prekey id at or over next_id. */
	buf[4] = 1;
	load_fails(buf, n, ERR_PROTO);
	/* Random bytes of every length never load by accident. */
	for (size_t len = 0; len < 400; len++) {
		randombytes_buf(buf, len);
		if (len > 0)
			buf[0] = PREKEYS_VERSION;
		assert_int_not_equal(prekeys_load(&c, buf, len), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new),
	    cmocka_unit_test(test_opk_id_deterministic),
	    cmocka_unit_test(test_refill),
	    cmocka_unit_test(test_opk_del),
	    cmocka_unit_test(test_rotate),
	    cmocka_unit_test(test_bundle),
	    cmocka_unit_test(test_save_load_exact),
	    cmocka_unit_test(test_load_hostile),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
