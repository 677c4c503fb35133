/* SPDX-License-Identifier: ISC */
/*
 * Parses and formats relay address strings. Everything is checked against
 * the bytes remaining; the host's characters are tested without the locale.
 */
#include "common/addr.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"

static int
addr_is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static int
addr_is_v6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       (c >= '0' && c <= '9') || c == ':' || c == '.';
}

/* ASCII case-insensitive equality of a[0..n) and b[0..n). */
static bool
addr_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

void
addr_key_encode(const uint8_t key[static ADDR_KEY_LEN],
    char out[static ADDR_KEY_B64_LEN + 1])
{
	sodium_bin2base64(out, ADDR_KEY_B64_LEN + 1, key, ADDR_KEY_LEN,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool
addr_b64url_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

int
addr_key_decode(const char *s, size_t len, uint8_t key[static ADDR_KEY_LEN])
{
	size_t got = 0;
	const char *end = NULL;

	memset(key, 0, ADDR_KEY_LEN);
	/* Checked here, not left to libsodium: see addr_b64url_ok. */
	if (len != ADDR_KEY_B64_LEN || !addr_b64url_ok(s, len))
		return ERR_ADDR;
	if (sodium_base642bin(key, ADDR_KEY_LEN, s, len, NULL, &got, &end,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got != ADDR_KEY_LEN || end != s + len) {
		sodium_memzero(key, ADDR_KEY_LEN);
		return ERR_ADDR;
	}
	return 0;
}

static int
addr_port_parse(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return ERR_ADDR;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ERR_ADDR;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535 || (len > 1 && s[0] == '0'))
		return ERR_ADDR;
	*port = (uint16_t)v;
	return 0;
}

int
addr_hostport_parse(const char *s, size_t len, int default_port,
    char host[static ADDR_HOST_MAX + 1], uint16_t *port)
{
	size_t hlen, rest;
	const char *h, *colon;
	int v6 = 0;

	host[0] = '\0';
	*port = 0;
	if (len == 0)
		return ERR_ADDR;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return ERR_ADDR;
		h = s + 1;
		hlen = (size_t)(close - h);
		rest = len - (size_t)(close - s) - 1;
		colon = rest > 0 ? close + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return ERR_ADDR;
		v6 = 1;
	} else {
		h = s;
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
	}
	if (hlen == 0 || hlen > ADDR_HOST_MAX)
		return ERR_ADDR;
	for (size_t i = 0; i < hlen; i++)
		if (v6 ? !addr_is_v6_char(h[i]) : !addr_is_host_char(h[i]))
			return ERR_ADDR;
	if (colon == NULL) {
		if (default_port < 0 || default_port > 65535)
			return ERR_ADDR;
		*port = (uint16_t)default_port;
	} else if (addr_port_parse(
	               colon + 1, len - (size_t)(colon + 1 - s), port) != 0)
		return ERR_ADDR;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return 0;
}

bool
addr_host_ok(const char *host, size_t len)
{
	bool v6 = memchr(host, ':', len) != NULL;

	if (len == 0 || len > ADDR_HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (v6 ? !addr_is_v6_char(host[i])
		       : !addr_is_host_char(host[i]))
			return false;
	return true;
}

bool
addr_is_onion(const char *host)
{
	static const char suffix[] = ".onion";
	const size_t slen = sizeof suffix - 1;
	size_t len = strnlen(host, ADDR_HOST_MAX + 2);

	while (len > 0 && host[len - 1] == '.')
		len--;
	/* "onion" alone is the whole zone, no less special. */
	if (len == slen - 1)
		return addr_ieq(host, suffix + 1, len);
	return len >= slen && addr_ieq(host + len - slen, suffix, slen);
}

int
addr_parse(const char *s, size_t len, struct addr *out)
{
	const size_t slen = sizeof ADDR_SCHEME - 1;
	const char *at;

	memset(out, 0, sizeof *out);
	if (len < slen || memcmp(s, ADDR_SCHEME, slen) != 0)
		return ERR_ADDR;
	s += slen;
	len -= slen;
	at = memchr(s, '@', len);
	if (at == NULL || addr_key_decode(s, (size_t)(at - s), out->key) != 0)
		goto bad;
	len -= (size_t)(at + 1 - s);
	s = at + 1;
	if (addr_hostport_parse(
	        s, len, ADDR_DEFAULT_PORT, out->host, &out->port) != 0 ||
	    out->port == 0)
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof *out);
	return ERR_ADDR;
}

int
addr_format(const struct addr *a, char *out, size_t cap)
{
	char key[ADDR_KEY_B64_LEN + 1];
	int v6 = strchr(a->host, ':') != NULL;
	int n;

	addr_key_encode(a->key, key);
	n = snprintf(out, cap, "%s%s@%s%s%s:%u", ADDR_SCHEME, key,
	    v6 ? "[" : "", a->host, v6 ? "]" : "", (unsigned)a->port);
	if (n < 0 || (size_t)n >= cap)
		return ERR_TOO_BIG;
	return 0;
}
