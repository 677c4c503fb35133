/* SPDX-License-Identifier: ISC */
/*
 * Rooms: what a room secret derives, and sender keys.
 *
 * The room secret (32 random bytes, carried in the invite and replaced at
 * every epoch) derives, each with its own crypto_kdf context: the room id
 * the relay knows the room by, the seed of the Ed25519 access key pair
 * whose public half the relay stores, the board key, and the header key
 * that hides who sent a room message from the relay.
 *
 * Sender keys: per epoch every member has a symmetric chain and an
 * Ed25519 signing key. A room message is encrypted once with the next
 * message key of the sender's chain and signed; every member holds each
 * other member's chain (from a distribution message that travels over the
 * pairwise sessions) and checks the signature. A new epoch (a removal, or
 * a periodic rotation) brings a new room secret and new sender keys, handed
 * only to the remaining members.
 *
 * Like the ratchet, encrypt and decrypt never change the state they are
 * given: they write the advanced state into next, which the caller
 * persists before the ciphertext leaves or the plaintext is shown.
 */
#ifndef HEARTH_SENDERKEY_H
#define HEARTH_SENDERKEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/ident.h"

#define SENDERKEY_VERSION 1
#define SENDERKEY_SECRET_LEN 32
#define SENDERKEY_ID_LEN 32
#define SENDERKEY_KEY_LEN 32
#define SENDERKEY_PK_LEN 32
#define SENDERKEY_SK_LEN 64
#define SENDERKEY_SIG_LEN 64
/* A message may skip this many keys of a member's chain... */
#define SENDERKEY_MAX_SKIP 2000
/* ...but only the most recent this many skipped keys are kept. */
#define SENDERKEY_SKIP_CAP 100
#define SENDERKEY_COUNTER_MAX 0x80000000u
/* ver | nonce | sealed header (epoch | signer | n) + tag */
#define SENDERKEY_HDR_LEN (1 + 24 + 4 + 32 + 4 + 16)
/* Header, body tag, signature: what a room message adds to padding. */
#define SENDERKEY_OVERHEAD (SENDERKEY_HDR_LEN + 16 + SENDERKEY_SIG_LEN)
/* The most plain text one room message carries. */
#define SENDERKEY_PT_MAX (65536 - 1024 - SENDERKEY_OVERHEAD - 1)
/*
 * ver | room id | epoch | n | chain key | signing key | identity signature
 * (by the member's identity key, over the label, room id, epoch and
 * signing key) | owner signature (by the signing key, over another label,
 * the room id, epoch and the member's identity key): each key vouches for
 * the other, so the signing key is this member's and nobody else's
 */
#define SENDERKEY_DIST_LEN (1 + 32 + 4 + 4 + 32 + 32 + 64 + 64)
#define SENDERKEY_OWN_LEN (1 + 4 + 4 + 32 + 64)
#define SENDERKEY_PEER_FIXED (1 + 4 + 4 + 32 + 32 + 2)
#define SENDERKEY_PEER_MAX (SENDERKEY_PEER_FIXED + SENDERKEY_SKIP_CAP * 36)

/* Everything a room secret derives. */
struct senderkey_room {
	uint8_t id[SENDERKEY_ID_LEN];
	uint8_t access_pk[SENDERKEY_PK_LEN];
	uint8_t access_sk[SENDERKEY_SK_LEN];
	uint8_t board_key[SENDERKEY_KEY_LEN];
	uint8_t header_key[SENDERKEY_KEY_LEN];
};

/* This member's own sender key for one epoch. */
struct senderkey_own {
	uint32_t epoch;
	uint32_t n; /* the next message's index */
	uint8_t ck[SENDERKEY_KEY_LEN];
	uint8_t sign_sk[SENDERKEY_SK_LEN]; /* seed || pk */
};

struct senderkey_skip {
	uint32_t n;
	uint8_t mk[SENDERKEY_KEY_LEN];
};

/* Another member's sender key as this member holds it. */
struct senderkey_peer {
	uint32_t epoch;
	uint32_t n; /* the next index expected */
	uint8_t ck[SENDERKEY_KEY_LEN];
	uint8_t sign_pk[SENDERKEY_PK_LEN];
	uint16_t nskip;
	struct senderkey_skip skip[SENDERKEY_SKIP_CAP]; /* oldest first */
};

/* The clear part of a room message, once its header is opened. */
struct senderkey_hdr {
	uint32_t epoch;
	uint32_t n;
	uint8_t signer[SENDERKEY_PK_LEN];
};

/* Makes a fresh random room secret. */
void senderkey_secret_new(uint8_t secret[static SENDERKEY_SECRET_LEN]);

/* Derives everything in r from secret. */
void senderkey_room_derive(struct senderkey_room *r,
    const uint8_t secret[static SENDERKEY_SECRET_LEN]);

/* Wipes r. */
void senderkey_room_wipe(struct senderkey_room *r);

/* Makes this member's fresh sender key for epoch. */
void senderkey_own_new(struct senderkey_own *own, uint32_t epoch);

/* Wipes own (or a peer with senderkey_peer_wipe). */
void senderkey_own_wipe(struct senderkey_own *own);
void senderkey_peer_wipe(struct senderkey_peer *p);

/*
 * Writes own's distribution message for room r into out, signed by the
 * member's identity me: what another member needs to read own's messages
 * from now on. It carries the chain key, so it must only travel inside a
 * pairwise session.
 */
void senderkey_dist_encode(const struct senderkey_own *own,
    const struct senderkey_room *r, const struct ident *me,
    uint8_t out[static SENDERKEY_DIST_LEN]);

/*
 * Makes a peer state from a distribution message for room r that came
 * over the pairwise session with the member whose identity key is
 * member_pk. ERR_TRUNCATED or ERR_TOO_BIG for a wrong length,
 * ERR_VERSION, ERR_PROTO if it names another room or its counter is over
 * the limit, ERR_CRYPTO if member_pk did not sign it: a member cannot
 * pass another member's sender key off as their own.
 */
int senderkey_dist_decode(struct senderkey_peer *p,
    const struct senderkey_room *r, const uint8_t member_pk[static 32],
    const uint8_t *in, size_t len);

/*
 * Pads and encrypts pt[0..len) as own's next room message into out (cap
 * bytes; *out_len is a bucket size), writing the advanced state into
 * next. ERR_TOO_BIG if len is over SENDERKEY_PT_MAX or out too small,
 * ERR_NONCE if the chain is used up.
 */
int senderkey_encrypt(const struct senderkey_own *cur,
    struct senderkey_own *next, const struct senderkey_room *r,
    const uint8_t *pt, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Opens the header of the untrusted room message msg[0..len), so the
 * caller can find the sender's peer state. ERR_TRUNCATED, ERR_VERSION,
 * ERR_CRYPTO if it was not sealed with this epoch's header key.
 */
int senderkey_peek(const struct senderkey_room *r, const uint8_t *msg,
    size_t len, struct senderkey_hdr *h);

/*
 * Checks the signature and decrypts msg[0..len) from peer cur into out
 * (cap bytes, content length in *out_len), writing the advanced state into
 * next. ERR_EPOCH if it belongs to another epoch or another sender,
 * ERR_CRYPTO if the signature or tag fails, ERR_SKIP if the gap is over
 * SENDERKEY_MAX_SKIP or the counter over the limit, ERR_REPLAY if the
 * key was used or dropped, ERR_PAD, ERR_TOO_BIG if out is too small.
 */
int senderkey_decrypt(const struct senderkey_peer *cur,
    struct senderkey_peer *next, const struct senderkey_room *r,
    const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Copies src into dst (dst's unused skipped slots are zeroed). */
void senderkey_peer_copy(
    struct senderkey_peer *dst, const struct senderkey_peer *src);

/* Serialises own into out; restores it (errors as senderkey_peer_load). */
void senderkey_own_save(
    const struct senderkey_own *own, uint8_t out[static SENDERKEY_OWN_LEN]);
int senderkey_own_load(
    struct senderkey_own *own, const uint8_t *in, size_t len);

/*
 * Serialises p into out (cap bytes, at most SENDERKEY_PEER_MAX), length in
 * *out_len; ERR_TOO_BIG if cap is too small. Loading refuses anything save
 * could not have written (ERR_TRUNCATED, ERR_TOO_BIG, ERR_VERSION,
 * ERR_PROTO) and wipes p.
 */
int senderkey_peer_save(
    const struct senderkey_peer *p, uint8_t *out, size_t cap, size_t *out_len);
int senderkey_peer_load(
    struct senderkey_peer *p, const uint8_t *in, size_t len);

#endif
