/* SPDX-License-Identifier: ISC */
/*
 * The configuration file parser and loader: every key, every bound at and
 * one past its edge, every kind of error, and the loader's refusals.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "common/err.h"
#include "relay/config.h"
#include "tests/unit/cm.h"

#define TOKEN16 "AAECAwQFBgcICQoLDA0ODw"

struct bound {
	const char *key;
	unsigned long long min, max;
	const char *partner; /* keeps the cross-key rules satisfied */
};

static const struct bound bounds[] = {
    {"max-connections", 1, 1000000, NULL},
    {"max-connections-per-address", 1, 1000000, NULL},
    {"handshake-timeout", 1, 3600000, NULL},
    {"idle-timeout", 1, 86400000, NULL},
    {"queue-max", 65536, 1073741824, NULL},
    {"frame-max", 1024, 65535, NULL},
    {"rate", 1, 1000000, NULL},
    {"rate-burst", 1, 10000000, NULL},
    {"max-subscriptions", 1, 65536, NULL},
    {"room-keep-count", 1, 100000000, "room-keep-count-max = 100000000\n"},
    {"room-keep-count-max", 1, 100000000, "room-keep-count = 1\n"},
    {"room-keep-age", 60, 315360000, "room-keep-age-max = 315360000\n"},
    {"room-keep-age-max", 60, 315360000, "room-keep-age = 60\n"},
    {"page-max", 1, 4096, NULL},
    {"mailbox-ttl", 60, 31536000, NULL},
    {"mailbox-quota-count", 1, 1000000, NULL},
    {"mailbox-quota-bytes", 65536, 17179869184ull, NULL},
    {"prekeys-max", 1, 10000, NULL},
    {"escrow-max-delay", 60, 31536000, NULL},
    {"escrow-max", 1, 10000000, NULL},
};

/* Every key, for checking the documentation's lists. */
static const char *const keys[] = {"listen", "max-connections",
    "max-connections-per-address", "handshake-timeout", "idle-timeout",
    "queue-max", "frame-max", "rate", "rate-burst", "max-subscriptions",
    "room-create", "operator-token", "room-keep-count", "room-keep-count-max",
    "room-keep-age", "room-keep-age-max", "page-max", "mailbox-ttl",
    "mailbox-quota-count", "mailbox-quota-bytes", "prekeys-max",
    "escrow-max-delay", "escrow-max", "sync", "log-level"};

#define NKEYS (sizeof keys / sizeof keys[0])
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

/* One key as a document describes it. */
struct doc_key {
	char key[48];
	char def[48]; /* "" if the document gives none */
	unsigned long long min, max;
	bool has_bounds;
};

/* Parses text on top of the defaults; returns the code, err filled. */
static int
parse(struct relay_config *cfg, const char *text, char *err, size_t errlen)
{
	relay_config_defaults(cfg);
	return relay_config_parse(cfg, text, strlen(text), err, errlen);
}

/* Parses text that must fail; checks the message and that cfg kept. */
static void
expect_error(const char *text, size_t len, const char *want)
{
	struct relay_config cfg, before;
	char err[512];

	relay_config_defaults(&cfg);
	before = cfg;
	assert_int_equal(
	    relay_config_parse(&cfg, text, len, err, sizeof err), ERR_CONFIG);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
	assert_memory_equal(&cfg, &before, sizeof cfg);
}

static void
test_empty_text_keeps_defaults(void **state)
{
	struct relay_config cfg, def;
	char err[256];

	relay_config_defaults(&def);
	assert_int_equal(parse(&cfg, "", err, sizeof err), 0);
	assert_memory_equal(&cfg, &def, sizeof cfg);
	assert_int_equal(
	    parse(&cfg, "\n\n# only a comment\n  \n", err, sizeof err), 0);
	assert_memory_equal(&cfg, &def, sizeof cfg);
}

static void
test_every_key_accepted(void **state)
{
	static const char text[] = "listen = [::1]:9000\n"
	                           "max-connections = 10\n"
	                           "max-connections-per-address = 2\n"
	                           "handshake-timeout = 500\n"
	                           "idle-timeout = 600\n"
	                           "queue-max = 70000\n"
	                           "frame-max = 2048\n"
	                           "rate = 7\n"
	                           "rate-burst = 8\n"
	                           "max-subscriptions = 9\n"
	                           "room-create = token\n"
	                           "operator-token = " TOKEN16 "\n"
	                           "room-keep-count = 11\n"
	                           "room-keep-count-max = 12\n"
	                           "room-keep-age = 130\n"
	                           "room-keep-age-max = 140\n"
	                           "page-max = 15\n"
	                           "mailbox-ttl = 160\n"
	                           "mailbox-quota-count = 17\n"
	                           "mailbox-quota-bytes = 180000\n"
	                           "prekeys-max = 19\n"
	                           "escrow-max-delay = 200\n"
	                           "escrow-max = 21\n"
	                           "sync = normal\n"
	                           "log-level = debug\n";
	struct relay_config cfg;
	char err[256];

	assert_int_equal(parse(&cfg, text, err, sizeof err), 0);
	assert_string_equal(cfg.host, "::1");
	assert_int_equal(cfg.port, 9000);
	assert_int_equal(cfg.max_conns, 10);
	assert_int_equal(cfg.max_conns_per_addr, 2);
	assert_int_equal(cfg.limits.handshake_ms, 500);
	assert_int_equal(cfg.limits.idle_ms, 600);
	assert_int_equal(cfg.limits.queue_max, 70000);
	assert_int_equal(cfg.frame_max, 2048);
	assert_int_equal(cfg.rate_per_s, 7);
	assert_int_equal(cfg.rate_burst, 8);
	assert_int_equal(cfg.max_subs, 9);
	assert_int_equal(cfg.room_create, RELAY_ROOM_CREATE_TOKEN);
	assert_int_equal(cfg.token_len, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(cfg.token[i], i);
	assert_int_equal(cfg.room_keep_count, 11);
	assert_int_equal(cfg.room_keep_count_max, 12);
	assert_int_equal(cfg.room_keep_age_s, 130);
	assert_int_equal(cfg.room_keep_age_max_s, 140);
	assert_int_equal(cfg.page_max, 15);
	assert_int_equal(cfg.mbox_ttl_s, 160);
	assert_int_equal(cfg.mbox_quota_count, 17);
	assert_int_equal(cfg.mbox_quota_bytes, 180000);
	assert_int_equal(cfg.otk_max, 19);
	assert_int_equal(cfg.escrow_max_s, 200);
	assert_int_equal(cfg.escrow_max, 21);
	assert_false(cfg.sync_full);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	/* The other values of the enumerated keys. */
	assert_int_equal(parse(&cfg,
	                     "room-create = anyone\nsync = full\n"
	                     "log-level = warn\n",
	                     err, sizeof err),
	    0);
	assert_int_equal(cfg.room_create, RELAY_ROOM_CREATE_ANYONE);
	assert_true(cfg.sync_full);
	assert_int_equal(cfg.log_level, LOG_WARN);
}

static void
test_bounds_exact_and_one_past(void **state)
{
	struct relay_config cfg;
	char text[256], err[256];

	for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
		const struct bound *b = &bounds[i];
		const char *p = b->partner != NULL ? b->partner : "";

		snprintf(text, sizeof text, "%s%s = %llu\n", p, b->key, b->min);
		if (parse(&cfg, text, err, sizeof err) != 0)
			fail_msg("%s at min: %s", b->key, err);
		snprintf(text, sizeof text, "%s%s = %llu\n", p, b->key, b->max);
		if (parse(&cfg, text, err, sizeof err) != 0)
			fail_msg("%s at max: %s", b->key, err);
		snprintf(
		    text, sizeof text, "%s%s = %llu\n", p, b->key, b->max + 1);
		assert_int_equal(
		    parse(&cfg, text, err, sizeof err), ERR_CONFIG);
		assert_non_null(strstr(err, b->key));
		assert_non_null(strstr(err, "is not a number from"));
		snprintf(
		    text, sizeof text, "%s%s = %llu\n", p, b->key, b->min - 1);
		assert_int_equal(
		    parse(&cfg, text, err, sizeof err), ERR_CONFIG);
	}
	/* The exact edges land in the fields. */
	assert_int_equal(parse(&cfg, "frame-max = 1024\nqueue-max = 1073741824",
	                     err, sizeof err),
	    0);
	assert_int_equal(cfg.frame_max, 1024);
	assert_int_equal(cfg.limits.queue_max, 1073741824);
	assert_int_equal(
	    parse(&cfg, "mailbox-quota-bytes = 17179869184", err, sizeof err),
	    0);
	assert_int_equal(cfg.mbox_quota_bytes, 17179869184ull);
}

static void
test_numbers_are_plain_digits(void **state)
{
	static const char *const bad[] = {"rate = -1", "rate = +1",
	    "rate = 0x10", "rate = 1e3", "rate = 12x", "rate = 1 2",
	    "rate = 99999999999999999999", "rate = 999999999999999999999",
	    "rate = 18446744073709551616"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_error(bad[i], strlen(bad[i]),
		    "relay.conf line 1: rate is not a number from 1 to "
		    "1000000");
}

static void
test_enumerated_values(void **state)
{
	expect_error("sync = fast", 11,
	    "relay.conf line 1: sync is not one of full, normal");
	expect_error("room-create = Anyone", 20,
	    "room-create is not one of anyone, token");
	expect_error("log-level = verbose", 19,
	    "log-level is not one of error, warn, info, debug");
	expect_error("log-level = debugdebug", 22, "log-level is not one");
	expect_error("listen = localhost:80:1", 23, "listen is not HOST:PORT");
}

static void
test_syntax_errors(void **state)
{
	static const char dup[] = "rate = 5\n\nrate = 6\n";
	static const char unknown[] = "rate = 5\nbogus-key = 1\n";

	expect_error(unknown, sizeof unknown - 1,
	    "relay.conf line 2: unknown key 'bogus-key'");
	/* Flags' spelling is not a key. */
	expect_error("--rate = 5", 10, "line 1: unknown key '--rate'");
	expect_error("Rate = 5", 8, "line 1: unknown key");
	expect_error(dup, sizeof dup - 1,
	    "relay.conf line 3: duplicate key 'rate' (first set on line 1)");
	expect_error(
	    "\nrate 5\n", 8, "relay.conf line 2: expected 'key = value'");
	expect_error(
	    "rate =\n", 7, "relay.conf line 1: empty value for 'rate'");
	expect_error(
	    "rate =   # nothing\n", 19, "line 1: empty value for 'rate'");
	expect_error(" = 5\n", 5, "relay.conf line 1: missing key before '='");
}

static void
test_comments_whitespace_crlf(void **state)
{
	static const char text[] = "# relay.conf\r\n"
	                           "\r\n"
	                           "   # indented comment\r\n"
	                           "\tidle-timeout\t=\t1234   # ms\r\n"
	                           "rate=5\r\n"
	                           "page-max = 7";
	struct relay_config cfg;
	char err[256];

	assert_int_equal(parse(&cfg, text, err, sizeof err), 0);
	assert_int_equal(cfg.limits.idle_ms, 1234);
	assert_int_equal(cfg.rate_per_s, 5);
	assert_int_equal(cfg.page_max, 7);
	/* A '#' inside a value does not start a comment. */
	expect_error("log-level = info#x\n", 19, "log-level is not one of");
	expect_error("rate = 5#6\n", 11, "rate is not a number");
}

static void
test_line_length(void **state)
{
	char text[RELAY_CONFIG_LINE_MAX + 8];
	struct relay_config cfg;
	char err[256];

	/* Exactly RELAY_CONFIG_LINE_MAX bytes, then with CRLF: accepted. */
	memset(text, ' ', sizeof text);
	text[0] = '#';
	text[RELAY_CONFIG_LINE_MAX] = '\n';
	relay_config_defaults(&cfg);
	assert_int_equal(relay_config_parse(&cfg, text,
	                     RELAY_CONFIG_LINE_MAX + 1, err, sizeof err),
	    0);
	text[RELAY_CONFIG_LINE_MAX] = '\r';
	text[RELAY_CONFIG_LINE_MAX + 1] = '\n';
	assert_int_equal(relay_config_parse(&cfg, text,
	                     RELAY_CONFIG_LINE_MAX + 2, err, sizeof err),
	    0);
	/* One byte more: refused, with or without a newline. */
	text[RELAY_CONFIG_LINE_MAX] = ' ';
	expect_error(text, RELAY_CONFIG_LINE_MAX + 1,
	    "relay.conf line 1: line is longer than 1024 bytes");
	text[RELAY_CONFIG_LINE_MAX + 1] = '\n';
	expect_error(text, RELAY_CONFIG_LINE_MAX + 2, "line is longer");
}

static void
test_nul_and_utf8(void **state)
{
	static const char nul[] = "rate = 5\n# a\0b\n";
	static const char bad[] = "rate = 5\n# caf\xc3\n";
	static const char overlong[] = "# \xc0\xaf\n";
	static const char good[] = "# caf\xc3\xa9 \xe2\x80\x94 ok\n";
	struct relay_config cfg;
	char err[256];

	expect_error(nul, sizeof nul - 1, "relay.conf line 2: NUL byte");
	expect_error(bad, sizeof bad - 1, "relay.conf line 2: invalid UTF-8");
	expect_error(overlong, sizeof overlong - 1, "line 1: invalid UTF-8");
	assert_int_equal(parse(&cfg, good, err, sizeof err), 0);
}

static void
test_text_size_limit(void **state)
{
	char *text = malloc(RELAY_CONFIG_FILE_MAX + 1);
	struct relay_config cfg;
	char err[256];

	assert_non_null(text);
	memset(text, '\n', RELAY_CONFIG_FILE_MAX + 1);
	relay_config_defaults(&cfg);
	assert_int_equal(relay_config_parse(&cfg, text, RELAY_CONFIG_FILE_MAX,
	                     err, sizeof err),
	    0);
	expect_error(text, RELAY_CONFIG_FILE_MAX + 1,
	    "relay.conf is larger than 65536 bytes");
	free(text);
}

static void
test_operator_token(void **state)
{
	static const char *const bad[] = {
	    "operator-token = AAAAAAAAAAAAAAAAAAAA",     /* 15 bytes */
	    "operator-token = AAAAAAAAAAAAAAAAAAAAAA==", /* padded */
	    "operator-token = AAAAAAAAAAAAAAAAAAAAAB",   /* stray bits */
	    "operator-token = AAAAAAAAAAAAAAAAAAAAA+",   /* not base64url */
	    ("operator-token = "
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), /* 65 bytes */
	};
	char text[256], err[256];
	struct relay_config cfg;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_error(bad[i], strlen(bad[i]),
		    "relay.conf line 1: operator-token is not 16 to 64 bytes");
		assert_int_equal(
		    parse(&cfg, bad[i], err, sizeof err), ERR_CONFIG);
		/* The message never quotes the value. */
		assert_null(strstr(err, "AAAA"));
	}
	/* 64 bytes: the most. */
	memset(text, 0, sizeof text);
	memcpy(text, "operator-token = ", 17);
	memset(text + 17, '_', 86);
	assert_int_equal(parse(&cfg, text, err, sizeof err), ERR_CONFIG);
	text[17 + 85] = 'w'; /* last character's low 4 bits must be zero */
	assert_int_equal(parse(&cfg, text, err, sizeof err), 0);
	assert_int_equal(cfg.token_len, 64);
	assert_int_equal(cfg.token[0], 0xff);
	/* A duplicate token line names the key, not the value. */
	assert_int_equal(
	    parse(&cfg,
	        "operator-token = " TOKEN16 "\noperator-token = " TOKEN16 "\n",
	        err, sizeof err),
	    ERR_CONFIG);
	assert_null(strstr(err, TOKEN16));
	assert_non_null(strstr(err, "duplicate key 'operator-token'"));
	/* A token pasted without its key is not quoted either. */
	assert_int_equal(
	    parse(&cfg, TOKEN16 "\n", err, sizeof err), ERR_CONFIG);
	assert_null(strstr(err, "AAEC"));
	assert_int_equal(parse(&cfg, TOKEN16 "AAAAAAAAAAAAAAAAAAAAAAAA = 1\n",
	                     err, sizeof err),
	    ERR_CONFIG);
	assert_string_equal(err, "relay.conf line 1: unknown key");
}

static void
test_cross_key_rules(void **state)
{
	static const char count[] = "room-keep-count = 50\n"
	                            "# later\n"
	                            "room-keep-count-max = 40\n";
	static const char age_default[] = "room-keep-age = 315360000\n";
	static const char token[] = "room-create = token\n";

	expect_error(count, sizeof count - 1,
	    "relay.conf line 3: room-keep-count is larger than "
	    "room-keep-count-max");
	expect_error(age_default, sizeof age_default - 1,
	    "relay.conf line 1: room-keep-age is larger than "
	    "room-keep-age-max");
	expect_error(token, sizeof token - 1,
	    "relay.conf line 1: room-create = token needs an operator-token");
}

static void
test_error_keeps_config(void **state)
{
	static const char text[] = "rate = 5\n"
	                           "operator-token = " TOKEN16 "\n"
	                           "listen = 10.0.0.1:1\n"
	                           "sync = sometimes\n";
	struct relay_config cfg, before;
	char err[256];

	relay_config_defaults(&cfg);
	assert_int_equal(
	    relay_config_parse(&cfg, "page-max = 3", 12, err, sizeof err), 0);
	before = cfg;
	assert_int_equal(
	    relay_config_parse(&cfg, text, sizeof text - 1, err, sizeof err),
	    ERR_CONFIG);
	assert_memory_equal(&cfg, &before, sizeof cfg);
	assert_non_null(strstr(err, "line 4"));
	/* A NULL err with no room is allowed. */
	assert_int_equal(
	    relay_config_parse(&cfg, text, sizeof text - 1, NULL, 0),
	    ERR_CONFIG);
	assert_memory_equal(&cfg, &before, sizeof cfg);
}

static void
test_set_and_check(void **state)
{
	struct relay_config cfg, before;
	char err[256];

	relay_config_defaults(&cfg);
	assert_int_equal(
	    relay_config_set(&cfg, "idle-timeout", "77", 2, err, sizeof err),
	    0);
	assert_int_equal(cfg.limits.idle_ms, 77);
	before = cfg;
	assert_int_equal(
	    relay_config_set(&cfg, "idle-timeout", "0", 1, err, sizeof err),
	    ERR_CONFIG);
	assert_string_equal(
	    err, "idle-timeout is not a number from 1 to 86400000");
	assert_int_equal(
	    relay_config_set(&cfg, "nope", "1", 1, err, sizeof err),
	    ERR_CONFIG);
	assert_string_equal(err, "unknown key 'nope'");
	assert_memory_equal(&cfg, &before, sizeof cfg);
	/* Flags may break a rule the file kept; the caller checks after. */
	assert_int_equal(relay_config_set(&cfg, "room-keep-count-max", "5", 1,
	                     err, sizeof err),
	    0);
	assert_int_equal(relay_config_check(&cfg, err, sizeof err), ERR_CONFIG);
	assert_string_equal(
	    err, "room-keep-count is larger than room-keep-count-max");
	relay_config_defaults(&cfg);
	assert_int_equal(relay_config_check(&cfg, err, sizeof err), 0);
}

/* A scratch folder for the loader's files; removed by the test. */
static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/test-config.XXXXXX", path[128], link[128], fifo[128],
	     err[512];
	struct relay_config cfg, def;
	int fd;

	relay_config_defaults(&def);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/relay.conf", dir);
	snprintf(link, sizeof link, "%s/link.conf", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo.conf", dir);

	/* Missing: fine unless asked for. */
	cfg = def;
	assert_int_equal(
	    relay_config_load(&cfg, path, false, err, sizeof err), 0);
	assert_memory_equal(&cfg, &def, sizeof cfg);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), UV_ENOENT);
	assert_non_null(strstr(err, path));

	/* A plain file; readable by others is fine without a token. */
	write_file(path, "idle-timeout = 4321\n", 0644);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), 0);
	assert_int_equal(cfg.limits.idle_ms, 4321);

	/* Errors name the file and the line. */
	write_file(path, "\nrate = many\n", 0600);
	cfg = def;
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), ERR_CONFIG);
	assert_non_null(strstr(err, "relay.conf line 2: rate is not"));
	assert_memory_equal(&cfg, &def, sizeof cfg);

	/* A token needs mode 0600. */
	write_file(path, "operator-token = " TOKEN16 "\n", 0640);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), ERR_CONFIG);
	assert_non_null(strstr(err, "must be mode 0600"));
	assert_null(strstr(err, TOKEN16));
	assert_memory_equal(&cfg, &def, sizeof cfg);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), ERR_CONFIG);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), 0);
	assert_int_equal(cfg.token_len, 16);

	/* Symbolic links are refused, even to a good file. */
	cfg = def;
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(
	    relay_config_load(&cfg, link, true, err, sizeof err), ERR_CONFIG);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(
	    relay_config_load(&cfg, link, false, err, sizeof err), ERR_CONFIG);
	assert_memory_equal(&cfg, &def, sizeof cfg);

	/* Not a regular file: a folder, a FIFO (without hanging). */
	assert_int_equal(
	    relay_config_load(&cfg, dir, true, err, sizeof err), ERR_CONFIG);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(
	    relay_config_load(&cfg, fifo, true, err, sizeof err), ERR_CONFIG);
	assert_non_null(strstr(err, "not a regular file"));

	/* Too big: refused by its size, exactly at the limit accepted. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, RELAY_CONFIG_FILE_MAX + 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), ERR_CONFIG);
	assert_non_null(strstr(err, "is larger than 65536 bytes"));
	write_file(path, "", 0600);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	for (int i = 0; i < RELAY_CONFIG_FILE_MAX / 8; i++)
		assert_int_equal(write(fd, "#......\n", 8), 8);
	assert_int_equal(close(fd), 0);
	assert_int_equal(
	    relay_config_load(&cfg, path, true, err, sizeof err), 0);
	assert_memory_equal(&cfg, &def, sizeof cfg);

	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Reads a whole file under $HEARTH_SOURCE; the caller frees it. */
static char *
read_source(const char *rel)
{
	const char *root = getenv("HEARTH_SOURCE");
	char path[1024];
	char *text = malloc(256 * 1024);
	FILE *f;
	size_t n;

	assert_non_null(root);
	assert_non_null(text);
	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	n = fread(text, 1, 256 * 1024 - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/* Fills d's default and bounds from its description: "Default X; A to B". */
static void
doc_scan(struct doc_key *d, const char *par)
{
	const char *p = strstr(par, "Default ");
	char *end;
	size_t n = 0;

	if (p != NULL) {
		p += strlen("Default ");
		p += strspn(p, " ");
		while (p[n] != '\0' && p[n] != ' ' && p[n] != ';' &&
		       p[n] != '(' && n < sizeof d->def - 1)
			n++;
		if (n > 0 && p[n - 1] == '.')
			n--;
		memcpy(d->def, p, n);
		d->def[n] = '\0';
	}
	for (p = strstr(par, "; "); p != NULL; p = strstr(p + 1, "; ")) {
		if (p[2] < '0' || p[2] > '9')
			continue;
		d->min = strtoull(p + 2, &end, 10);
		assert_int_equal(strncmp(end, " to ", 4), 0);
		d->max = strtoull(end + 4, &end, 10);
		d->has_bounds = true;
		break;
	}
}

/* The settings list of man/hearth-relay.8: ".It Cm KEY No = ..." entries. */
static size_t
doc_man(struct doc_key *out, size_t cap)
{
	char *text = read_source("man/hearth-relay.8"), *line, *nl;
	char par[2048] = "";
	struct doc_key *d = NULL;
	size_t n = 0;

	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (strncmp(line, ".It", 3) == 0 ||
		    strncmp(line, ".El", 3) == 0) {
			if (d != NULL)
				doc_scan(d, par);
			d = NULL;
			par[0] = '\0';
		}
		if (strncmp(line, ".It Cm ", 7) == 0 &&
		    strstr(line, " No = ") != NULL) {
			assert_true(n < cap);
			d = &out[n++];
			memset(d, 0, sizeof *d);
			snprintf(d->key, sizeof d->key, "%.*s",
			    (int)strcspn(line + 7, " "), line + 7);
			continue;
		}
		if (d == NULL)
			continue;
		/* Drop a line's macro name; keep its words. */
		if (line[0] == '.')
			line += strcspn(line, " ");
		strncat(par, " ", sizeof par - strlen(par) - 1);
		strncat(par, line, sizeof par - strlen(par) - 1);
	}
	free(text);
	return n;
}

/* The table of docs/operating.md: "| `KEY` | `DEFAULT` | A to B | ...". */
static size_t
doc_markdown(struct doc_key *out, size_t cap)
{
	char *text = read_source("docs/operating.md"), *line, *nl, *cell[5];
	struct doc_key *d;
	size_t n = 0, len;

	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (strncmp(line, "| `", 3) != 0)
			continue;
		cell[0] = line + 1;
		for (int i = 1; i < 5; i++) {
			cell[i] = strchr(cell[i - 1], '|');
			assert_non_null(cell[i]);
			*cell[i]++ = '\0';
		}
		assert_true(n < cap);
		d = &out[n++];
		memset(d, 0, sizeof *d);
		len = strcspn(cell[0] + 2, "`");
		snprintf(d->key, sizeof d->key, "%.*s", (int)len, cell[0] + 2);
		if (strncmp(cell[1], " `", 2) == 0) {
			len = strcspn(cell[1] + 2, "`");
			snprintf(d->def, sizeof d->def, "%.*s", (int)len,
			    cell[1] + 2);
		}
		if (cell[2][1] >= '0' && cell[2][1] <= '9') {
			char par[64];

			snprintf(par, sizeof par, ";%s", cell[2]);
			doc_scan(d, par);
			assert_true(d->has_bounds);
		}
	}
	free(text);
	return n;
}

/* The documented defaults are the code's, and bounds match the table. */
static void
check_doc(const struct doc_key *d, size_t n, const char *what)
{
	struct relay_config cfg, def;
	char text[4096] = "", line[128], err[256];
	size_t nbounds = 0, ndefs = 0;

	if (n != NKEYS)
		fail_msg("%s lists %zu settings, not %zu", what, n, NKEYS);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].key, keys[i]) != 0)
			fail_msg("%s: '%s' where '%s' belongs", what, d[i].key,
			    keys[i]);
		if (d[i].def[0] != '\0') {
			snprintf(
			    line, sizeof line, "%s = %s\n", d[i].key, d[i].def);
			strncat(text, line, sizeof text - strlen(text) - 1);
			ndefs++;
		}
		if (!d[i].has_bounds)
			continue;
		nbounds++;
		for (size_t j = 0; j < NBOUNDS; j++) {
			if (strcmp(bounds[j].key, d[i].key) != 0)
				continue;
			if (bounds[j].min != d[i].min ||
			    bounds[j].max != d[i].max)
				fail_msg("%s: %s bounds %llu to %llu", what,
				    d[i].key, d[i].min, d[i].max);
		}
	}
	assert_int_equal(nbounds, NBOUNDS);
	assert_int_equal(ndefs, NKEYS - 1); /* all but operator-token */
	/* Applying the documented defaults changes nothing. */
	relay_config_defaults(&def);
	if (parse(&cfg, text, err, sizeof err) != 0)
		fail_msg("%s defaults: %s", what, err);
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof line, "%s = %s\n", d[i].key, d[i].def);
		if (d[i].def[0] != '\0' &&
		    (parse(&cfg, line, err, sizeof err) != 0 ||
		        memcmp(&cfg, &def, sizeof cfg) != 0))
			fail_msg("%s: %s's default is not the code's", what,
			    d[i].key);
	}
}

static void
test_documented_defaults_and_bounds(void **state)
{
	struct doc_key d[NKEYS + 4];

	check_doc(d, doc_man(d, NKEYS + 4), "man/hearth-relay.8");
	check_doc(d, doc_markdown(d, NKEYS + 4), "docs/operating.md");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_text_keeps_defaults),
	    cmocka_unit_test(test_every_key_accepted),
	    cmocka_unit_test(test_bounds_exact_and_one_past),
	    cmocka_unit_test(test_numbers_are_plain_digits),
	    cmocka_unit_test(test_enumerated_values),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_comments_whitespace_crlf),
	    cmocka_unit_test(test_line_length),
	    cmocka_unit_test(test_nul_and_utf8),
	    cmocka_unit_test(test_text_size_limit),
	    cmocka_unit_test(test_operator_token),
	    cmocka_unit_test(test_cross_key_rules),
	    cmocka_unit_test(test_error_keeps_config),
	    cmocka_unit_test(test_set_and_check),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_documented_defaults_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
