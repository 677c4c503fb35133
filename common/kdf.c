/* SPDX-License-Identifier: ISC */
/*
 * HKDF-SHA256 and the symmetric chain step. HMAC-SHA256 is what Signal's
 * X3DH and Double Ratchet specifications recommend, so the constructions
 * here can be read against them line by line.
 */
#include "common/kdf.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

int
kdf_hkdf(uint8_t *out, size_t out_len, const uint8_t *salt, size_t salt_len,
    const uint8_t *ikm, size_t ikm_len, const char *info)
{
	crypto_auth_hmacsha256_state st;
	uint8_t zero[crypto_auth_hmacsha256_BYTES] = {0};
	uint8_t prk[crypto_auth_hmacsha256_BYTES];
	uint8_t t[crypto_auth_hmacsha256_BYTES];
	size_t done = 0, n, info_len = strlen(info);
	uint8_t ctr = 1;

	if (out_len > KDF_HKDF_MAX)
		return ERR_TOO_BIG;
	/* RFC 5869: an absent salt is HashLen zero bytes. */
	if (salt_len == 0) {
		salt = zero;
		salt_len = sizeof zero;
	}
	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	while (done < out_len) {
		crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
		if (ctr > 1)
			crypto_auth_hmacsha256_update(&st, t, sizeof t);
		crypto_auth_hmacsha256_update(
		    &st, (const uint8_t *)info, info_len);
		crypto_auth_hmacsha256_update(&st, &ctr, 1);
		crypto_auth_hmacsha256_final(&st, t);
		n = out_len - done < sizeof t ? out_len - done : sizeof t;
		memcpy(out + done, t, n);
		done += n;
		ctr++;
	}
	sodium_memzero(&st, sizeof st);
	sodium_memzero(prk, sizeof prk);
	sodium_memzero(t, sizeof t);
	return 0;
}

void
kdf_chain_step(uint8_t ck[static KDF_KEY_LEN], uint8_t mk[static KDF_KEY_LEN])
{
	static const uint8_t one = 0x01, two = 0x02;
	uint8_t next[KDF_KEY_LEN];

	crypto_auth_hmacsha256(mk, &one, 1, ck);
	crypto_auth_hmacsha256(next, &two, 1, ck);
	memcpy(ck, next, KDF_KEY_LEN);
	sodium_memzero(next, sizeof next);
}
