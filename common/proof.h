/* SPDX-License-Identifier: ISC */
/*
 * Proofs of access to relay objects, and the relay's derived ids.
 *
 * A client proves that it holds a room's access key or a mailbox key by
 * signing, with Ed25519, a message that binds the purpose and the Noise
 * handshake hash of its connection: a proof overheard or logged on one
 * connection is worthless on any other. The signed message is
 *     "hearth proof v1\0" (16 bytes) | purpose (1 byte) | hs_hash (32) | body
 * where body is the room id (subscribe), the room id and the new key
 * (rotate), or the mailbox public key (claim).
 */
#ifndef HEARTH_PROOF_H
#define HEARTH_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROOF_PUB_LEN 32
#define PROOF_SEC_LEN 64 /* libsodium's Ed25519 secret key: seed | pub */
#define PROOF_SEED_LEN 32
#define PROOF_SIG_LEN 64
#define PROOF_HASH_LEN 32
#define PROOF_ID_LEN 32
#define PROOF_BODY_MAX 64

enum proof_purpose {
	PROOF_ROOM_SUB = 1,
	PROOF_ROOM_ROTATE = 2,
	PROOF_MBOX_CLAIM = 3,
};

/* Makes an Ed25519 key pair from a 32-byte seed (deterministic). */
void proof_keypair(uint8_t pub[static PROOF_PUB_LEN],
    uint8_t sec[static PROOF_SEC_LEN],
    const uint8_t seed[static PROOF_SEED_LEN]);

/* Signs the proof message for purpose over hs_hash and body (<= 64 B). */
int proof_sign(uint8_t sig[static PROOF_SIG_LEN],
    const uint8_t sec[static PROOF_SEC_LEN], enum proof_purpose purpose,
    const uint8_t hs_hash[static PROOF_HASH_LEN], const uint8_t *body,
    size_t len);

/* True if sig is pub's signature of that proof message. */
bool proof_verify(const uint8_t sig[static PROOF_SIG_LEN],
    const uint8_t pub[static PROOF_PUB_LEN], enum proof_purpose purpose,
    const uint8_t hs_hash[static PROOF_HASH_LEN], const uint8_t *body,
    size_t len);

/*
 * A mailbox's id: BLAKE2b-256 of a fixed label and the mailbox's public
 * key. Anyone who knows the id can put; only the key's holder can claim.
 * The id reveals nothing of the key, and the key is not an identity key.
 */
void proof_mbox_id(uint8_t id[static PROOF_ID_LEN],
    const uint8_t mbox_pub[static PROOF_PUB_LEN]);

/* An escrow's name: BLAKE2b-256 of a fixed label and its cancel token. */
void proof_escrow_hash(uint8_t hash[static PROOF_ID_LEN],
    const uint8_t token[static PROOF_ID_LEN]);

/* Compares n bytes in constant time (for operator tokens). */
bool proof_equal(const void *a, const void *b, size_t n);

#endif
