/* SPDX-License-Identifier: ISC */
/*
 * The SOCKS5 exchange and the proxy URL: every reply fed one byte at a
 * time as well as whole, truncated and hostile replies, every reply code.
 */
#include <string.h>

#include "client/socks5.h"
#include "common/err.h"
#include "tests/unit/cm.h"

static int
url(const char *s, struct socks5_proxy *p)
{
	return socks5_url_parse(s, strlen(s), p);
}

/* Feeds p one byte per call; returns the first result that is not MORE. */
static int
feed_bytewise(struct socks5 *c, const uint8_t *p, size_t len, size_t *at)
{
	int rc = SOCKS5_MORE;

	for (*at = 0; *at < len; (*at)++) {
		rc = socks5_feed(c, p + *at, 1);
		if (rc != SOCKS5_MORE) {
			(*at)++;
			break;
		}
	}
	return rc;
}

static void
start(struct socks5 *c, const char *proxy_url, const char *host)
{
	struct socks5_proxy p;

	assert_int_equal(url(proxy_url, &p), 0);
	assert_int_equal(socks5_start(c, &p, host, 7483), 0);
}

static void
test_url_forms(void **state)
{
	struct socks5_proxy p;

	assert_int_equal(url("socks5://127.0.0.1:9050", &p), 0);
	assert_string_equal(p.host, "127.0.0.1");
	assert_int_equal(p.port, 9050);
	assert_int_equal(p.user_len, 0);
	assert_int_equal(url("socks5h://[::1]:1080", &p), 0);
	assert_string_equal(p.host, "::1");
	assert_int_equal(p.port, 1080);
	assert_int_equal(url("socks5://proxy.lan:65535", &p), 0);
	assert_string_equal(p.host, "proxy.lan");
	assert_int_equal(url("socks5://alice:s3cret@127.0.0.1:1", &p), 0);
	assert_int_equal(p.user_len, 5);
	assert_memory_equal(p.user, "alice", 5);
	assert_int_equal(p.pass_len, 6);
	assert_memory_equal(p.pass, "s3cret", 6);
	/* Percent-decoding lets any byte but NUL through. */
	assert_int_equal(url("socks5://a%3Ab%40:%2f%ff@h:1", &p), 0);
	assert_int_equal(p.user_len, 4);
	assert_memory_equal(p.user, "a:b@", 4);
	assert_int_equal(p.pass_len, 2);
	assert_memory_equal(p.pass, "/\xff", 2);
	socks5_proxy_release(&p);
	assert_int_equal(p.user_len, 0);
	assert_int_equal(p.user[0], 0);
	assert_string_equal(p.host, "h");
}

static void
test_url_rejects(void **state)
{
	const char *bad[] = {
	    "", "socks5://", "socks4://127.0.0.1:9050", "http://127.0.0.1:9050",
	    "SOCKS5://127.0.0.1:9050",
	    "socks5://127.0.0.1",        /* the port is required */
	    "socks5://127.0.0.1:0",      /* port 0 */
	    "socks5://127.0.0.1:65536",  /* over 16 bits */
	    "socks5://127.0.0.1:9050/",  /* a path */
	    "socks5://127.0.0.1:9050 ",  /* whitespace */
	    "socks5://[::1:9050",        /* no bracket */
	    "socks5://a@h:1",            /* user without password */
	    "socks5://:p@h:1",           /* empty user */
	    "socks5://u:@h:1",           /* empty password */
	    "socks5://u:p:q@h:1",        /* a raw colon in the password */
	    "socks5://u:p@q@h:1",        /* a raw '@' */
	    "socks5://u%00:p@h:1",       /* NUL */
	    "socks5://u%zz:p@h:1",       /* not hex */
	    "socks5://u%4:p@h:1",        /* truncated escape */
	    "socks5://u:p%@h:1",         /* truncated escape */
	    "socks5://u\x1b:p@h:1",      /* a control character */
	    "socks5://u:p@abc.onion:1",  /* would be looked up locally */
	    "socks5://u:p@ABC.ONION.:1", /* in any spelling */
	};
	struct socks5_proxy p;
	char big[SOCKS5_URL_MAX + 64];
	size_t n;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&p, 0x55, sizeof p);
		assert_int_equal(url(bad[i], &p), ERR_PROXY_URL);
		/* A failed parse leaves nothing behind, password included. */
		assert_int_equal(p.port, 0);
		assert_int_equal(p.user_len, 0);
		assert_int_equal(p.user[0], 0);
		assert_int_equal(p.pass[0], 0);
	}

	/* 255 bytes of username are the most RFC 1929 can carry. */
	memcpy(big, "socks5://", 9);
	n = 9;
	memset(big + n, 'u', SOCKS5_CRED_MAX);
	n += SOCKS5_CRED_MAX;
	memcpy(big + n, ":p@h:1", 7);
	assert_int_equal(url(big, &p), 0);
	assert_int_equal(p.user_len, SOCKS5_CRED_MAX);
	memset(big + 9, 'u', SOCKS5_CRED_MAX + 1);
	memcpy(big + 9 + SOCKS5_CRED_MAX + 1, ":p@h:1", 7);
	assert_int_equal(url(big, &p), ERR_PROXY_URL);

	/* Over the length bound, whatever it holds. */
	memset(big, 'a', sizeof big);
	memcpy(big, "socks5://", 9);
	assert_int_equal(
	    socks5_url_parse(big, SOCKS5_URL_MAX + 1, &p), ERR_PROXY_URL);
}

static void
test_greeting(void **state)
{
	struct socks5 c;

	start(&c, "socks5://127.0.0.1:1", "relay.example");
	assert_int_equal(c.out_len, 3);
	assert_memory_equal(c.out, "\x05\x01\x00", 3);
	start(&c, "socks5://u:p@127.0.0.1:1", "relay.example");
	assert_int_equal(c.out_len, 4);
	assert_memory_equal(c.out, "\x05\x02\x00\x02", 4);
}

static void
test_request_address_types(void **state)
{
	static const uint8_t v4[] = {5, 1, 0, 1, 10, 0, 0, 1, 0x1d, 0x3b};
	static const uint8_t v6[] = {5, 1, 0, 4, 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 0x1d, 0x3b};
	static const uint8_t name[] = {
	    5, 1, 0, 3, 7, 'x', '.', 'o', 'n', 'i', 'o', 'n', 0x1d, 0x3b};
	struct socks5 c;

	start(&c, "socks5://127.0.0.1:1", "10.0.0.1");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), SOCKS5_SEND);
	assert_int_equal(c.out_len, sizeof v4);
	assert_memory_equal(c.out, v4, sizeof v4);

	start(&c, "socks5://127.0.0.1:1", "fe80::1");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), SOCKS5_SEND);
	assert_int_equal(c.out_len, sizeof v6);
	assert_memory_equal(c.out, v6, sizeof v6);

	/* A name, .onion or not, goes as a name: the proxy resolves it. */
	start(&c, "socks5://127.0.0.1:1", "x.onion");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), SOCKS5_SEND);
	assert_int_equal(c.out_len, sizeof name);
	assert_memory_equal(c.out, name, sizeof name);
}

static void
test_host_bounds(void **state)
{
	struct socks5_proxy p;
	struct socks5 c;
	char host[ADDR_HOST_MAX + 2];

	assert_int_equal(url("socks5://127.0.0.1:1", &p), 0);
	memset(host, 'a', sizeof host);
	host[ADDR_HOST_MAX] = '\0';
	assert_int_equal(socks5_start(&c, &p, host, 1), 0);
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), SOCKS5_SEND);
	assert_int_equal(c.out[4], ADDR_HOST_MAX);
	assert_int_equal(c.out_len, 4 + 1 + ADDR_HOST_MAX + 2);
	host[ADDR_HOST_MAX] = 'a';
	host[ADDR_HOST_MAX + 1] = '\0';
	assert_int_equal(socks5_start(&c, &p, host, 1), ERR_TOO_BIG);
	assert_int_equal(socks5_start(&c, &p, "", 1), ERR_TOO_BIG);
}

/* The whole no-auth exchange, one byte per call. */
static void
test_bytewise_no_auth(void **state)
{
	static const uint8_t method[] = {5, 0};
	static const uint8_t v4[] = {5, 0, 0, 1, 127, 0, 0, 1, 0x12, 0x34};
	static const uint8_t v6[] = {5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 1, 0x12, 0x34};
	uint8_t name[4 + 1 + 255 + 2];
	struct socks5 c;
	size_t at;

	start(&c, "socks5://127.0.0.1:1", "relay.example");
	assert_int_equal(
	    feed_bytewise(&c, method, sizeof method, &at), SOCKS5_SEND);
	assert_int_equal(at, sizeof method);
	assert_int_equal(feed_bytewise(&c, v4, sizeof v4, &at), SOCKS5_OPEN);
	assert_int_equal(at, sizeof v4);

	start(&c, "socks5://127.0.0.1:1", "relay.example");
	assert_int_equal(
	    feed_bytewise(&c, method, sizeof method, &at), SOCKS5_SEND);
	assert_int_equal(feed_bytewise(&c, v6, sizeof v6, &at), SOCKS5_OPEN);
	assert_int_equal(at, sizeof v6);

	/* The longest name a reply can hold: skipped, never stored. */
	memset(name, 'n', sizeof name);
	memcpy(name, "\x05\x00\x00\x03\xff", 5);
	start(&c, "socks5://127.0.0.1:1", "relay.example");
	assert_int_equal(
	    feed_bytewise(&c, method, sizeof method, &at), SOCKS5_SEND);
	assert_int_equal(
	    feed_bytewise(&c, name, sizeof name, &at), SOCKS5_OPEN);
	assert_int_equal(at, sizeof name);
}

static void
test_truncated(void **state)
{
	static const uint8_t reply[] = {
	    5, 0, 0, 3, 4, 'a', 'b', 'c', 'd', 0, 80};
	struct socks5 c;

	/* Every strict prefix of a reply asks for more, never opens. */
	for (size_t cut = 0; cut < sizeof reply; cut++) {
		start(&c, "socks5://127.0.0.1:1", "relay.example");
		assert_int_equal(
		    socks5_feed(&c, (const uint8_t *)"\x05", 1), SOCKS5_MORE);
		assert_int_equal(
		    socks5_feed(&c, (const uint8_t *)"\x00", 1), SOCKS5_SEND);
		assert_int_equal(socks5_feed(&c, reply, cut), SOCKS5_MORE);
		assert_int_equal(
		    socks5_feed(&c, reply + cut, sizeof reply - cut),
		    SOCKS5_OPEN);
	}
}

static void
test_auth(void **state)
{
	static const uint8_t auth[] = {
	    1, 5, 'a', 'l', 'i', 'c', 'e', 2, 'p', 'w'};
	struct socks5 c;
	size_t at;

	start(&c, "socks5://alice:pw@127.0.0.1:1", "relay.example");
	assert_int_equal(feed_bytewise(&c, (const uint8_t *)"\x05\x02", 2, &at),
	    SOCKS5_SEND);
	assert_int_equal(c.out_len, sizeof auth);
	assert_memory_equal(c.out, auth, sizeof auth);
	/* The request's copy is wiped once it is handed out. */
	assert_int_equal(c.auth_len, 0);
	assert_int_equal(c.auth[2], 0);
	assert_int_equal(feed_bytewise(&c, (const uint8_t *)"\x01\x00", 2, &at),
	    SOCKS5_SEND);
	assert_int_equal(c.out[0], 5);
	assert_int_equal(c.out[1], 1);
	socks5_release(&c);
	assert_int_equal(c.out_len, 0);
	assert_int_equal(c.out[0], 0);

	/* A proxy may still let us in without: offered, so accepted. */
	start(&c, "socks5://alice:pw@127.0.0.1:1", "relay.example");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), SOCKS5_SEND);
	assert_int_equal(c.out[0], 5);

	start(&c, "socks5://alice:pw@127.0.0.1:1", "relay.example");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x02", 2), SOCKS5_SEND);
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x01\x01", 2), ERR_SOCKS_AUTH);
	/* A failed exchange wipes what it held. */
	assert_int_equal(c.out[2], 0);

	start(&c, "socks5://alice:pw@127.0.0.1:1", "relay.example");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x02", 2), SOCKS5_SEND);
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), ERR_SOCKS_PROTO);
}

static void
test_methods_refused(void **state)
{
	static const char *replies[] = {
	    "\x05\xff", /* no acceptable method */
	    "\x05\x02", /* user/pass, which we did not offer */
	    "\x05\x01", /* GSSAPI */
	    "\x05\x80", /* private */
	};
	struct socks5 c;
	size_t at;

	for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
		start(&c, "socks5://127.0.0.1:1", "relay.example");
		assert_int_equal(
		    feed_bytewise(&c, (const uint8_t *)replies[i], 2, &at),
		    ERR_SOCKS_METHOD);
	}
	start(&c, "socks5://u:p@127.0.0.1:1", "relay.example");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\xff", 2), ERR_SOCKS_METHOD);
}

static void
test_reply_codes(void **state)
{
	static const int want[] = {0, ERR_SOCKS_FAILURE, ERR_SOCKS_DENIED,
	    ERR_SOCKS_NET, ERR_SOCKS_HOST, ERR_SOCKS_REFUSED, ERR_SOCKS_TTL,
	    ERR_SOCKS_COMMAND, ERR_SOCKS_ADDRTYPE};
	uint8_t reply[10] = {5, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	struct socks5 c;
	size_t at;

	for (unsigned rep = 1; rep < 256; rep++) {
		int expect = rep < 9 ? want[rep] : ERR_SOCKS_FAILURE;

		assert_int_equal(socks5_reply_err((uint8_t)rep), expect);
		start(&c, "socks5://127.0.0.1:1", "relay.example");
		assert_int_equal(
		    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2),
		    SOCKS5_SEND);
		reply[1] = (uint8_t)rep;
		/* The error is known from the header, before BND.ADDR. */
		assert_int_equal(
		    feed_bytewise(&c, reply, sizeof reply, &at), expect);
		assert_int_equal(at, 4);
	}
}

static void
test_hostile_replies(void **state)
{
	static const struct {
		const char *method;
		size_t mlen;
		const char *reply;
		size_t len;
	} bad[] = {
	    {"\x04\x00", 2, "", 0},                     /* SOCKS4 version */
	    {"\x00\x00", 2, "", 0},                     /* version 0 */
	    {"\x05\x00", 2, "\x04\x00\x00\x01", 4},     /* reply version */
	    {"\x05\x00", 2, "\x05\x00\x01\x01", 4},     /* RSV not zero */
	    {"\x05\x00", 2, "\x05\x00\x00\x00", 4},     /* ATYP 0 */
	    {"\x05\x00", 2, "\x05\x00\x00\x02", 4},     /* ATYP 2 */
	    {"\x05\x00", 2, "\x05\x00\x00\x05", 4},     /* ATYP 5 */
	    {"\x05\x00", 2, "\x05\x00\x00\xff", 4},     /* ATYP 255 */
	    {"\x05\x00", 2, "\x05\x00\x00\x03\x00", 5}, /* empty name */
	    {"\x05\x00\x05", 3, "", 0},                 /* out of turn */
	    {"\x05\x00", 2, "\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50\x00",
	        11}, /* trailing byte */
	    {"\x05\x00", 2, "\x05\x00\x00\x03\x01x\x00\x50HELLO", 13},
	};
	struct socks5 c;
	int rc;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		start(&c, "socks5://127.0.0.1:1", "relay.example");
		rc = socks5_feed(
		    &c, (const uint8_t *)bad[i].method, bad[i].mlen);
		if (bad[i].len > 0) {
			assert_int_equal(rc, SOCKS5_SEND);
			rc = socks5_feed(
			    &c, (const uint8_t *)bad[i].reply, bad[i].len);
		}
		assert_int_equal(rc, ERR_SOCKS_PROTO);
		/* And the machine stays failed. */
		assert_int_equal(socks5_feed(&c, (const uint8_t *)"\x05", 1),
		    ERR_SOCKS_PROTO);
	}
}

static void
test_nothing_after_open(void **state)
{
	static const uint8_t ok[] = {5, 0, 0, 1, 127, 0, 0, 1, 0, 80};
	struct socks5 c;

	start(&c, "socks5://127.0.0.1:1", "relay.example");
	assert_int_equal(
	    socks5_feed(&c, (const uint8_t *)"\x05\x00", 2), SOCKS5_SEND);
	assert_int_equal(socks5_feed(&c, ok, sizeof ok), SOCKS5_OPEN);
	assert_int_equal(socks5_feed(&c, NULL, 0), SOCKS5_MORE);
	assert_int_equal(socks5_feed(&c, ok, 1), ERR_SOCKS_PROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_forms),
	    cmocka_unit_test(test_url_rejects),
	    cmocka_unit_test(test_greeting),
	    cmocka_unit_test(test_request_address_types),
	    cmocka_unit_test(test_host_bounds),
	    cmocka_unit_test(test_bytewise_no_auth),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_methods_refused),
	    cmocka_unit_test(test_reply_codes),
	    cmocka_unit_test(test_hostile_replies),
	    cmocka_unit_test(test_nothing_after_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
