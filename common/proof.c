/* SPDX-License-Identifier: ISC */
/*
 * Proofs of access and derived ids, on libsodium's Ed25519 and BLAKE2b.
 * The labels below are part of the protocol (man/hearth-protocol.7).
 */
#include "common/proof.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

#define PROOF_LABEL "hearth proof v1"
#define PROOF_LABEL_LEN 16 /* with its NUL */
#define PROOF_MSG_MAX (PROOF_LABEL_LEN + 1 + PROOF_HASH_LEN + PROOF_BODY_MAX)

/* Builds the signed message into msg; returns its length or 0. */
static size_t
proof_message(uint8_t msg[static PROOF_MSG_MAX], enum proof_purpose purpose,
    const uint8_t hs_hash[static PROOF_HASH_LEN], const uint8_t *body,
    size_t len)
{
	if (len > PROOF_BODY_MAX)
		return 0;
	memcpy(msg, PROOF_LABEL, PROOF_LABEL_LEN);
	msg[PROOF_LABEL_LEN] = (uint8_t)purpose;
	memcpy(msg + PROOF_LABEL_LEN + 1, hs_hash, PROOF_HASH_LEN);
	if (len > 0)
		memcpy(msg + PROOF_LABEL_LEN + 1 + PROOF_HASH_LEN, body, len);
	return PROOF_LABEL_LEN + 1 + PROOF_HASH_LEN + len;
}

void
proof_keypair(uint8_t pub[static PROOF_PUB_LEN],
    uint8_t sec[static PROOF_SEC_LEN],
    const uint8_t seed[static PROOF_SEED_LEN])
{
	crypto_sign_seed_keypair(pub, sec, seed);
}

int
proof_sign(uint8_t sig[static PROOF_SIG_LEN],
    const uint8_t sec[static PROOF_SEC_LEN], enum proof_purpose purpose,
    const uint8_t hs_hash[static PROOF_HASH_LEN], const uint8_t *body,
    size_t len)
{
	uint8_t msg[PROOF_MSG_MAX];
	size_t n = proof_message(msg, purpose, hs_hash, body, len);

	memset(sig, 0, PROOF_SIG_LEN);
	if (n == 0)
		return ERR_TOO_BIG;
	crypto_sign_detached(sig, NULL, msg, n, sec);
	return 0;
}

bool
proof_verify(const uint8_t sig[static PROOF_SIG_LEN],
    const uint8_t pub[static PROOF_PUB_LEN], enum proof_purpose purpose,
    const uint8_t hs_hash[static PROOF_HASH_LEN], const uint8_t *body,
    size_t len)
{
	uint8_t msg[PROOF_MSG_MAX];
	size_t n = proof_message(msg, purpose, hs_hash, body, len);

	if (n == 0)
		return false;
	return crypto_sign_verify_detached(sig, msg, n, pub) == 0;
}

/* BLAKE2b-256 of label (with its NUL) and in. */
static void
proof_label_hash(uint8_t out[static PROOF_ID_LEN], const char *label,
    const uint8_t in[static 32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, PROOF_ID_LEN);
	crypto_generichash_update(
	    &st, (const uint8_t *)label, strlen(label) + 1);
	crypto_generichash_update(&st, in, 32);
	crypto_generichash_final(&st, out, PROOF_ID_LEN);
}

void
proof_mbox_id(uint8_t id[static PROOF_ID_LEN],
    const uint8_t mbox_pub[static PROOF_PUB_LEN])
{
	proof_label_hash(id, "hearth mailbox id v1", mbox_pub);
}

void
proof_escrow_hash(
    uint8_t hash[static PROOF_ID_LEN], const uint8_t token[static PROOF_ID_LEN])
{
	proof_label_hash(hash, "hearth escrow cancel v1", token);
}

bool
proof_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}
