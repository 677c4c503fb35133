/* SPDX-License-Identifier: ISC */
/*
 * Sealed sender: the envelope a relay stores in a mailbox names no sender.
 *
 *   envelope = ver | crypto_box_seal(recipient, pad(inner))
 *   inner    = ver | sender identity key | signature | content
 *   signature = Ed25519ph(sender, "hearth sealed v1" | recipient | content)
 *
 * crypto_box_seal uses a fresh ephemeral X25519 key per envelope, so the
 * relay sees only the recipient's mailbox and a bucket-sized blob. Inside,
 * the sender's identity and signature bind the content to the sender and
 * to this recipient (a recipient cannot re-address it to someone else).
 * The content is normally a Double Ratchet message (common/ratchet.h),
 * which is not padded on its own: the envelope is.
 */
#ifndef HEARTH_SEALED_H
#define HEARTH_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "common/ident.h"

#define SEALED_VERSION 1
#define SEALED_KEY_LEN 32
/* Outer version byte and crypto_box_seal's ephemeral key and tag. */
#define SEALED_OUTER (1 + 32 + 16)
/* Inner version, sender key and signature. */
#define SEALED_INNER (1 + IDENT_PK_LEN + IDENT_SIG_LEN)
#define SEALED_OVERHEAD (SEALED_OUTER + SEALED_INNER)
/* The most content one envelope carries (the envelope is then
 * PAD_BUCKET_MAX bytes). */
#define SEALED_CONTENT_MAX (65536 - 1024 - SEALED_OVERHEAD - 1)

/*
 * Seals content[0..len) from sender to the X25519 key recipient into out
 * (cap bytes; *out_len is a bucket size). ERR_TOO_BIG if len is over
 * SEALED_CONTENT_MAX or out is too small, ERR_CRYPTO if recipient is not
 * a usable key.
 */
int sealed_seal(const struct ident *sender,
    const uint8_t recipient[static SEALED_KEY_LEN], const uint8_t *content,
    size_t len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Opens the untrusted envelope env[0..len) with the recipient's X25519 key
 * pair, checks the sender's signature, and writes the sender's identity key
 * into sender and the content into out (cap >= len; only the first *out_len
 * bytes are content). ERR_PAD if len is not a bucket size or the padding
 * is malformed, ERR_VERSION, ERR_CRYPTO if it does not open or the
 * signature fails, ERR_TOO_BIG if out is too small. On failure sender and
 * out are zeroed.
 */
int sealed_open(const uint8_t pub[static SEALED_KEY_LEN],
    const uint8_t priv[static SEALED_KEY_LEN], const uint8_t *env, size_t len,
    uint8_t sender[static IDENT_PK_LEN], uint8_t *out, size_t cap,
    size_t *out_len);

#endif
