/* SPDX-License-Identifier: ISC */
/*
 * Key derivation shared by the end-to-end modules: HKDF-SHA256 (RFC 5869)
 * over libsodium's HMAC-SHA256, which libsodium 1.0.18 lacks as a single
 * call, and the symmetric chain step of Signal's Double Ratchet
 * specification (message key = HMAC(ck, 0x01), next ck = HMAC(ck, 0x02)).
 */
#ifndef HEARTH_KDF_H
#define HEARTH_KDF_H

#include <stddef.h>
#include <stdint.h>

#define KDF_KEY_LEN 32
/* HKDF-SHA256 can expand to at most 255 hash blocks. */
#define KDF_HKDF_MAX (255 * 32)

/*
 * HKDF-SHA256: extract with salt (salt_len may be 0 for the zero salt),
 * expand with info into out[0..out_len). ERR_TOO_BIG if out_len is over
 * KDF_HKDF_MAX. Nothing is kept; intermediate keys are wiped.
 */
int kdf_hkdf(uint8_t *out, size_t out_len, const uint8_t *salt, size_t salt_len,
    const uint8_t *ikm, size_t ikm_len, const char *info);

/*
 * One step of a symmetric chain: writes the message key for ck into mk and
 * replaces ck with the next chain key. The old ck cannot be recomputed from
 * either output, which is what gives forward secrecy within a chain.
 */
void kdf_chain_step(
    uint8_t ck[static KDF_KEY_LEN], uint8_t mk[static KDF_KEY_LEN]);

#endif
