/* SPDX-License-Identifier: ISC */
/*
 * Message contents: round trips of both types at their bounds, the exact
 * byte layout, and a decoder that refuses every truncated, over-long,
 * mistyped or out-of-bounds plain text, clearing its output.
 */
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "client/content.h"
#include "common/err.h"
#include "common/ident.h"
#include "common/senderkey.h"
#include "tests/unit/cm.h"

/* A real sender-key distribution, made once in setup. */
static uint8_t dist[SENDERKEY_DIST_LEN];
static uint8_t text_max[CONTENT_TEXT_MAX + 1];

static int
setup(void **state)
{
	struct senderkey_room room;
	struct senderkey_own own;
	struct ident me;
	uint8_t secret[SENDERKEY_SECRET_LEN];

	ident_new(&me);
	senderkey_secret_new(secret);
	senderkey_room_derive(&room, secret);
	senderkey_own_new(&own, 3);
	senderkey_dist_encode(&own, &room, &me, dist);
	senderkey_own_wipe(&own);
	senderkey_room_wipe(&room);
	ident_wipe(&me);
	/* Two-byte characters, so the longest text is still UTF-8. */
	for (size_t i = 0; i < CONTENT_TEXT_MAX; i += 2)
		memcpy(text_max + i, "\xc3\xa9", 2);
	return 0;
}

static void
make(struct content *c, enum content_type type, const void *body, size_t len)
{
	memset(c, 0, sizeof *c);
	c->type = type;
	randombytes_buf(c->id, sizeof c->id);
	c->time_s = 1795000000;
	c->expire_s = 3600;
	c->body = body;
	c->len = len;
}

static bool
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
check_equal(const struct content *a, const struct content *b)
{
	assert_int_equal(a->type, b->type);
	assert_memory_equal(a->id, b->id, CONTENT_ID_LEN);
	assert_int_equal(a->time_s, b->time_s);
	assert_int_equal(a->expire_s, b->expire_s);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->body, b->body, a->len);
}

/* Encodes c, decodes it back, and checks both agree. */
static void
round_trip(const struct content *c)
{
	static uint8_t buf[CONTENT_MAX], buf2[CONTENT_MAX];
	struct content got;
	size_t n, n2;

	assert_int_equal(content_encode(c, buf, sizeof buf, &n), 0);
	assert_int_equal(n, CONTENT_FIXED + c->len);
	assert_int_equal(content_decode(&got, buf, n), 0);
	check_equal(c, &got);
	/* The body is borrowed from the input, not copied. */
	assert_ptr_equal(got.body, buf + CONTENT_FIXED);
	assert_int_equal(content_encode(&got, buf2, sizeof buf2, &n2), 0);
	assert_int_equal(n2, n);
	assert_memory_equal(buf, buf2, n);
}

static void
test_layout(void **state)
{
	static const uint8_t want[] = {CONTENT_VERSION, CONTENT_TEXT, 0x00,
	    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	    0x0c, 0x0d, 0x0e, 0x0f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	    0x08, 0x00, 0x01, 0x51, 0x80, 0x00, 0x02, 'h', 'i'};
	struct content c;
	uint8_t buf[CONTENT_MAX];
	size_t n;

	make(&c, CONTENT_TEXT, "hi", 2);
	for (size_t i = 0; i < CONTENT_ID_LEN; i++)
		c.id[i] = (uint8_t)i;
	c.time_s = 0x0102030405060708;
	c.expire_s = 86400;
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void
test_round_trip_text(void **state)
{
	struct content c;

	make(&c, CONTENT_TEXT, "hello, world", 12);
	round_trip(&c);
	/* One byte, and the longest text. */
	make(&c, CONTENT_TEXT, "x", 1);
	round_trip(&c);
	make(&c, CONTENT_TEXT, text_max, CONTENT_TEXT_MAX);
	round_trip(&c);
	/* Four-byte characters, extreme times, the longest timer. */
	make(&c, CONTENT_TEXT, "\xf0\x9f\x94\xa5 fire", 9);
	c.time_s = UINT64_MAX;
	c.expire_s = CONTENT_EXPIRE_MAX;
	round_trip(&c);
	c.time_s = 0;
	c.expire_s = 0;
	round_trip(&c);
}

static void
test_round_trip_senderkey(void **state)
{
	struct content c;

	make(&c, CONTENT_SENDERKEY, dist, sizeof dist);
	round_trip(&c);
}

static void
test_encode_refuses(void **state)
{
	uint8_t buf[CONTENT_MAX + 8];
	struct content c;
	size_t n = 1;

	make(&c, CONTENT_TEXT, "", 0);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	assert_int_equal(n, 0);
	make(&c, CONTENT_TEXT, text_max, CONTENT_TEXT_MAX + 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, CONTENT_TEXT, "\xff", 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_UTF8);
	make(&c, CONTENT_TEXT, "a\0b", 3);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_UTF8);
	/* A truncated character at the end. */
	make(&c, CONTENT_TEXT, "ab\xc3", 3);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_UTF8);
	make(&c, CONTENT_TEXT, "x", 1);
	c.expire_s = CONTENT_EXPIRE_MAX + 1;
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	c.expire_s = UINT32_MAX;
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, CONTENT_SENDERKEY, dist, sizeof dist - 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, CONTENT_SENDERKEY, text_max, sizeof dist + 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, CONTENT_SENDERKEY, dist, 0);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, (enum content_type)0, "x", 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, (enum content_type)5, "x", 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	assert_int_equal(n, 0);
	/* An alert's note may be empty, but not over the limit or not
	 * UTF-8. */
	make(&c, CONTENT_ALERT, "", 0);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
	make(&c, CONTENT_ALERT, text_max, CONTENT_TEXT_MAX + 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_PROTO);
	make(&c, CONTENT_ALERT, "\xff", 1);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), ERR_UTF8);
}

static void
test_encode_cap(void **state)
{
	uint8_t buf[CONTENT_MAX];
	struct content c;
	size_t n, need;

	make(&c, CONTENT_TEXT, "hello", 5);
	need = CONTENT_FIXED + 5;
	assert_int_equal(content_encode(&c, buf, need, &n), 0);
	assert_int_equal(n, need);
	for (size_t cap = 0; cap < need; cap++) {
		n = 1;
		assert_int_equal(content_encode(&c, buf, cap, &n), ERR_TOO_BIG);
		assert_int_equal(n, 0);
	}
	assert_int_equal(content_encode(&c, NULL, 0, &n), ERR_TOO_BIG);
	/* The longest text fits CONTENT_MAX exactly. */
	make(&c, CONTENT_TEXT, text_max, CONTENT_TEXT_MAX);
	assert_int_equal(content_encode(&c, buf, CONTENT_MAX, &n), 0);
	assert_int_equal(n, CONTENT_MAX);
	assert_int_equal(
	    content_encode(&c, buf, CONTENT_MAX - 1, &n), ERR_TOO_BIG);
}

/* Every prefix of a valid encoding is ERR_TRUNCATED, one byte more is
 * ERR_TOO_BIG, and each failure leaves the output cleared. */
static void
test_truncated_and_trailing(void **state)
{
	static uint8_t buf[CONTENT_MAX + 1];

	const struct {
		enum content_type type;
		const void *body;
		size_t len;
	} cases[] = {{CONTENT_TEXT, "hello", 5}, {CONTENT_TEXT, "x", 1},
	    {CONTENT_SENDERKEY, dist, sizeof dist},
	    {CONTENT_TEXT, text_max, CONTENT_TEXT_MAX}};
	struct content c, got;
	size_t n;

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		make(&c, cases[k].type, cases[k].body, cases[k].len);
		assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
		for (size_t i = 0; i < n; i++) {
			memset(&got, 0xaa, sizeof got);
			assert_int_equal(
			    content_decode(&got, buf, i), ERR_TRUNCATED);
			assert_true(is_zero(&got, sizeof got));
		}
		buf[n] = 'x';
		memset(&got, 0xaa, sizeof got);
		assert_int_equal(content_decode(&got, buf, n + 1), ERR_TOO_BIG);
		assert_true(is_zero(&got, sizeof got));
		assert_int_equal(content_decode(&got, buf, n), 0);
	}
	assert_int_equal(content_decode(&got, NULL, 0), ERR_TRUNCATED);
}

/* Encodes a valid text, then lets edit damage the bytes. */
static int
decode_edited(void (*edit)(uint8_t *buf, size_t *n))
{
	static uint8_t buf[CONTENT_MAX + 16];
	struct content c, got;
	size_t n;
	int rc;

	make(&c, CONTENT_TEXT, "hello", 5);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
	edit(buf, &n);
	memset(&got, 0xaa, sizeof got);
	rc = content_decode(&got, buf, n);
	if (rc != 0)
		assert_true(is_zero(&got, sizeof got));
	return rc;
}

static void
edit_ver0(uint8_t *b, size_t *n)
{
	b[0] = 0;
}

static void
edit_ver2(uint8_t *b, size_t *n)
{
	b[0] = CONTENT_VERSION + 1;
}

static void
edit_type0(uint8_t *b, size_t *n)
{
	b[1] = 0;
}

static void
edit_type3(uint8_t *b, size_t *n)
{
	b[1] = 3;
}

static void
edit_type4(uint8_t *b, size_t *n)
{
	b[1] = 4;
}

static void
edit_type5(uint8_t *b, size_t *n)
{
	b[1] = 5;
}

static void
edit_type255(uint8_t *b, size_t *n)
{
	b[1] = 255;
}

/* The expiry field: offset 1 + 1 + 16 + 8. */
static void
edit_expire_over(uint8_t *b, size_t *n)
{
	uint32_t v = CONTENT_EXPIRE_MAX + 1;

	b[26] = (uint8_t)(v >> 24);
	b[27] = (uint8_t)(v >> 16);
	b[28] = (uint8_t)(v >> 8);
	b[29] = (uint8_t)v;
}

static void
edit_expire_max(uint8_t *b, size_t *n)
{
	uint32_t v = CONTENT_EXPIRE_MAX;

	b[26] = (uint8_t)(v >> 24);
	b[27] = (uint8_t)(v >> 16);
	b[28] = (uint8_t)(v >> 8);
	b[29] = (uint8_t)v;
}

static void
edit_not_utf8(uint8_t *b, size_t *n)
{
	b[CONTENT_FIXED + 2] = 0xc0;
}

static void
edit_nul(uint8_t *b, size_t *n)
{
	b[CONTENT_FIXED + 4] = 0;
}

/* An empty text: the length field says 0 and no body follows. */
static void
edit_empty(uint8_t *b, size_t *n)
{
	b[CONTENT_FIXED - 2] = 0;
	b[CONTENT_FIXED - 1] = 0;
	*n = CONTENT_FIXED;
}

/* The length field says more or less than follows. */
static void
edit_len_long(uint8_t *b, size_t *n)
{
	b[CONTENT_FIXED - 1]++;
}

static void
edit_len_short(uint8_t *b, size_t *n)
{
	b[CONTENT_FIXED - 1]--;
}

static void
edit_len_huge(uint8_t *b, size_t *n)
{
	b[CONTENT_FIXED - 2] = 0xff;
	b[CONTENT_FIXED - 1] = 0xff;
}

static void
test_decode_refuses(void **state)
{
	assert_int_equal(decode_edited(edit_ver0), ERR_VERSION);
	assert_int_equal(decode_edited(edit_ver2), ERR_VERSION);
	assert_int_equal(decode_edited(edit_type0), ERR_PROTO);
	assert_int_equal(decode_edited(edit_type3), 0); /* an alert */
	assert_int_equal(decode_edited(edit_type4), 0); /* urgent */
	assert_int_equal(decode_edited(edit_type5), ERR_PROTO);
	assert_int_equal(decode_edited(edit_type255), ERR_PROTO);
	assert_int_equal(decode_edited(edit_expire_over), ERR_PROTO);
	assert_int_equal(decode_edited(edit_expire_max), 0);
	assert_int_equal(decode_edited(edit_not_utf8), ERR_UTF8);
	assert_int_equal(decode_edited(edit_nul), ERR_UTF8);
	assert_int_equal(decode_edited(edit_empty), ERR_PROTO);
	assert_int_equal(decode_edited(edit_len_long), ERR_TRUNCATED);
	assert_int_equal(decode_edited(edit_len_short), ERR_TOO_BIG);
	assert_int_equal(decode_edited(edit_len_huge), ERR_TRUNCATED);
}

/* Text over CONTENT_TEXT_MAX, and distributions of the wrong length,
 * built by hand since the encoder refuses them. */
static void
test_decode_refuses_lengths(void **state)
{
	static uint8_t buf[CONTENT_MAX + 64];
	struct content c, got;
	size_t n;

	make(&c, CONTENT_TEXT, text_max, CONTENT_TEXT_MAX);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
	/* One more two-byte character: still UTF-8, but too long. */
	memcpy(buf + n, "\xc3\xa9", 2);
	buf[CONTENT_FIXED - 2] = (CONTENT_TEXT_MAX + 2) >> 8;
	buf[CONTENT_FIXED - 1] = (CONTENT_TEXT_MAX + 2) & 0xff;
	assert_int_equal(content_decode(&got, buf, n + 2), ERR_PROTO);
	assert_true(is_zero(&got, sizeof got));

	make(&c, CONTENT_SENDERKEY, dist, sizeof dist);
	for (int d = -1; d <= 1; d += 2) {
		size_t len = sizeof dist + (size_t)d;

		assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
		buf[CONTENT_FIXED - 2] = (uint8_t)(len >> 8);
		buf[CONTENT_FIXED - 1] = (uint8_t)len;
		assert_int_equal(
		    content_decode(&got, buf, CONTENT_FIXED + len), ERR_PROTO);
		assert_true(is_zero(&got, sizeof got));
	}
	/* A short text relabelled as a distribution. */
	make(&c, CONTENT_TEXT, "hello", 5);
	assert_int_equal(content_encode(&c, buf, sizeof buf, &n), 0);
	buf[1] = CONTENT_SENDERKEY;
	assert_int_equal(content_decode(&got, buf, n), ERR_PROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_round_trip_text),
	    cmocka_unit_test(test_round_trip_senderkey),
	    cmocka_unit_test(test_encode_refuses),
	    cmocka_unit_test(test_encode_cap),
	    cmocka_unit_test(test_truncated_and_trailing),
	    cmocka_unit_test(test_decode_refuses),
	    cmocka_unit_test(test_decode_refuses_lengths),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
