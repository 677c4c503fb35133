/* SPDX-License-Identifier: ISC */
/*
 * Invite strings: round trips for every kind of host, and a decoder that
 * refuses every damaged, truncated or non-canonical string.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/ident.h"
#include "common/invite.h"
#include "tests/unit/cm.h"

static const char *const hosts[] = {"relay.example.org",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion",
    "192.0.2.7", "2001:db8::7", "::ffff:192.0.2.7", "x"};

/* A valid invite for host, with a fresh room secret and owner. */
static void
make(struct invite *in, const char *host, uint16_t port)
{
	struct ident owner;

	memset(in, 0, sizeof *in);
	ident_new(&owner);
	randombytes_buf(in->relay.key, sizeof in->relay.key);
	snprintf(in->relay.host, sizeof in->relay.host, "%s", host);
	in->relay.port = port;
	randombytes_buf(in->secret, sizeof in->secret);
	memcpy(in->owner, owner.pk, sizeof in->owner);
	ident_wipe(&owner);
}

/* Encodes bin[0..n) as an invite string by hand, as a forger would. */
static void
forge(char out[static INVITE_STR_MAX + 64], const uint8_t *bin, size_t n)
{
	const size_t plen = sizeof INVITE_PREFIX - 1;

	memcpy(out, INVITE_PREFIX, plen);
	sodium_bin2base64(out + plen, INVITE_STR_MAX + 64 - plen, bin, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The binary form of a valid invite for host, into bin; returns its
 * length. */
static size_t
binary(uint8_t bin[static INVITE_BIN_MAX + 8], const char *host)
{
	struct invite in;
	size_t hlen = strlen(host), off = 0;

	make(&in, host, 7483);
	bin[off++] = 1;
	memcpy(bin + off, in.relay.key, 32);
	off += 32;
	bin[off++] = 7483 >> 8;
	bin[off++] = 7483 & 0xff;
	bin[off++] = (uint8_t)hlen;
	memcpy(bin + off, host, hlen);
	off += hlen;
	memcpy(bin + off, in.secret, 32);
	off += 32;
	memcpy(bin + off, in.owner, 32);
	off += 32;
	invite_wipe(&in);
	return off;
}

static int
decode(const char *s, struct invite *out)
{
	return invite_decode(s, strlen(s), out);
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
test_round_trip_hosts(void **state)
{
	static char longest[ADDR_HOST_MAX + 1];
	struct invite in, got;
	char s[INVITE_STR_MAX], s2[INVITE_STR_MAX];

	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		make(&in, hosts[i], i == 0 ? 1 : 65535);
		assert_int_equal(invite_encode(&in, s, sizeof s), 0);
		assert_memory_equal(s, INVITE_PREFIX, sizeof INVITE_PREFIX - 1);
		assert_int_equal(decode(s, &got), 0);
		assert_memory_equal(&got, &in, sizeof in);
		assert_int_equal(invite_encode(&got, s2, sizeof s2), 0);
		assert_string_equal(s, s2);
	}
	/* The longest host fills INVITE_STR_MAX exactly. */
	memset(longest, 'a', ADDR_HOST_MAX);
	make(&in, longest, 7483);
	assert_int_equal(invite_encode(&in, s, sizeof s), 0);
	assert_int_equal(strlen(s), INVITE_STR_MAX - 1);
	assert_int_equal(decode(s, &got), 0);
	assert_memory_equal(&got, &in, sizeof in);
}

static void
test_encode_cap(void **state)
{
	struct invite in;
	char s[INVITE_STR_MAX];
	size_t n;

	make(&in, "relay.example", 7483);
	assert_int_equal(invite_encode(&in, s, sizeof s), 0);
	n = strlen(s);
	assert_int_equal(invite_encode(&in, s, n + 1), 0);
	assert_int_equal(invite_encode(&in, s, n), ERR_TOO_BIG);
	assert_string_equal(s, "");
	assert_int_equal(invite_encode(&in, s, 0), ERR_TOO_BIG);
}

/* Encode refuses what decode would refuse, so every string it writes
 * can be read back. */
static void
test_encode_refuses_invalid(void **state)
{
	struct invite in;
	char s[INVITE_STR_MAX];

	make(&in, "relay.example", 0);
	assert_int_equal(invite_encode(&in, s, sizeof s), ERR_INVITE);
	assert_string_equal(s, "");
	make(&in, "bad host", 1);
	assert_int_equal(invite_encode(&in, s, sizeof s), ERR_INVITE);
	make(&in, "", 1);
	assert_int_equal(invite_encode(&in, s, sizeof s), ERR_INVITE);
	make(&in, "relay.example", 1);
	memset(in.owner, 0, sizeof in.owner);
	assert_int_equal(invite_encode(&in, s, sizeof s), ERR_INVITE);
	/* A host that fills its array without a NUL. */
	make(&in, "relay.example", 1);
	memset(in.relay.host, 'a', sizeof in.relay.host);
	assert_int_equal(invite_encode(&in, s, sizeof s), ERR_INVITE);
}

static void
test_blanks_trimmed_only_at_ends(void **state)
{
	struct invite in, got;
	char s[INVITE_STR_MAX], t[INVITE_STR_MAX + 16];
	size_t n, mid;

	make(&in, "relay.example", 7483);
	assert_int_equal(invite_encode(&in, s, sizeof s), 0);
	snprintf(t, sizeof t, " \t%s\r\n", s);
	assert_int_equal(decode(t, &got), 0);
	assert_memory_equal(&got, &in, sizeof in);
	snprintf(t, sizeof t, "%s\n", s);
	assert_int_equal(decode(t, &got), 0);
	/* A break inside is a mangled paste: refuse rather than guess. */
	n = strlen(s);
	mid = n - 20;
	for (const char *b = " \t\r\n"; *b != '\0'; b++) {
		snprintf(t, sizeof t, "%.*s%c%s", (int)mid, s, *b, s + mid);
		assert_int_equal(decode(t, &got), ERR_INVITE);
		assert_true(is_zero(&got, sizeof got));
	}
	/* Between the prefix and the rest. */
	snprintf(
	    t, sizeof t, "%s %s", INVITE_PREFIX, s + sizeof INVITE_PREFIX - 1);
	assert_int_equal(decode(t, &got), ERR_INVITE);
	assert_int_equal(decode("  \n", &got), ERR_INVITE);
	assert_int_equal(invite_decode("", 0, &got), ERR_INVITE);
}

static void
test_every_truncation_refused(void **state)
{
	struct invite in, got;
	char s[INVITE_STR_MAX];
	size_t n;

	for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; h++) {
		make(&in, hosts[h], 7483);
		assert_int_equal(invite_encode(&in, s, sizeof s), 0);
		n = strlen(s);
		for (size_t i = 0; i < n; i++) {
			assert_int_not_equal(invite_decode(s, i, &got), 0);
			assert_true(is_zero(&got, sizeof got));
		}
		assert_int_equal(invite_decode(s, n, &got), 0);
	}
}

/* One flipped bit anywhere in the string: refused, or a different
 * invite, never the same one and never a crash. */
static void
test_every_bit_flip(void **state)
{
	struct invite in, got;
	char s[INVITE_STR_MAX];
	size_t n;
	int rc, refused = 0, accepted = 0;

	for (size_t h = 0; h < sizeof hosts / sizeof hosts[0]; h++) {
		make(&in, hosts[h], 7483);
		assert_int_equal(invite_encode(&in, s, sizeof s), 0);
		n = strlen(s);
		for (size_t i = 0; i < n; i++) {
			for (int bit = 0; bit < 8; bit++) {
				s[i] = (char)(s[i] ^ (1 << bit));
				rc = invite_decode(s, n, &got);
				if (rc == 0) {
					assert_memory_not_equal(
					    &got, &in, sizeof in);
					accepted++;
				} else {
					assert_true(is_zero(&got, sizeof got));
					refused++;
				}
				s[i] = (char)(s[i] ^ (1 << bit));
			}
		}
		assert_int_equal(invite_decode(s, n, &got), 0);
		assert_memory_equal(&got, &in, sizeof in);
	}
	/* Both outcomes happen: flips in the secret decode to another
	 * invite, flips in the prefix are refused. */
	assert_true(accepted > 0);
	assert_true(refused > 0);
}

static void
test_bad_prefix(void **state)
{
	struct invite in, got;
	char s[INVITE_STR_MAX], t[INVITE_STR_MAX + 16];
	const char *rest;

	make(&in, "relay.example", 7483);
	assert_int_equal(invite_encode(&in, s, sizeof s), 0);
	rest = s + sizeof INVITE_PREFIX - 1;
	snprintf(t, sizeof t, "HEARTH-INVITE:%s", rest);
	assert_int_equal(decode(t, &got), ERR_INVITE);
	snprintf(t, sizeof t, "hearth-invite%s", rest);
	assert_int_equal(decode(t, &got), ERR_INVITE);
	snprintf(t, sizeof t, "hearth-invite::%s", rest);
	assert_int_equal(decode(t, &got), ERR_INVITE);
	snprintf(t, sizeof t, "hearth://%s", rest);
	assert_int_equal(decode(t, &got), ERR_INVITE);
	snprintf(t, sizeof t, "xhearth-invite:%s", rest);
	assert_int_equal(decode(t, &got), ERR_INVITE);
	assert_int_equal(decode(rest, &got), ERR_INVITE);
	assert_int_equal(decode(INVITE_PREFIX, &got), ERR_INVITE);
	assert_int_equal(decode(s, &got), 0);
}

static void
test_bad_base64(void **state)
{
	static const char *const bad[] = {"+", "/", "=", "==", "*", "\x80"};
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t bin[INVITE_BIN_MAX + 8];
	char s[INVITE_STR_MAX + 64], t[INVITE_STR_MAX + 80];
	struct invite got;
	const char *p;
	size_t n, blen, v;

	blen = binary(bin, "relay.example");
	forge(s, bin, blen);
	assert_int_equal(decode(s, &got), 0);
	n = strlen(s);
	/* The standard alphabet, padding, or junk, at the start, the middle
	 * and the end. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t at[] = {sizeof INVITE_PREFIX - 1, n / 2, n};

		for (size_t j = 0; j < 3; j++) {
			snprintf(t, sizeof t, "%.*s%s%s", (int)at[j], s, bad[i],
			    s + at[j]);
			assert_int_equal(decode(t, &got), ERR_INVITE);
		}
	}
	/* 1 + 32 + 2 + 1 + 13 + 64 = 113 bytes: 113 % 3 == 2, so the last
	 * character carries 2 unused bits; setting one is not canonical. */
	assert_int_equal(blen % 3, 2);
	memcpy(t, s, n + 1);
	p = strchr(alpha, s[n - 1]);
	assert_non_null(p);
	v = (size_t)(p - alpha);
	assert_int_equal(v & 3, 0);
	t[n - 1] = alpha[v | 1];
	assert_int_equal(decode(t, &got), ERR_INVITE);
	t[n - 1] = alpha[v | 2];
	assert_int_equal(decode(t, &got), ERR_INVITE);
	/* A string longer than any invite is refused before decoding. */
	memset(t, 'A', sizeof t - 1);
	memcpy(t, INVITE_PREFIX, sizeof INVITE_PREFIX - 1);
	t[sizeof t - 1] = '\0';
	assert_int_equal(decode(t, &got), ERR_INVITE);
}

static void
test_wrong_version(void **state)
{
	uint8_t bin[INVITE_BIN_MAX + 8];
	char s[INVITE_STR_MAX + 64];
	struct invite got;
	size_t blen;

	blen = binary(bin, "relay.example");
	for (unsigned v = 0; v < 256; v++) {
		bin[0] = (uint8_t)v;
		forge(s, bin, blen);
		assert_int_equal(decode(s, &got), v == 1 ? 0 : ERR_VERSION);
	}
	/* The version is read first: a short v2 invite is still "another
	 * version", so a newer invite gets the helpful message. */
	bin[0] = 2;
	forge(s, bin, 3);
	assert_int_equal(decode(s, &got), ERR_VERSION);
	bin[0] = 1;
	forge(s, bin, 3);
	assert_int_equal(decode(s, &got), ERR_INVITE);
}

static void
test_bad_port_and_lengths(void **state)
{
	uint8_t bin[INVITE_BIN_MAX + 8];
	char s[INVITE_STR_MAX + 64];
	struct invite got;
	size_t blen;

	blen = binary(bin, "relay.example");
	bin[33] = 0;
	bin[34] = 0;
	forge(s, bin, blen);
	assert_int_equal(decode(s, &got), ERR_INVITE);
	bin[34] = 1;
	forge(s, bin, blen);
	assert_int_equal(decode(s, &got), 0);
	assert_int_equal(got.relay.port, 1);
	bin[33] = 0xff;
	bin[34] = 0xff;
	forge(s, bin, blen);
	assert_int_equal(decode(s, &got), 0);
	assert_int_equal(got.relay.port, 65535);
	/* The host length must account for every byte: one more or one
	 * less than the host, zero, or past the end. */
	for (unsigned hl = 0; hl < 256; hl++) {
		bin[35] = (uint8_t)hl;
		forge(s, bin, blen);
		assert_int_equal(decode(s, &got), hl == 13 ? 0 : ERR_INVITE);
	}
	bin[35] = 13;
	/* A trailing byte, or one missing. */
	bin[blen] = 0;
	forge(s, bin, blen + 1);
	assert_int_equal(decode(s, &got), ERR_INVITE);
	forge(s, bin, blen - 1);
	assert_int_equal(decode(s, &got), ERR_INVITE);
	forge(s, bin, blen);
	assert_int_equal(decode(s, &got), 0);
}

static void
test_bad_host_chars(void **state)
{
	static const char *const bad[] = {"relay example", "relay_x.org",
	    "relay/x", "user@relay", "[2001:db8::7]", "2001:db8::g",
	    "relay.org:80", "relay\n.org", "caf\xc3\xa9.org", "rel\x7f.org"};
	uint8_t bin[INVITE_BIN_MAX + 8];
	char s[INVITE_STR_MAX + 64];
	struct invite got;
	size_t blen;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		blen = binary(bin, bad[i]);
		forge(s, bin, blen);
		assert_int_equal(decode(s, &got), ERR_INVITE);
		assert_true(is_zero(&got, sizeof got));
	}
	/* A NUL inside the host would cut it short when printed. */
	blen = binary(bin, "relay.org");
	bin[36 + 3] = '\0';
	forge(s, bin, blen);
	assert_int_equal(decode(s, &got), ERR_INVITE);
}

static void
test_bad_owner_key(void **state)
{
	uint8_t bin[INVITE_BIN_MAX + 8];
	char s[INVITE_STR_MAX + 64];
	struct invite got;
	size_t blen;

	/* All zero is a low-order point; all 0xff is not canonical. */
	for (int v = 0; v < 2; v++) {
		blen = binary(bin, "relay.example");
		memset(bin + blen - 32, v == 0 ? 0 : 0xff, 32);
		forge(s, bin, blen);
		assert_int_equal(decode(s, &got), ERR_INVITE);
	}
}

static void
test_wipe(void **state)
{
	struct invite in;

	make(&in, "relay.example", 7483);
	invite_wipe(&in);
	assert_true(is_zero(&in, sizeof in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_hosts),
	    cmocka_unit_test(test_encode_cap),
	    cmocka_unit_test(test_encode_refuses_invalid),
	    cmocka_unit_test(test_blanks_trimmed_only_at_ends),
	    cmocka_unit_test(test_every_truncation_refused),
	    cmocka_unit_test(test_every_bit_flip),
	    cmocka_unit_test(test_bad_prefix),
	    cmocka_unit_test(test_bad_base64),
	    cmocka_unit_test(test_wrong_version),
	    cmocka_unit_test(test_bad_port_and_lengths),
	    cmocka_unit_test(test_bad_host_chars),
	    cmocka_unit_test(test_bad_owner_key),
	    cmocka_unit_test(test_wipe),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
