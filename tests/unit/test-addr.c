/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "common/addr.h"
#include "common/err.h"
#include "tests/unit/cm.h"

#define KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

static int
parse(const char *s, struct addr *a)
{
	return addr_parse(s, strlen(s), a);
}

static void
test_parse_forms(void **state)
{
	struct addr a;

	assert_int_equal(parse("hearth://" KEY "@127.0.0.1:7000", &a), 0);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 7000);
	for (int i = 0; i < 32; i++)
		assert_int_equal(a.key[i], i);
	assert_int_equal(parse("hearth://" KEY "@[::1]:9", &a), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 9);
	assert_int_equal(parse("hearth://" KEY "@relay.example.org", &a), 0);
	assert_int_equal(a.port, ADDR_DEFAULT_PORT);
	assert_int_equal(
	    parse("hearth://" KEY "@abcdefghijklmnop.onion:80", &a), 0);
}

static void
test_round_trip(void **state)
{
	const char *in[] = {"hearth://" KEY "@127.0.0.1:7000",
	    "hearth://" KEY "@[fe80::1]:65535", "hearth://" KEY "@a.b:1"};
	char out[ADDR_STR_MAX];
	struct addr a;

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		assert_int_equal(parse(in[i], &a), 0);
		assert_int_equal(addr_format(&a, out, sizeof out), 0);
		assert_string_equal(out, in[i]);
	}
	assert_int_equal(addr_format(&a, out, 10), ERR_TOO_BIG);
}

static void
test_rejects_malformed(void **state)
{
	const char *bad[] = {
	    "",
	    "hearth:/" KEY "@h:1",
	    "http://" KEY "@h:1",
	    "hearth://" KEY,        /* no host */
	    "hearth://" KEY "@",    /* empty host */
	    "hearth://" KEY "@h:0", /* port 0 */
	    "hearth://" KEY "@h:65536",
	    "hearth://" KEY "@h:07", /* leading zero */
	    "hearth://" KEY "@h:",
	    "hearth://" KEY "@h:1x",
	    "hearth://" KEY "@h h:1", /* space */
	    "hearth://" KEY "@h/path:1",
	    "hearth://" KEY "@h\x1b[31m:1", /* escape */
	    "hearth://" KEY "@[::1:1",      /* no bracket */
	    "hearth://" KEY "@[::1]x",
	    "hearth://" KEY "@[zz::1]:1",
	    "hearth://" KEY "A@h:1", /* key too long */
	    "hearth://AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh@h:1",
	    "hearth://AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+@h:1",
	    "hearth://" KEY "@h@h:1",
	};
	struct addr a;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&a, 0x55, sizeof a);
		assert_int_equal(parse(bad[i], &a), ERR_ADDR);
		/* A failed parse leaves nothing behind. */
		assert_int_equal(a.port, 0);
		assert_int_equal(a.key[0], 0);
	}
}

static void
test_host_length_bound(void **state)
{
	char s[600], host[ADDR_HOST_MAX + 1];
	uint16_t port;

	memset(s, 'a', sizeof s);
	assert_int_equal(
	    addr_hostport_parse(s, ADDR_HOST_MAX, 1, host, &port), 0);
	assert_int_equal(strlen(host), ADDR_HOST_MAX);
	assert_int_equal(port, 1);
	assert_int_equal(
	    addr_hostport_parse(s, ADDR_HOST_MAX + 1, 1, host, &port),
	    ERR_ADDR);
	assert_int_equal(addr_hostport_parse("h:0", 3, 1, host, &port), 0);
	assert_int_equal(port, 0);
}

static void
test_is_onion(void **state)
{
	const char *yes[] = {"abcdefghijklmnop.onion", "x.ONION", "a.b.Onion.",
	    "x.onion..", "onion", ".onion", "ONION."};
	const char *no[] = {"onion.example", "xonion", "x.onions",
	    "x.onion.example", "127.0.0.1", "::1", "", "."};

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(addr_is_onion(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(addr_is_onion(no[i]));
}

static void
test_host_ok(void **state)
{
	static char longest[ADDR_HOST_MAX + 2];
	const char *yes[] = {"relay.example", "abcdefghijklmnop.onion",
	    "127.0.0.1", "::1", "fe80::1:2", "::ffff:1.2.3.4", "a-b.C"};
	const char *no[] = {"", "a b", "a_b", "a/b", "[::1]", "::g", "x:80",
	    "a@b", "\xc3\xa9.example", "a\nb"};
	struct addr a, b;
	char s[ADDR_STR_MAX];

	/* Whatever passes must survive addr_format and addr_parse as is. */
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		assert_true(addr_host_ok(yes[i], strlen(yes[i])));
		memset(&a, 0, sizeof a);
		memcpy(a.host, yes[i], strlen(yes[i]) + 1);
		a.port = 1;
		assert_int_equal(addr_format(&a, s, sizeof s), 0);
		assert_int_equal(addr_parse(s, strlen(s), &b), 0);
		assert_string_equal(b.host, yes[i]);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(addr_host_ok(no[i], strlen(no[i])));
	/* A NUL inside the length is not a host character either. */
	assert_false(addr_host_ok("ab\0c", 4));
	memset(longest, 'a', sizeof longest - 1);
	assert_true(addr_host_ok(longest, ADDR_HOST_MAX));
	assert_false(addr_host_ok(longest, ADDR_HOST_MAX + 1));
}

/* libsodium 1.0.18 reads any byte from 0x80 up as '_': the same key
 * must not have a second spelling. */
static void
test_key_high_bytes(void **state)
{
	uint8_t key[ADDR_KEY_LEN], back[ADDR_KEY_LEN];
	char s[ADDR_KEY_B64_LEN + 1];

	memset(key, 0xff, sizeof key);
	addr_key_encode(key, s);
	assert_int_equal(s[0], '_');
	assert_int_equal(addr_key_decode(s, ADDR_KEY_B64_LEN, back), 0);
	assert_memory_equal(back, key, sizeof key);
	assert_true(addr_b64url_ok(s, ADDR_KEY_B64_LEN));
	for (int c = 0x80; c <= 0xff; c++) {
		s[0] = (char)c;
		assert_false(addr_b64url_ok(s, ADDR_KEY_B64_LEN));
		assert_int_equal(
		    addr_key_decode(s, ADDR_KEY_B64_LEN, back), ERR_ADDR);
	}
	assert_false(addr_b64url_ok("a+b", 3));
	assert_false(addr_b64url_ok("a=", 2));
	assert_false(addr_b64url_ok("a\0", 2));
	assert_true(addr_b64url_ok("azAZ09-_", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_forms),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_rejects_malformed),
	    cmocka_unit_test(test_host_length_bound),
	    cmocka_unit_test(test_is_onion),
	    cmocka_unit_test(test_host_ok),
	    cmocka_unit_test(test_key_high_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
