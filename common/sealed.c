/* SPDX-License-Identifier: ISC */
/*
 * Sealed-sender envelopes on libsodium's sealed boxes. Ed25519ph (the
 * multi-part form) signs the context, recipient and content without
 * copying them into one buffer.
 */
#include "common/sealed.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pad.h"

static const char sealed_ctx[] = "hearth sealed v1";

static void
sealed_sig_start(crypto_sign_state *st,
    const uint8_t recipient[static SEALED_KEY_LEN], const uint8_t *content,
    size_t len)
{
	crypto_sign_init(st);
	crypto_sign_update(
	    st, (const uint8_t *)sealed_ctx, sizeof sealed_ctx - 1);
	crypto_sign_update(st, recipient, SEALED_KEY_LEN);
	crypto_sign_update(st, content, len);
}

int
sealed_seal(const struct ident *sender,
    const uint8_t recipient[static SEALED_KEY_LEN], const uint8_t *content,
    size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	crypto_sign_state st;
	uint8_t *inner = out + 1 + crypto_box_PUBLICKEYBYTES;
	size_t ilen;
	int rc;

	*out_len = 0;
	memset(&st, 0, sizeof st);
	rc = ERR_TOO_BIG;
	if (len > SEALED_CONTENT_MAX || cap < SEALED_OVERHEAD)
		goto out;
	/* The inner plaintext is built where its ciphertext will go:
	 * libsodium's box encrypts in place. */
	rc = pad_apply_reserve(
	    inner, SEALED_INNER + len, cap - SEALED_OUTER, SEALED_OUTER, &ilen);
	if (rc < 0)
		goto out;
	memmove(inner + SEALED_INNER, content, len);
	inner[0] = SEALED_VERSION;
	memcpy(inner + 1, sender->pk, IDENT_PK_LEN);
	sealed_sig_start(&st, recipient, inner + SEALED_INNER, len);
	crypto_sign_final_create(
	    &st, inner + 1 + IDENT_PK_LEN, NULL, sender->sk);
	out[0] = SEALED_VERSION;
	rc = ERR_CRYPTO;
	if (crypto_box_seal(out + 1, inner, ilen, recipient) != 0)
		goto out;
	*out_len = 1 + ilen + crypto_box_SEALBYTES;
	rc = 0;
out:
	/*
	 * The plain content and signature were built in out: on failure
	 * (e.g. a low-order recipient key) they must not stay there.
	 */
	if (rc < 0 && cap > 0)
		sodium_memzero(out, cap);
	sodium_memzero(&st, sizeof st);
	return rc;
}

int
sealed_open(const uint8_t pub[static SEALED_KEY_LEN],
    const uint8_t priv[static SEALED_KEY_LEN], const uint8_t *env, size_t len,
    uint8_t sender[static IDENT_PK_LEN], uint8_t *out, size_t cap,
    size_t *out_len)
{
	crypto_sign_state st;
	size_t ilen = 0, plen;
	int rc;

	*out_len = 0;
	memset(sender, 0, IDENT_PK_LEN);
	memset(&st, 0, sizeof st);
	/* Lengths and version before any crypto: envelopes are buckets. */
	rc = ERR_PAD;
	if (len < SEALED_OVERHEAD + 1 || pad_size(len - 1) != len)
		goto out;
	rc = ERR_VERSION;
	if (env[0] != SEALED_VERSION)
		goto out;
	ilen = len - SEALED_OUTER;
	rc = ERR_TOO_BIG;
	if (cap < ilen)
		goto out;
	rc = ERR_CRYPTO;
	if (crypto_box_seal_open(out, env + 1, len - 1, pub, priv) != 0)
		goto out;
	rc = pad_remove_reserve(out, ilen, SEALED_OUTER, &plen);
	if (rc < 0)
		goto out;
	rc = ERR_PAD;
	if (plen < SEALED_INNER)
		goto out;
	rc = ERR_VERSION;
	if (out[0] != SEALED_VERSION)
		goto out;
	sealed_sig_start(&st, pub, out + SEALED_INNER, plen - SEALED_INNER);
	rc = ERR_CRYPTO;
	if (crypto_sign_final_verify(&st, out + 1 + IDENT_PK_LEN, out + 1) != 0)
		goto out;
	memcpy(sender, out + 1, IDENT_PK_LEN);
	memmove(out, out + SEALED_INNER, plen - SEALED_INNER);
	*out_len = plen - SEALED_INNER;
	sodium_memzero(out + *out_len, ilen - *out_len);
	rc = 0;
out:
	if (rc < 0) {
		memset(sender, 0, IDENT_PK_LEN);
		if (ilen > 0 && cap >= ilen)
			sodium_memzero(out, ilen);
	}
	return rc;
}
