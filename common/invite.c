/* SPDX-License-Identifier: ISC */
/*
 * Encodes and parses invite strings. The binary form has exactly one
 * encoding (fixed fields, a length-prefixed host, canonical base64), so a
 * decoded invite always encodes back to the string it came from, and two
 * different strings never name the same invite.
 */
#include "common/invite.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

#define INVITE_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* Offsets in the binary form; the secret and owner follow the host. */
#define INVITE_OFF_KEY 1
#define INVITE_OFF_PORT (INVITE_OFF_KEY + ADDR_KEY_LEN)
#define INVITE_OFF_HLEN (INVITE_OFF_PORT + 2)
#define INVITE_OFF_HOST (INVITE_OFF_HLEN + 1)

static bool
invite_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* What decode would refuse, so encode refuses it too. */
static bool
invite_ok(const struct invite *in, size_t hlen)
{
	return in->relay.port != 0 && addr_host_ok(in->relay.host, hlen) &&
	       crypto_core_ed25519_is_valid_point(in->owner) == 1;
}

int
invite_encode(const struct invite *in, char *out, size_t cap)
{
	const size_t plen = sizeof INVITE_PREFIX - 1;
	uint8_t bin[INVITE_BIN_MAX];
	size_t hlen = strnlen(in->relay.host, sizeof in->relay.host);
	size_t n, need;

	if (cap > 0)
		out[0] = '\0';
	if (!invite_ok(in, hlen))
		return ERR_INVITE;
	n = INVITE_FIXED_LEN + hlen;
	need = plen + sodium_base64_ENCODED_LEN(n, INVITE_B64);
	if (cap < need)
		return ERR_TOO_BIG;
	bin[0] = INVITE_VERSION;
	memcpy(bin + INVITE_OFF_KEY, in->relay.key, ADDR_KEY_LEN);
	bin[INVITE_OFF_PORT] = (uint8_t)(in->relay.port >> 8);
	bin[INVITE_OFF_PORT + 1] = (uint8_t)in->relay.port;
	bin[INVITE_OFF_HLEN] = (uint8_t)hlen;
	memcpy(bin + INVITE_OFF_HOST, in->relay.host, hlen);
	memcpy(bin + INVITE_OFF_HOST + hlen, in->secret, INVITE_SECRET_LEN);
	memcpy(bin + INVITE_OFF_HOST + hlen + INVITE_SECRET_LEN, in->owner,
	    INVITE_OWNER_LEN);
	memcpy(out, INVITE_PREFIX, plen);
	sodium_bin2base64(out + plen, cap - plen, bin, n, INVITE_B64);
	sodium_memzero(bin, sizeof bin);
	return 0;
}

int
invite_decode(const char *s, size_t len, struct invite *out)
{
	const size_t plen = sizeof INVITE_PREFIX - 1;
	/* The longest base64 text that can hold INVITE_BIN_MAX bytes. */
	const size_t b64_max = INVITE_STR_MAX - 1 - plen;
	uint8_t bin[INVITE_BIN_MAX];
	const char *end = NULL;
	size_t got = 0, hlen;
	int rc = ERR_INVITE;

	sodium_memzero(out, sizeof *out);
	/* Pasting adds blanks and a newline at the ends, never inside. */
	while (len > 0 && invite_is_blank(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && invite_is_blank(s[len - 1]))
		len--;
	if (len < plen || memcmp(s, INVITE_PREFIX, plen) != 0)
		goto out;
	s += plen;
	len -= plen;
	/* The alphabet is checked here because libsodium 1.0.18 reads bytes
	 * from 0x80 up as '_' (addr_b64url_ok); it does refuse nonzero
	 * leftover bits, so the text is canonical. */
	if (len == 0 || len > b64_max || !addr_b64url_ok(s, len))
		goto out;
	if (sodium_base642bin(
	        bin, sizeof bin, s, len, NULL, &got, &end, INVITE_B64) != 0 ||
	    end != s + len)
		goto out;
	/* The version decides the layout, so it is checked first. */
	if (got < 1)
		goto out;
	if (bin[0] != INVITE_VERSION) {
		rc = ERR_VERSION;
		goto out;
	}
	if (got < INVITE_FIXED_LEN)
		goto out;
	hlen = bin[INVITE_OFF_HLEN];
	if (got != INVITE_FIXED_LEN + hlen)
		goto out;
	memcpy(out->relay.key, bin + INVITE_OFF_KEY, ADDR_KEY_LEN);
	out->relay.port =
	    (uint16_t)(bin[INVITE_OFF_PORT] << 8 | bin[INVITE_OFF_PORT + 1]);
	memcpy(out->relay.host, bin + INVITE_OFF_HOST, hlen);
	out->relay.host[hlen] = '\0';
	memcpy(out->secret, bin + INVITE_OFF_HOST + hlen, INVITE_SECRET_LEN);
	memcpy(out->owner, bin + INVITE_OFF_HOST + hlen + INVITE_SECRET_LEN,
	    INVITE_OWNER_LEN);
	/* A host with a NUL inside is caught here: addr_host_ok refuses it. */
	if (!invite_ok(out, hlen))
		goto out;
	rc = 0;
out:
	sodium_memzero(bin, sizeof bin);
	if (rc != 0)
		sodium_memzero(out, sizeof *out);
	return rc;
}

void
invite_wipe(struct invite *in)
{
	sodium_memzero(in, sizeof *in);
}
