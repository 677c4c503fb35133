/* SPDX-License-Identifier: ISC */
/*
 * The relay's settings, their defaults and their bounds, and the parser of
 * the configuration file. One table lists every key with its kind and
 * bounds, so the file and the command line (which uses the same names)
 * accept exactly the same values. The parser works on a copy and only
 * writes the caller's settings once the whole text is valid, and its
 * messages name keys and line numbers but never quote a value: a value may
 * be the operator token.
 */
#include "relay/config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/err.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

/* Longest operator token in base64url without padding: 64 bytes. */
#define RELAY_CONFIG_TOKEN_B64_MAX 86
/* Longest decimal number accepted: UINT64_MAX has 20 digits. */
#define RELAY_CONFIG_NUM_DIGITS 20
/* Longest unknown key quoted back in a message. */
#define RELAY_CONFIG_QUOTE_MAX 32

enum relay_config_kind {
	RELAY_CONFIG_NUM,
	RELAY_CONFIG_LISTEN,
	RELAY_CONFIG_ROOM_CREATE,
	RELAY_CONFIG_TOKEN,
	RELAY_CONFIG_SYNC,
	RELAY_CONFIG_LOG_LEVEL,
};

struct relay_config_key {
	const char *name;
	enum relay_config_kind kind;
	size_t off;  /* RELAY_CONFIG_NUM: offset of the field */
	size_t size; /* RELAY_CONFIG_NUM: 4 or 8 bytes */
	uint64_t min, max;
};

#define RELAY_CONFIG_FIELD(f)                                                  \
	offsetof(struct relay_config, f), sizeof(((struct relay_config *)0)->f)
#define RELAY_CONFIG_OTHER(kind) kind, 0, 0, 0, 0

/*
 * Number fields are 4 or 8 bytes: unsigned and uint32_t, or uint64_t and
 * size_t (4 bytes on 32-bit boards, so the bounds of size_t keys stay
 * under 2^32).
 */
_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "unsigned is 32 bits");

/*
 * Every key, in the order of man/hearth-relay.8 and docs/operating.md.
 * The bounds keep a typo from making a relay that cannot work (a zero
 * timeout, a frame too small for a handshake) or one that a single client
 * can exhaust; they are far from any value a group would need.
 */
static const struct relay_config_key relay_config_keys[] = {
    {"listen", RELAY_CONFIG_OTHER(RELAY_CONFIG_LISTEN)},
    {"max-connections", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(max_conns), 1,
        1000000},
    {"max-connections-per-address", RELAY_CONFIG_NUM,
        RELAY_CONFIG_FIELD(max_conns_per_addr), 1, 1000000},
    {"handshake-timeout", RELAY_CONFIG_NUM,
        RELAY_CONFIG_FIELD(limits.handshake_ms), 1, 3600000},
    {"idle-timeout", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(limits.idle_ms), 1,
        86400000},
    {"queue-max", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(limits.queue_max), 65536,
        1073741824},
    {"frame-max", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(frame_max), 1024, 65535},
    {"rate", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(rate_per_s), 1, 1000000},
    {"rate-burst", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(rate_burst), 1,
        10000000},
    {"max-subscriptions", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(max_subs), 1,
        65536},
    {"room-create", RELAY_CONFIG_OTHER(RELAY_CONFIG_ROOM_CREATE)},
    {"operator-token", RELAY_CONFIG_OTHER(RELAY_CONFIG_TOKEN)},
    {"room-keep-count", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(room_keep_count),
        1, 100000000},
    {"room-keep-count-max", RELAY_CONFIG_NUM,
        RELAY_CONFIG_FIELD(room_keep_count_max), 1, 100000000},
    {"room-keep-age", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(room_keep_age_s), 60,
        315360000},
    {"room-keep-age-max", RELAY_CONFIG_NUM,
        RELAY_CONFIG_FIELD(room_keep_age_max_s), 60, 315360000},
    {"page-max", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(page_max), 1, 4096},
    {"mailbox-ttl", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(mbox_ttl_s), 60,
        31536000},
    {"mailbox-quota-count", RELAY_CONFIG_NUM,
        RELAY_CONFIG_FIELD(mbox_quota_count), 1, 1000000},
    {"mailbox-quota-bytes", RELAY_CONFIG_NUM,
        RELAY_CONFIG_FIELD(mbox_quota_bytes), 65536, 17179869184ull},
    {"prekeys-max", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(otk_max), 1, 10000},
    {"escrow-max-delay", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(escrow_max_s), 60,
        31536000},
    {"escrow-max", RELAY_CONFIG_NUM, RELAY_CONFIG_FIELD(escrow_max), 1,
        10000000},
    {"sync", RELAY_CONFIG_OTHER(RELAY_CONFIG_SYNC)},
    {"log-level", RELAY_CONFIG_OTHER(RELAY_CONFIG_LOG_LEVEL)},
};

#define RELAY_CONFIG_NKEYS                                                     \
	(sizeof relay_config_keys / sizeof relay_config_keys[0])

/* The settings no single key can check, each naming the keys involved. */
struct relay_config_rule {
	const char *a, *b;
	const char *msg;
};

static const struct relay_config_rule relay_config_rules[] = {
    {"room-keep-count", "room-keep-count-max",
        "room-keep-count is larger than room-keep-count-max"},
    {"room-keep-age", "room-keep-age-max",
        "room-keep-age is larger than room-keep-age-max"},
    {"room-create", "operator-token",
        "room-create = token needs an operator-token"},
};

static void relay_config_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void
relay_config_defaults(struct relay_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	memcpy(cfg->host, "127.0.0.1", sizeof "127.0.0.1");
	cfg->port = ADDR_DEFAULT_PORT;
	cfg->ready_fd = -1;
	cfg->max_conns = 4096;
	cfg->max_conns_per_addr = 64;
	cfg->limits.handshake_ms = 10 * 1000;
	cfg->limits.idle_ms = 5 * 60 * 1000;
	cfg->limits.queue_max = 4 * 1024 * 1024;
	cfg->frame_max = 65535;
	cfg->rate_per_s = 1000;
	cfg->rate_burst = 4000;
	cfg->max_subs = 64;
	cfg->room_create = RELAY_ROOM_CREATE_ANYONE;
	cfg->room_keep_count = 1000;
	cfg->room_keep_count_max = 100000;
	cfg->room_keep_age_s = 7 * 86400;
	cfg->room_keep_age_max_s = 90 * 86400;
	cfg->page_max = 256;
	cfg->mbox_ttl_s = 30 * 86400;
	cfg->mbox_quota_count = 5000;
	cfg->mbox_quota_bytes = 64 * 1024 * 1024;
	cfg->otk_max = 200;
	cfg->escrow_max_s = 7 * 86400;
	cfg->escrow_max = 100000;
	cfg->sync_full = true;
	cfg->log_level = LOG_INFO;
}

static void
relay_config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(err, errlen, fmt, ap);
#pragma GCC diagnostic pop
	va_end(ap);
}

static bool
relay_config_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Narrows s[0..*len) to drop whitespace on both sides. */
static const char *
relay_config_trim(const char *s, size_t *len)
{
	while (*len > 0 && relay_config_space(s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && relay_config_space(s[*len - 1]))
		(*len)--;
	return s;
}

static bool
relay_config_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int
relay_config_find(const char *key, size_t len)
{
	for (size_t i = 0; i < RELAY_CONFIG_NKEYS; i++)
		if (relay_config_is(key, len, relay_config_keys[i].name))
			return (int)i;
	return -1;
}

/* Quotes an unknown key only if it looks like one, never a stray secret. */
static void
relay_config_unknown(const char *key, size_t len, char *err, size_t errlen)
{
	bool plain = len > 0 && len <= RELAY_CONFIG_QUOTE_MAX;

	for (size_t i = 0; plain && i < len; i++)
		plain = (key[i] >= 'a' && key[i] <= 'z') ||
		        (key[i] >= '0' && key[i] <= '9') || key[i] == '-';
	if (plain)
		relay_config_error(
		    err, errlen, "unknown key '%.*s'", (int)len, key);
	else
		relay_config_error(err, errlen, "unknown key");
}

static int
relay_config_number(struct relay_config *cfg, const struct relay_config_key *k,
    const char *v, size_t len, char *err, size_t errlen)
{
	char digits[RELAY_CONFIG_NUM_DIGITS + 1];
	unsigned long long n;
	uint32_t n32;
	uint64_t n64;
	char *end = NULL;

	/* strtoull would take a sign, spaces or "0x"; only digits are asked. */
	if (len == 0 || len > RELAY_CONFIG_NUM_DIGITS)
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			goto bad;
	memcpy(digits, v, len);
	digits[len] = '\0';
	errno = 0;
	n = strtoull(digits, &end, 10);
	if (errno != 0 || end != digits + len || n < k->min || n > k->max)
		goto bad;
	assert(k->size == sizeof n32 || k->size == sizeof n64);
	assert(k->size == sizeof n64 || k->max <= UINT32_MAX);
	if (k->size == sizeof n32) {
		n32 = (uint32_t)n;
		memcpy((char *)cfg + k->off, &n32, sizeof n32);
	} else {
		n64 = (uint64_t)n;
		memcpy((char *)cfg + k->off, &n64, sizeof n64);
	}
	return 0;
bad:
	relay_config_error(err, errlen, "%s is not a number from %llu to %llu",
	    k->name, (unsigned long long)k->min, (unsigned long long)k->max);
	return ERR_CONFIG;
}

static int
relay_config_token(struct relay_config *cfg, const char *v, size_t len,
    char *err, size_t errlen)
{
	uint8_t raw[RELAY_TOKEN_MAX];
	size_t got = 0;
	const char *end = NULL;
	int rc = ERR_CONFIG;

	if (len > RELAY_CONFIG_TOKEN_B64_MAX)
		goto out;
	if (sodium_base642bin(raw, sizeof raw, v, len, NULL, &got, &end,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != v + len || got < RELAY_TOKEN_MIN)
		goto out;
	memset(cfg->token, 0, sizeof cfg->token);
	memcpy(cfg->token, raw, got);
	cfg->token_len = got;
	rc = 0;
out:
	sodium_memzero(raw, sizeof raw);
	if (rc != 0)
		relay_config_error(err, errlen,
		    "operator-token is not %d to %d bytes in unpadded "
		    "base64url",
		    RELAY_TOKEN_MIN, RELAY_TOKEN_MAX);
	return rc;
}

/* Sets one key from v[0..len) in cfg; cfg may be left half-written. */
static int
relay_config_apply(struct relay_config *cfg, const struct relay_config_key *k,
    const char *v, size_t len, char *err, size_t errlen)
{
	char word[8];

	switch (k->kind) {
	case RELAY_CONFIG_NUM:
		return relay_config_number(cfg, k, v, len, err, errlen);
	case RELAY_CONFIG_LISTEN:
		if (addr_hostport_parse(
		        v, len, ADDR_DEFAULT_PORT, cfg->host, &cfg->port) == 0)
			return 0;
		relay_config_error(
		    err, errlen, "listen is not HOST:PORT with a numeric host");
		return ERR_CONFIG;
	case RELAY_CONFIG_ROOM_CREATE:
		if (relay_config_is(v, len, "anyone"))
			cfg->room_create = RELAY_ROOM_CREATE_ANYONE;
		else if (relay_config_is(v, len, "token"))
			cfg->room_create = RELAY_ROOM_CREATE_TOKEN;
		else
			break;
		return 0;
	case RELAY_CONFIG_TOKEN:
		return relay_config_token(cfg, v, len, err, errlen);
	case RELAY_CONFIG_SYNC:
		if (relay_config_is(v, len, "full"))
			cfg->sync_full = true;
		else if (relay_config_is(v, len, "normal"))
			cfg->sync_full = false;
		else
			break;
		return 0;
	case RELAY_CONFIG_LOG_LEVEL:
		/* log_level_parse() wants a string; no level is longer. */
		if (len >= sizeof word)
			break;
		memcpy(word, v, len);
		word[len] = '\0';
		if (log_level_parse(word, &cfg->log_level) == 0)
			return 0;
		break;
	}
	relay_config_error(err, errlen, "%s is not one of %s", k->name,
	    k->kind == RELAY_CONFIG_ROOM_CREATE ? "anyone, token"
	    : k->kind == RELAY_CONFIG_SYNC      ? "full, normal"
	                                        : "error, warn, info, debug");
	return ERR_CONFIG;
}

/* Returns the index of the first broken rule, or -1. */
static int
relay_config_broken(const struct relay_config *cfg)
{
	if (cfg->room_keep_count > cfg->room_keep_count_max)
		return 0;
	if (cfg->room_keep_age_s > cfg->room_keep_age_max_s)
		return 1;
	if (cfg->room_create == RELAY_ROOM_CREATE_TOKEN && cfg->token_len == 0)
		return 2;
	return -1;
}

int
relay_config_check(const struct relay_config *cfg, char *err, size_t errlen)
{
	int rule = relay_config_broken(cfg);

	if (rule < 0)
		return 0;
	relay_config_error(err, errlen, "%s", relay_config_rules[rule].msg);
	return ERR_CONFIG;
}

int
relay_config_set(struct relay_config *cfg, const char *key, const char *value,
    size_t len, char *err, size_t errlen)
{
	struct relay_config tmp;
	int i = relay_config_find(key, strlen(key)), rc;

	relay_config_error(err, errlen, "%s", "");
	if (i < 0) {
		relay_config_unknown(key, strlen(key), err, errlen);
		return ERR_CONFIG;
	}
	tmp = *cfg;
	rc = relay_config_apply(
	    &tmp, &relay_config_keys[i], value, len, err, errlen);
	if (rc == 0)
		*cfg = tmp;
	sodium_memzero(&tmp, sizeof tmp);
	return rc;
}

/*
 * Applies one line (without its '\n') to cfg. line_of[i] is the line that
 * set key i, or 0. Sets *token if the line set operator-token.
 */
static int
relay_config_line(struct relay_config *cfg, const char *s, size_t len,
    unsigned line, unsigned line_of[], bool *token, char *msg, size_t msglen)
{
	const char *eq, *key, *value;
	size_t klen, vlen;
	int i;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > RELAY_CONFIG_LINE_MAX) {
		relay_config_error(msg, msglen, "line is longer than %d bytes",
		    RELAY_CONFIG_LINE_MAX);
		return ERR_CONFIG;
	}
	if (memchr(s, '\0', len) != NULL) {
		relay_config_error(msg, msglen, "NUL byte");
		return ERR_CONFIG;
	}
	if (!utf8_valid((const uint8_t *)s, len)) {
		relay_config_error(msg, msglen, "invalid UTF-8");
		return ERR_CONFIG;
	}
	s = relay_config_trim(s, &len);
	/* A '#' starts a comment at the start or after whitespace only. */
	for (size_t j = 0; j < len; j++) {
		if (s[j] == '#' && (j == 0 || relay_config_space(s[j - 1]))) {
			len = j;
			break;
		}
	}
	s = relay_config_trim(s, &len);
	if (len == 0)
		return 0;
	eq = memchr(s, '=', len);
	if (eq == NULL) {
		relay_config_error(msg, msglen, "expected 'key = value'");
		return ERR_CONFIG;
	}
	klen = (size_t)(eq - s);
	key = relay_config_trim(s, &klen);
	vlen = len - (size_t)(eq - s) - 1;
	value = relay_config_trim(eq + 1, &vlen);
	if (klen == 0) {
		relay_config_error(msg, msglen, "missing key before '='");
		return ERR_CONFIG;
	}
	i = relay_config_find(key, klen);
	if (i < 0) {
		relay_config_unknown(key, klen, msg, msglen);
		return ERR_CONFIG;
	}
	if (line_of[i] != 0) {
		relay_config_error(msg, msglen,
		    "duplicate key '%s' (first set on line %u)",
		    relay_config_keys[i].name, line_of[i]);
		return ERR_CONFIG;
	}
	if (vlen == 0) {
		relay_config_error(msg, msglen, "empty value for '%s'",
		    relay_config_keys[i].name);
		return ERR_CONFIG;
	}
	line_of[i] = line;
	if (relay_config_keys[i].kind == RELAY_CONFIG_TOKEN)
		*token = true;
	return relay_config_apply(
	    cfg, &relay_config_keys[i], value, vlen, msg, msglen);
}

/* The line that makes rule broken: the later of its two keys' lines. */
static unsigned
relay_config_rule_line(int rule, const unsigned line_of[])
{
	int a = relay_config_find(
	    relay_config_rules[rule].a, strlen(relay_config_rules[rule].a));
	int b = relay_config_find(
	    relay_config_rules[rule].b, strlen(relay_config_rules[rule].b));

	return line_of[a] > line_of[b] ? line_of[a] : line_of[b];
}

/* relay_config_parse() with name in messages; *token: set operator-token. */
static int
relay_config_parse_named(struct relay_config *cfg, const char *name,
    const char *text, size_t len, bool *token, char *err, size_t errlen)
{
	struct relay_config tmp;
	unsigned line_of[RELAY_CONFIG_NKEYS] = {0}, line = 0;
	char msg[256];
	const char *nl;
	size_t off = 0, n;
	int rc = 0, rule;

	*token = false;
	relay_config_error(err, errlen, "%s", "");
	if (len > RELAY_CONFIG_FILE_MAX) {
		relay_config_error(err, errlen, "%s is larger than %d bytes",
		    name, RELAY_CONFIG_FILE_MAX);
		return ERR_CONFIG;
	}
	tmp = *cfg;
	while (off < len) {
		line++;
		nl = memchr(text + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		rc = relay_config_line(
		    &tmp, text + off, n, line, line_of, token, msg, sizeof msg);
		if (rc != 0) {
			relay_config_error(
			    err, errlen, "%s line %u: %s", name, line, msg);
			goto out;
		}
		off += n + (nl != NULL ? 1 : 0);
	}
	rule = relay_config_broken(&tmp);
	if (rule >= 0) {
		line = relay_config_rule_line(rule, line_of);
		if (line != 0)
			relay_config_error(err, errlen, "%s line %u: %s", name,
			    line, relay_config_rules[rule].msg);
		else
			relay_config_error(err, errlen, "%s: %s", name,
			    relay_config_rules[rule].msg);
		rc = ERR_CONFIG;
		goto out;
	}
	*cfg = tmp;
out:
	sodium_memzero(&tmp, sizeof tmp);
	sodium_memzero(msg, sizeof msg);
	if (rc != 0)
		*token = false;
	return rc;
}

int
relay_config_parse(struct relay_config *cfg, const char *text, size_t len,
    char *err, size_t errlen)
{
	bool token;

	return relay_config_parse_named(
	    cfg, RELAY_CONFIG_FILE, text, len, &token, err, errlen);
}

int
relay_config_load(struct relay_config *cfg, const char *path, bool must_exist,
    char *err, size_t errlen)
{
	struct relay_config tmp;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	bool token = false;
	int fd = -1, rc;

	relay_config_error(err, errlen, "%s", "");
	/* O_NONBLOCK: opening a FIFO must not hang; fstat refuses it next. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT && !must_exist)
			return 0;
		if (rc == -ELOOP) {
			relay_config_error(err, errlen,
			    "%s is a symbolic link; name the file itself",
			    path);
			return ERR_CONFIG;
		}
		relay_config_error(
		    err, errlen, "cannot open %s: %s", path, err_str(rc));
		return rc;
	}
	rc = ERR_CONFIG;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		relay_config_error(
		    err, errlen, "cannot read %s: %s", path, err_str(rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		relay_config_error(
		    err, errlen, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size > RELAY_CONFIG_FILE_MAX) {
		relay_config_error(err, errlen, "%s is larger than %d bytes",
		    path, RELAY_CONFIG_FILE_MAX);
		goto out;
	}
	/* One byte more than allowed tells a file that grew since fstat. */
	text = xmalloc(RELAY_CONFIG_FILE_MAX + 1);
	while (len < RELAY_CONFIG_FILE_MAX + 1) {
		n = read(fd, text + len, RELAY_CONFIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			relay_config_error(err, errlen, "cannot read %s: %s",
			    path, err_str(rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	tmp = *cfg;
	rc = relay_config_parse_named(
	    &tmp, path, text, len, &token, err, errlen);
	if (rc == 0 && token && (st.st_mode & 077) != 0) {
		relay_config_error(err, errlen,
		    "%s holds the operator token, so it must be mode 0600",
		    path);
		rc = ERR_CONFIG;
	}
	if (rc == 0)
		*cfg = tmp;
	sodium_memzero(&tmp, sizeof tmp);
out:
	if (text != NULL) {
		sodium_memzero(text, RELAY_CONFIG_FILE_MAX + 1);
		free(text);
	}
	close(fd);
	return rc;
}
