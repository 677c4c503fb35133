/* SPDX-License-Identifier: ISC */
/*
 * The client side of a SOCKS5 CONNECT (RFC 1928), with no authentication
 * or username/password (RFC 1929), as a pure state machine: it builds the
 * bytes to send and parses the proxy's replies, and does no I/O, so the
 * caller's event loop drives it and a fuzzer can feed it anything.
 *
 * The destination host always goes to the proxy as given: a DNS name as
 * ATYP 3 (DOMAINNAME), so the proxy resolves it and this side never looks
 * it up; IPv4 and IPv6 literals as ATYP 1 and 4. A .onion name is just a
 * name to the proxy. Tor reads the username and password as a stream
 * isolation token, which is why they are worth supporting.
 */
#ifndef HEARTH_CLIENT_SOCKS5_H
#define HEARTH_CLIENT_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* RFC 1929: username and password are 1 to 255 bytes each. */
#define SOCKS5_CRED_MAX 255
/* Longest proxy URL accepted, before percent-decoding. */
#define SOCKS5_URL_MAX 2048
/* Longest message this side sends: the username/password request. */
#define SOCKS5_OUT_MAX (3 + 2 * SOCKS5_CRED_MAX)

/* Results of socks5_feed() besides errors. */
#define SOCKS5_MORE 0 /* feed more bytes */
#define SOCKS5_SEND 1 /* write c->out[0..c->out_len), then feed again */
#define SOCKS5_OPEN 2 /* the tunnel to the destination is up */

/* A parsed proxy URL. */
struct socks5_proxy {
	char host[ADDR_HOST_MAX + 1]; /* without brackets */
	uint16_t port;
	uint8_t user_len; /* 0: offer no authentication only */
	uint8_t pass_len;
	uint8_t user[SOCKS5_CRED_MAX];
	uint8_t pass[SOCKS5_CRED_MAX];
};

enum socks5_step {
	SOCKS5_STEP_METHOD, /* waiting for the method choice */
	SOCKS5_STEP_AUTH,   /* waiting for the username/password verdict */
	SOCKS5_STEP_HEAD,   /* waiting for VER REP RSV ATYP */
	SOCKS5_STEP_BOUND,  /* skipping BND.ADDR and BND.PORT */
	SOCKS5_STEP_OPEN,
	SOCKS5_STEP_FAILED,
};

struct socks5 {
	enum socks5_step step;
	uint8_t out[SOCKS5_OUT_MAX]; /* the next message to send */
	size_t out_len;
	uint8_t req[4 + 1 + ADDR_HOST_MAX + 2]; /* the CONNECT request */
	size_t req_len;
	uint8_t auth[SOCKS5_OUT_MAX]; /* the username/password request */
	size_t auth_len;
	uint8_t head[5]; /* reply bytes read so far in this step */
	size_t have;
	size_t skip; /* BND.ADDR and BND.PORT bytes still to skip */
};

/*
 * Parses "socks5://[USER:PASS@]HOST:PORT" (also "socks5h://", the same
 * here: names are always resolved by the proxy) from s[0..len) into *out,
 * cleared first. HOST is a name (not .onion: it is looked up locally), an IPv4
 * address or [IPv6]; PORT 1..65535 is required. USER and PASS are 1..255 bytes
 * after percent-decoding
 * (%00 is refused). Returns 0 or ERR_PROXY_URL; never prints.
 */
int socks5_url_parse(const char *s, size_t len, struct socks5_proxy *out);

/*
 * Starts an exchange through proxy (read now, not kept) to host:port:
 * c->out then holds the greeting to send. host is a name or an address
 * literal without brackets, at most ADDR_HOST_MAX bytes. Returns 0 or
 * ERR_TOO_BIG.
 */
int socks5_start(struct socks5 *c, const struct socks5_proxy *proxy,
    const char *host, uint16_t port);

/*
 * Feeds p[0..len), bytes the proxy sent, all consumed. Returns SOCKS5_MORE,
 * SOCKS5_SEND (c->out holds the next message), SOCKS5_OPEN, or an error:
 * ERR_SOCKS_PROTO for a malformed reply or bytes in p past the end of the
 * current one (a proxy cannot have answered what was not yet sent; bytes
 * that come in a later call pass for the next reply, and past the last
 * one they reach the Noise handshake, which fails on them),
 * ERR_SOCKS_METHOD, ERR_SOCKS_AUTH, or the ERR_SOCKS_* code of a CONNECT
 * reply (socks5_reply_err()). After SOCKS5_OPEN or an error, further bytes
 * are ERR_SOCKS_PROTO. Allocates nothing; never prints.
 */
int socks5_feed(struct socks5 *c, const uint8_t *p, size_t len);

/*
 * Wipes the credentials c holds, and c->out: call it once the last message
 * is sent. socks5_feed() calls it itself on an error.
 */
void socks5_release(struct socks5 *c);

/* Wipes p's username and password; its host and port stay. */
void socks5_proxy_release(struct socks5_proxy *p);

/* Zeroes p[0..n) with stores the compiler cannot drop as dead. */
void socks5_wipe(void *p, size_t n);

/* The error code for a CONNECT reply code other than 0. */
int socks5_reply_err(uint8_t rep);

#endif
