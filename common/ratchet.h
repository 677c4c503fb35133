/* SPDX-License-Identifier: ISC */
/*
 * The Double Ratchet (Signal's published specification, revision 1 of 2016): a
 * DH ratchet on X25519, symmetric chains with HMAC-SHA256, a root chain with
 * HKDF-SHA256, XChaCha20-Poly1305 message encryption, and a bounded store
 * of skipped message keys.
 *
 * Crash safety by construction: encrypt and decrypt never change the state
 * they are given. They write the advanced state into next; the caller must
 * persist next, and only then send the ciphertext (or show the plaintext)
 * and adopt next as the current state. If the process dies before that,
 * the old state on disk has not used the message key, and if it dies after,
 * the new state on disk has moved past it: a message key is never used for
 * two different messages. A failed call leaves next wiped. next and cur
 * must be different objects, and out must not overlap the input.
 *
 * Bounds: RATCHET_MAX_SKIP message keys may be skipped by one message (per
 * chain), at most RATCHET_SKIP_CAP skipped keys are stored (the oldest are
 * dropped first), and counters at or over RATCHET_COUNTER_MAX are refused
 * before any key is derived. The state has a fixed size.
 */
#ifndef HEARTH_RATCHET_H
#define HEARTH_RATCHET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATCHET_VERSION 1
#define RATCHET_KEY_LEN 32
#define RATCHET_AD_LEN 64
#define RATCHET_MAX_SKIP 500
#define RATCHET_SKIP_CAP 500
/* Far from 2^32 so that no arithmetic on a counter can wrap. */
#define RATCHET_COUNTER_MAX 0x80000000u
/* ver | dh | pn | n */
#define RATCHET_HEADER_LEN (1 + 32 + 4 + 4)
#define RATCHET_TAG_LEN 16
#define RATCHET_OVERHEAD (RATCHET_HEADER_LEN + RATCHET_TAG_LEN)
/* The serialised state: fixed part, then 68 bytes per skipped key. */
#define RATCHET_STATE_FIXED (1 + 64 + 6 * 32 + 1 + 3 * 4 + 2)
#define RATCHET_SKIP_ENTRY (32 + 4 + 32)
#define RATCHET_STATE_MAX                                                      \
	(RATCHET_STATE_FIXED + RATCHET_SKIP_CAP * RATCHET_SKIP_ENTRY)

struct ratchet_skip {
	uint8_t dh[RATCHET_KEY_LEN];
	uint32_t n;
	uint8_t mk[RATCHET_KEY_LEN];
};

struct ratchet {
	uint8_t ad[RATCHET_AD_LEN]; /* both identities, from X3DH */
	uint8_t rk[RATCHET_KEY_LEN];
	uint8_t dhs_priv[RATCHET_KEY_LEN];
	uint8_t dhs_pub[RATCHET_KEY_LEN];
	uint8_t dhr[RATCHET_KEY_LEN];
	uint8_t cks[RATCHET_KEY_LEN];
	uint8_t ckr[RATCHET_KEY_LEN];
	bool has_dhr, has_cks, has_ckr;
	uint32_t ns, nr, pn;
	uint16_t nskip;
	/* Oldest first; entries from nskip on are zero. */
	struct ratchet_skip skip[RATCHET_SKIP_CAP];
};

/*
 * Starts the initiator's side from the X3DH secret sk, associated data ad
 * and the responder's signed prekey spk (its first ratchet key).
 * ERR_CRYPTO if the DH fails; st is then wiped.
 */
int ratchet_init_initiator(struct ratchet *st,
    const uint8_t sk[static RATCHET_KEY_LEN],
    const uint8_t ad[static RATCHET_AD_LEN],
    const uint8_t spk[static RATCHET_KEY_LEN]);

/*
 * Starts the responder's side with its signed prekey pair. The responder
 * cannot send until it has received the initiator's first message.
 */
void ratchet_init_responder(struct ratchet *st,
    const uint8_t sk[static RATCHET_KEY_LEN],
    const uint8_t ad[static RATCHET_AD_LEN],
    const uint8_t spk_priv[static RATCHET_KEY_LEN],
    const uint8_t spk_pub[static RATCHET_KEY_LEN]);

/* Copies src into dst (dst's unused skipped slots are zeroed). */
void ratchet_copy(struct ratchet *dst, const struct ratchet *src);

/* Wipes st. */
void ratchet_wipe(struct ratchet *st);

/*
 * Encrypts pt[0..len) into out (cap bytes; len + RATCHET_OVERHEAD are
 * written, length in *out_len) and writes the advanced state into next;
 * cur is not changed (see the top of this file). ERR_PROTO if this side
 * has no sending chain yet, ERR_NONCE if the counter reached
 * RATCHET_COUNTER_MAX, ERR_TOO_BIG if out is too small.
 */
int ratchet_encrypt(const struct ratchet *cur, struct ratchet *next,
    const uint8_t *pt, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Decrypts the untrusted message msg[0..len) into out (cap bytes, length
 * in *out_len) and writes the advanced state into next; cur is not
 * changed. ERR_TRUNCATED if shorter than RATCHET_OVERHEAD, ERR_VERSION,
 * ERR_SKIP if a counter is over RATCHET_COUNTER_MAX or the gap over
 * RATCHET_MAX_SKIP, ERR_REPLAY if the message's key was used or deleted,
 * ERR_CRYPTO if it does not authenticate, ERR_TOO_BIG if out is too small.
 */
int ratchet_decrypt(const struct ratchet *cur, struct ratchet *next,
    const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The length ratchet_save will write for st. */
size_t ratchet_saved_len(const struct ratchet *st);

/*
 * Serialises st into out (cap bytes, at most RATCHET_STATE_MAX), length in
 * *out_len. ERR_TOO_BIG if cap is too small.
 */
int ratchet_save(
    const struct ratchet *st, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Restores a state from in[0..len). ERR_TRUNCATED, ERR_TOO_BIG, ERR_VERSION
 * or ERR_PROTO (an inconsistent field) for anything ratchet_save could not
 * have written; st is then wiped.
 */
int ratchet_load(struct ratchet *st, const uint8_t *in, size_t len);

#endif
