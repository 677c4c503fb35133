/* SPDX-License-Identifier: ISC */
/*
 * SOCKS5 client exchange (RFC 1928, RFC 1929) without I/O, and the proxy
 * URL parser. Every length the proxy sends is one byte, so nothing it says
 * can make this code allocate or copy more than that; what it says about
 * its bound address is skipped, not stored.
 */
#include "client/socks5.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "common/err.h"

#define SOCKS5_VERSION 5
#define SOCKS5_AUTH_VERSION 1
#define SOCKS5_METHOD_NONE 0x00
#define SOCKS5_METHOD_USERPASS 0x02
#define SOCKS5_CMD_CONNECT 1
#define SOCKS5_ATYP_IPV4 1
#define SOCKS5_ATYP_NAME 3
#define SOCKS5_ATYP_IPV6 4

void
socks5_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static int
socks5_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes s[0..len) into out (SOCKS5_CRED_MAX bytes): 1..255
 * bytes, no NUL, and only characters a URL's userinfo may hold raw.
 */
static int
socks5_cred_parse(const char *s, size_t len, uint8_t *out, uint8_t *out_len)
{
	size_t n = 0;
	int hi, lo;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (n == SOCKS5_CRED_MAX)
			return ERR_PROXY_URL;
		if (c == '%') {
			if (len - i < 3)
				return ERR_PROXY_URL;
			hi = socks5_hex(s[i + 1]);
			lo = socks5_hex(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return ERR_PROXY_URL;
			out[n++] = (uint8_t)(hi << 4 | lo);
			i += 2;
			continue;
		}
		/* Printable ASCII without the URL's own delimiters. */
		if (c <= ' ' || c >= 0x7f || c == ':' || c == '@' || c == '/' ||
		    c == '?' || c == '#' || c == '[' || c == ']')
			return ERR_PROXY_URL;
		out[n++] = c;
	}
	if (n == 0)
		return ERR_PROXY_URL;
	*out_len = (uint8_t)n;
	return 0;
}

int
socks5_url_parse(const char *s, size_t len, struct socks5_proxy *out)
{
	static const char *const schemes[] = {"socks5://", "socks5h://"};
	const char *at, *colon;
	size_t slen = 0;
	int rc = ERR_PROXY_URL;

	memset(out, 0, sizeof *out);
	if (len > SOCKS5_URL_MAX)
		goto out;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t n = strlen(schemes[i]);

		if (len >= n && memcmp(s, schemes[i], n) == 0) {
			slen = n;
			break;
		}
	}
	if (slen == 0)
		goto out;
	s += slen;
	len -= slen;
	/* The last '@' ends the userinfo; a raw '@' inside it is refused. */
	at = memchr(s, '@', len);
	if (at != NULL) {
		colon = memchr(s, ':', (size_t)(at - s));
		if (colon == NULL)
			goto out;
		if (socks5_cred_parse(
		        s, (size_t)(colon - s), out->user, &out->user_len) != 0)
			goto out;
		if (socks5_cred_parse(colon + 1, (size_t)(at - colon - 1),
		        out->pass, &out->pass_len) != 0)
			goto out;
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	/*
	 * The proxy's own name is looked up locally, so an onion name here
	 * would leak; it could not work anyway.
	 */
	if (addr_hostport_parse(s, len, -1, out->host, &out->port) != 0 ||
	    out->port == 0 || addr_is_onion(out->host))
		goto out;
	rc = 0;
out:
	if (rc != 0)
		socks5_wipe(out, sizeof *out);
	return rc;
}

int
socks5_start(struct socks5 *c, const struct socks5_proxy *proxy,
    const char *host, uint16_t port)
{
	size_t hlen = strnlen(host, ADDR_HOST_MAX + 1), n = 0;
	uint8_t ip[16];

	memset(c, 0, sizeof *c);
	if (hlen == 0 || hlen > ADDR_HOST_MAX)
		return ERR_TOO_BIG;

	/* The greeting: offer username/password only when we have them. */
	c->out[n++] = SOCKS5_VERSION;
	if (proxy->user_len > 0) {
		c->out[n++] = 2;
		c->out[n++] = SOCKS5_METHOD_NONE;
		c->out[n++] = SOCKS5_METHOD_USERPASS;
	} else {
		c->out[n++] = 1;
		c->out[n++] = SOCKS5_METHOD_NONE;
	}
	c->out_len = n;

	if (proxy->user_len > 0) {
		n = 0;
		c->auth[n++] = SOCKS5_AUTH_VERSION;
		c->auth[n++] = proxy->user_len;
		memcpy(c->auth + n, proxy->user, proxy->user_len);
		n += proxy->user_len;
		c->auth[n++] = proxy->pass_len;
		memcpy(c->auth + n, proxy->pass, proxy->pass_len);
		n += proxy->pass_len;
		c->auth_len = n;
	}

	/*
	 * Only literals go as addresses; anything else is a name for the
	 * proxy to resolve, so no lookup of it ever happens here.
	 */
	n = 0;
	c->req[n++] = SOCKS5_VERSION;
	c->req[n++] = SOCKS5_CMD_CONNECT;
	c->req[n++] = 0;
	if (inet_pton(AF_INET, host, ip) == 1) {
		c->req[n++] = SOCKS5_ATYP_IPV4;
		memcpy(c->req + n, ip, 4);
		n += 4;
	} else if (inet_pton(AF_INET6, host, ip) == 1) {
		c->req[n++] = SOCKS5_ATYP_IPV6;
		memcpy(c->req + n, ip, 16);
		n += 16;
	} else {
		c->req[n++] = SOCKS5_ATYP_NAME;
		c->req[n++] = (uint8_t)hlen;
		memcpy(c->req + n, host, hlen);
		n += hlen;
	}
	c->req[n++] = (uint8_t)(port >> 8);
	c->req[n++] = (uint8_t)(port & 0xff);
	c->req_len = n;
	c->step = SOCKS5_STEP_METHOD;
	return 0;
}

int
socks5_reply_err(uint8_t rep)
{
	switch (rep) {
	case 2:
		return ERR_SOCKS_DENIED;
	case 3:
		return ERR_SOCKS_NET;
	case 4:
		return ERR_SOCKS_HOST;
	case 5:
		return ERR_SOCKS_REFUSED;
	case 6:
		return ERR_SOCKS_TTL;
	case 7:
		return ERR_SOCKS_COMMAND;
	case 8:
		return ERR_SOCKS_ADDRTYPE;
	default:
		/* 1, and codes RFC 1928 leaves unassigned. */
		return ERR_SOCKS_FAILURE;
	}
}

/* Loads msg into c->out as the next message to send. */
static int
socks5_send(
    struct socks5 *c, const uint8_t *msg, size_t len, enum socks5_step next)
{
	memcpy(c->out, msg, len);
	c->out_len = len;
	c->step = next;
	c->have = 0;
	return SOCKS5_SEND;
}

/* One complete two-byte reply to the greeting. */
static int
socks5_on_method(struct socks5 *c)
{
	if (c->head[0] != SOCKS5_VERSION)
		return ERR_SOCKS_PROTO;
	if (c->head[1] == SOCKS5_METHOD_NONE)
		return socks5_send(c, c->req, c->req_len, SOCKS5_STEP_HEAD);
	if (c->head[1] == SOCKS5_METHOD_USERPASS && c->auth_len > 0) {
		socks5_send(c, c->auth, c->auth_len, SOCKS5_STEP_AUTH);
		/* Only c->out, which the caller sends next, keeps it now. */
		socks5_wipe(c->auth, sizeof c->auth);
		c->auth_len = 0;
		return SOCKS5_SEND;
	}
	/* 0xff "no acceptable methods", or one we did not offer. */
	return ERR_SOCKS_METHOD;
}

/* One complete four-byte reply header to CONNECT. */
static int
socks5_on_head(struct socks5 *c)
{
	if (c->head[0] != SOCKS5_VERSION || c->head[2] != 0)
		return ERR_SOCKS_PROTO;
	if (c->head[1] != 0)
		return socks5_reply_err(c->head[1]);
	switch (c->head[3]) {
	case SOCKS5_ATYP_IPV4:
		c->skip = 4 + 2;
		break;
	case SOCKS5_ATYP_IPV6:
		c->skip = 16 + 2;
		break;
	case SOCKS5_ATYP_NAME:
		/* The length byte comes next; see socks5_feed(). */
		c->skip = 0;
		break;
	default:
		return ERR_SOCKS_PROTO;
	}
	c->step = SOCKS5_STEP_BOUND;
	return SOCKS5_MORE;
}

/* Takes one byte of the current reply. */
static int
socks5_byte(struct socks5 *c, uint8_t b)
{
	switch (c->step) {
	case SOCKS5_STEP_METHOD:
	case SOCKS5_STEP_AUTH:
		c->head[c->have++] = b;
		if (c->have < 2)
			return SOCKS5_MORE;
		if (c->step == SOCKS5_STEP_METHOD)
			return socks5_on_method(c);
		/* RFC 1929: VER 1, STATUS 0 is success. */
		if (c->head[0] != SOCKS5_AUTH_VERSION)
			return ERR_SOCKS_PROTO;
		if (c->head[1] != 0)
			return ERR_SOCKS_AUTH;
		return socks5_send(c, c->req, c->req_len, SOCKS5_STEP_HEAD);
	case SOCKS5_STEP_HEAD:
		c->head[c->have++] = b;
		if (c->have < 4)
			return SOCKS5_MORE;
		return socks5_on_head(c);
	case SOCKS5_STEP_BOUND:
		if (c->head[3] == SOCKS5_ATYP_NAME && c->have == 4) {
			/* The name's length byte; an empty name is malformed.
			 */
			c->head[c->have++] = b;
			if (b == 0)
				return ERR_SOCKS_PROTO;
			c->skip = (size_t)b + 2;
			return SOCKS5_MORE;
		}
		c->skip--;
		if (c->skip > 0)
			return SOCKS5_MORE;
		c->step = SOCKS5_STEP_OPEN;
		return SOCKS5_OPEN;
	case SOCKS5_STEP_OPEN:
	case SOCKS5_STEP_FAILED:
		break;
	}
	return ERR_SOCKS_PROTO;
}

int
socks5_feed(struct socks5 *c, const uint8_t *p, size_t len)
{
	int rc = SOCKS5_MORE;

	for (size_t i = 0; i < len; i++) {
		/* A finished reply followed by more bytes is out of turn. */
		if (rc != SOCKS5_MORE) {
			rc = ERR_SOCKS_PROTO;
			break;
		}
		rc = socks5_byte(c, p[i]);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		c->step = SOCKS5_STEP_FAILED;
		socks5_release(c);
	}
	return rc;
}

void
socks5_release(struct socks5 *c)
{
	socks5_wipe(c->auth, sizeof c->auth);
	c->auth_len = 0;
	socks5_wipe(c->out, sizeof c->out);
	c->out_len = 0;
}

void
socks5_proxy_release(struct socks5_proxy *p)
{
	socks5_wipe(p->user, sizeof p->user);
	socks5_wipe(p->pass, sizeof p->pass);
	p->user_len = 0;
	p->pass_len = 0;
}
