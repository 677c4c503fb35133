/* SPDX-License-Identifier: ISC */
/*
 * Relay address strings: hearth://KEY@HOST:PORT, where KEY is the relay's
 * static X25519 public key in unpadded base64url (43 characters), HOST is a
 * DNS name (.onion included), an IPv4 address, or an IPv6 address in
 * brackets, and PORT is 1..65535 (default ADDR_DEFAULT_PORT if absent).
 * The key is what the client pins; the host is only where to find it.
 */
#ifndef HEARTH_ADDR_H
#define HEARTH_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_SCHEME "hearth://"
#define ADDR_KEY_LEN 32
#define ADDR_KEY_B64_LEN 43
#define ADDR_HOST_MAX 253
#define ADDR_DEFAULT_PORT 7483
/* Longest address string, with its NUL. */
#define ADDR_STR_MAX                                                           \
	(sizeof ADDR_SCHEME - 1 + ADDR_KEY_B64_LEN + 1 + ADDR_HOST_MAX + 2 +   \
	    1 + 5 + 1)

struct addr {
	uint8_t key[ADDR_KEY_LEN];
	char host[ADDR_HOST_MAX + 1]; /* without brackets */
	uint16_t port;
};

/*
 * Parses the address string s[0..len) into *out (cleared first). Returns 0
 * or ERR_ADDR. Accepts no whitespace, userinfo other than the key, paths,
 * or hosts with characters outside [A-Za-z0-9.-] (IPv6: [0-9A-Fa-f:.]).
 */
int addr_parse(const char *s, size_t len, struct addr *out);

/* Formats a into out (cap >= ADDR_STR_MAX). Returns 0 or ERR_TOO_BIG. */
int addr_format(const struct addr *a, char *out, size_t cap);

/*
 * Parses "HOST:PORT", "[V6]:PORT" or "HOST" (port then default_port) into
 * host (ADDR_HOST_MAX + 1 bytes) and *port; port 0 is allowed here (it
 * means "any free port" to a listener). Returns 0 or ERR_ADDR.
 */
int addr_hostport_parse(const char *s, size_t len, int default_port,
    char host[static ADDR_HOST_MAX + 1], uint16_t *port);

/*
 * True if host[0..len) is a host as addr_parse accepts it and addr_format
 * writes it: 1 to ADDR_HOST_MAX bytes, an IPv6 address (it has a ':'; no
 * brackets) in [0-9A-Fa-f:.], anything else in [A-Za-z0-9.-]. For hosts
 * that arrive without the rest of an address (invites).
 */
bool addr_host_ok(const char *host, size_t len);

/*
 * True if host (a NUL-terminated name) is under .onion, any case, with or
 * without a final dot: such a name only resolves inside Tor, so it must
 * never reach the system resolver (RFC 7686).
 */
bool addr_is_onion(const char *host);

/* Encodes a 32-byte key as 43 base64url characters plus NUL. */
void addr_key_encode(const uint8_t key[static ADDR_KEY_LEN],
    char out[static ADDR_KEY_B64_LEN + 1]);

/*
 * True if every byte of s[0..len) is in the base64url alphabet
 * [A-Za-z0-9_-]. libsodium 1.0.18 decodes every byte from 0x80 up as if it
 * were '_', so its decoder alone accepts many spellings of one key.
 */
bool addr_b64url_ok(const char *s, size_t len);

/* Decodes exactly 43 base64url characters into a key. 0 or ERR_ADDR. */
int addr_key_decode(
    const char *s, size_t len, uint8_t key[static ADDR_KEY_LEN]);

#endif
