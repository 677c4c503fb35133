/* SPDX-License-Identifier: ISC */
/*
 * Noise_NK_25519_ChaChaPoly_SHA256 (Noise revision 34) on libsodium: the
 * handshake state, the cipher states with 64-bit nonces, rekey and split.
 *
 *   NK:  <- s
 *        ...
 *        -> e, es
 *        <- e, ee
 *
 * The initiator (client) knows the responder's (relay's) static key and
 * stays anonymous. Nothing here allocates: every state lives in memory the
 * caller provides, so the caller decides where secrets live (the stream puts
 * them in sodium_malloc'd memory). Every function wipes what it no longer
 * needs, on failure paths too.
 */
#ifndef HEARTH_NOISE_H
#define HEARTH_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOISE_DH_LEN 32
#define NOISE_KEY_LEN 32
#define NOISE_HASH_LEN 32
#define NOISE_TAG_LEN 16
#define NOISE_MSG_MAX 65535
/* Noise message 1 and 2 of NK are an ephemeral key, payload and a tag. */
#define NOISE_HS_OVERHEAD (NOISE_DH_LEN + NOISE_TAG_LEN)

struct noise_cipher {
	uint8_t k[NOISE_KEY_LEN];
	uint64_t n;
	bool has_key;
};

enum noise_role { NOISE_INITIATOR, NOISE_RESPONDER };

struct noise_hs {
	enum noise_role role;
	int step; /* messages processed so far: 0, 1 or 2 */
	bool fixed_e;
	uint8_t ck[NOISE_HASH_LEN];
	uint8_t h[NOISE_HASH_LEN];
	struct noise_cipher c;
	uint8_t s_priv[NOISE_DH_LEN]; /* responder only */
	uint8_t s_pub[NOISE_DH_LEN];  /* responder: own; initiator: rs */
	uint8_t e_priv[NOISE_DH_LEN];
	uint8_t e_pub[NOISE_DH_LEN];
	uint8_t re[NOISE_DH_LEN];
};

/*
 * Starts a handshake as initiator, pinning the responder's static public
 * key rs. The prologue must be the same on both sides.
 */
void noise_hs_init_initiator(struct noise_hs *hs, const uint8_t *prologue,
    size_t prologue_len, const uint8_t rs[static NOISE_DH_LEN]);

/* Starts a handshake as responder with the static private key s. */
void noise_hs_init_responder(struct noise_hs *hs, const uint8_t *prologue,
    size_t prologue_len, const uint8_t s[static NOISE_DH_LEN]);

/*
 * Uses e as the ephemeral private key instead of a random one. Only for
 * test vectors; call right after init.
 */
void noise_hs_fix_ephemeral(
    struct noise_hs *hs, const uint8_t e[static NOISE_DH_LEN]);

/*
 * Writes this side's next handshake message with payload into out (cap
 * bytes) and stores its length in *out_len (payload_len +
 * NOISE_HS_OVERHEAD). ERR_HS_STATE if it is not this side's turn,
 * ERR_TOO_BIG if out is too small or the message passes NOISE_MSG_MAX,
 * ERR_CRYPTO if a DH result is all zeros.
 */
int noise_hs_write(struct noise_hs *hs, const uint8_t *payload,
    size_t payload_len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Reads the peer's next handshake message msg and writes its payload into
 * payload (cap bytes), length in *payload_len. ERR_HS_STATE out of turn,
 * ERR_TRUNCATED if msg is shorter than NOISE_HS_OVERHEAD, ERR_TOO_BIG if
 * payload is too small, ERR_CRYPTO if it does not authenticate. After any
 * failure the handshake state is wiped and unusable.
 */
int noise_hs_read(struct noise_hs *hs, const uint8_t *msg, size_t msg_len,
    uint8_t *payload, size_t cap, size_t *payload_len);

/* True once both messages have been written or read. */
bool noise_hs_done(const struct noise_hs *hs);

/*
 * Splits a finished handshake into this side's sending and receiving
 * cipher states, copies the handshake hash into hash (if not NULL), and
 * wipes hs. ERR_HS_STATE if the handshake is not finished.
 */
int noise_hs_split(struct noise_hs *hs, struct noise_cipher *tx,
    struct noise_cipher *rx, uint8_t hash[NOISE_HASH_LEN]);

/* Wipes a handshake state (safe to call on any state). */
void noise_hs_wipe(struct noise_hs *hs);

/*
 * Encrypts in[0..len) with associated data ad into out, which receives
 * len + NOISE_TAG_LEN bytes; out may equal in. ERR_NONCE if the nonce space
 * is used up (n would reach 2^64-1). Advances the nonce.
 */
int noise_cipher_encrypt(struct noise_cipher *c, const uint8_t *ad,
    size_t ad_len, const uint8_t *in, size_t len, uint8_t *out);

/*
 * Decrypts in[0..len) (len >= NOISE_TAG_LEN) into out, which receives
 * len - NOISE_TAG_LEN bytes; out may equal in. ERR_CRYPTO if it does not
 * authenticate (the nonce is then not advanced), ERR_TRUNCATED if len is
 * shorter than a tag, ERR_NONCE if the nonce space is used up. After a
 * failure out's contents are unspecified (libsodium may have zeroed them).
 */
int noise_cipher_decrypt(struct noise_cipher *c, const uint8_t *ad,
    size_t ad_len, const uint8_t *in, size_t len, uint8_t *out);

/* Replaces the key with REKEY(k) as the Noise specification defines it. */
void noise_cipher_rekey(struct noise_cipher *c);

/* Wipes a cipher state. */
void noise_cipher_wipe(struct noise_cipher *c);

/* Makes a static key pair: priv random, pub = X25519 base point times priv. */
void noise_keypair(
    uint8_t priv[static NOISE_DH_LEN], uint8_t pub[static NOISE_DH_LEN]);

/* Derives pub from priv. */
void noise_pubkey(
    uint8_t pub[static NOISE_DH_LEN], const uint8_t priv[static NOISE_DH_LEN]);

#endif
