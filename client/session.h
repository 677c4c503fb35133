/* SPDX-License-Identifier: ISC */
/*
 * One pairwise session with a peer, as Signal keeps it: the current
 * Double Ratchet state and the previous one. Two members often start
 * sessions with each other at the same moment (both read the other's room
 * announcement); each then accepts the other's new session and keeps its
 * own as the previous state, so messages on either still decrypt, and the
 * state that last decrypted a message is the one used to send.
 *
 * Frame (the plaintext inside a sealed envelope):
 *   ver (1) | flags (1; bit 0: an X3DH initial message follows)
 *   | [X3DH initial message, X3DH_INIT_LEN] | Double Ratchet message
 * The initiator attaches its initial message to every frame until a frame
 * from the peer decrypts on that session (docs/crypto.md).
 *
 * Replays. The relay can replay any envelope. A replayed ratchet message
 * is refused by the ratchet. A replayed initial message could start a
 * fresh copy of a session whose state was since dropped (always so when
 * it used only the signed prekey), so the ephemeral keys of the last
 * SESSION_SEEN_MAX accepted initial messages are kept and a repeat is
 * refused unless the state it started is still held.
 *
 * Pure, like common/ratchet.h: no I/O, no allocation, and every change is
 * written into next while cur stays as it was. The caller persists next
 * (and, after a decrypt, the prekeys in pk_next) before sending the frame
 * or showing the plaintext, and only then adopts them; see "What the
 * engine must do" in docs/crypto.md. cur and next must be different
 * objects, and out must not overlap the input. struct session is large
 * (two ratchet states, about 70 KB): allocate it on the heap.
 */
#ifndef HEARTH_SESSION_H
#define HEARTH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/prekeys.h"
#include "common/ident.h"
#include "common/ratchet.h"
#include "common/x3dh.h"

#define SESSION_VERSION 1
/* Ephemeral keys of accepted initial messages remembered (oldest
 * dropped). At least 2, so that every held state's key is among them. */
#define SESSION_SEEN_MAX 64
#define SESSION_FLAG_INIT 0x01
#define SESSION_FRAME_HEADER 2
/* The longest frame session_encrypt writes for ptlen bytes of text. */
#define SESSION_FRAME_MAX(ptlen)                                               \
	(SESSION_FRAME_HEADER + X3DH_INIT_LEN + RATCHET_OVERHEAD + (ptlen))
/*
 * The serialised record: ver | peer | flags (bit 0 has_cur, 1 has_prev,
 * 2 init_pending) | cur_ek | prev_ek | init | nseen (u16) | seen[nseen],
 * then for each state held (cur first): u32 length | ratchet_save bytes.
 */
#define SESSION_SAVED_FIXED                                                    \
	(1 + IDENT_PK_LEN + 1 + 2 * X3DH_KEY_LEN + X3DH_INIT_LEN + 2)
#define SESSION_SAVED_MAX                                                      \
	(SESSION_SAVED_FIXED + SESSION_SEEN_MAX * X3DH_KEY_LEN +               \
	    2 * (4 + RATCHET_STATE_MAX))

struct session {
	uint8_t peer[IDENT_PK_LEN]; /* the peer's Ed25519 identity key */
	bool has_cur, has_prev;
	struct ratchet cur, prev;
	/* The EK_A of the initial message each state was started from as
	 * responder; zero if we initiated it (or the state is absent). */
	uint8_t cur_ek[X3DH_KEY_LEN], prev_ek[X3DH_KEY_LEN];
	/* cur was started by us and nothing from the peer has decrypted on
	 * it yet: init, the encoded initial message, goes with each frame.
	 * init is zero otherwise. */
	bool init_pending;
	uint8_t init[X3DH_INIT_LEN];
	/* EK_A of the initial messages accepted, oldest first; slots from
	 * nseen on are zero. */
	uint16_t nseen;
	uint8_t seen[SESSION_SEEN_MAX][X3DH_KEY_LEN];
};

/* Makes s an empty session with peer (no state: it can neither send nor
 * receive until session_initiate or an initial message from peer). */
void session_empty(struct session *s, const uint8_t peer[static IDENT_PK_LEN]);

/* Copies src into dst. */
void session_copy(struct session *dst, const struct session *src);

/* Wipes s. */
void session_wipe(struct session *s);

/*
 * Starts a new outgoing session from the peer's bundle b and writes the
 * record into next: the new state becomes current, cur's current state
 * becomes the previous one (cur's previous one is dropped), and the
 * initial message is pending. The caller has checked that b->ik is the
 * contact's known key; ERR_PROTO all the same if it is not cur->peer,
 * ERR_CRYPTO if the bundle's signature or a DH fails. On failure next is
 * a copy of cur.
 */
int session_initiate(const struct session *cur, struct session *next,
    const struct ident *me, const struct x3dh_bundle *b);

/*
 * Encrypts pt[0..len) into a frame in out (cap bytes, at most
 * SESSION_FRAME_MAX(len); length in *out_len) with the current state,
 * attaching the initial message while it is pending, and writes the
 * advanced record into next. ERR_PROTO if there is no current state or it
 * cannot send yet, ERR_TOO_BIG if out is too small, the ratchet's errors
 * otherwise. On failure next is a copy of cur.
 */
int session_encrypt(const struct session *cur, struct session *next,
    const uint8_t *pt, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Decrypts the untrusted frame in[0..len) from sender (the identity
 * sealed_open reported) into out (cap bytes, length in *out_len), writing
 * the advanced record into next and our prekeys into pk_next (me and
 * pk_cur are this persona's identity and prekeys; pk_cur and pk_next
 * must be different objects).
 *
 * With an initial message: if a held state was started from its EK_A,
 * the ratchet message is decrypted on that state. Otherwise, if that EK_A
 * was accepted before, ERR_REPLAY. Otherwise X3DH runs with the signed
 * prekey and one-time prekey it names (ERR_NOTFOUND if either is gone)
 * and the ratchet message is decrypted on the new state; on success it
 * becomes the current state (the current one becomes the previous one),
 * its EK_A is remembered, and pk_next is pk_cur without the one-time
 * prekey used.
 *
 * Without: the current state is tried, then the previous one.
 *
 * A success on the previous state makes it the current one; any success
 * ends a pending initial message (the state that decrypted is now known
 * to the peer). ERR_PROTO if sender is not cur->peer, if the initial
 * message is from someone else, or if there is no state to try;
 * ERR_TRUNCATED, ERR_VERSION or ERR_PROTO for a malformed frame; the
 * ratchet's errors otherwise (cur's if both states fail). On any failure
 * next and pk_next are copies of cur and pk_cur: nothing to persist.
 */
int session_decrypt(const struct session *cur, struct session *next,
    const struct prekeys *pk_cur, struct prekeys *pk_next,
    const struct ident *me, const uint8_t sender[static IDENT_PK_LEN],
    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The length session_save will write for s. */
size_t session_saved_len(const struct session *s);

/*
 * Serialises s into out (cap bytes, at most SESSION_SAVED_MAX), length in
 * *out_len. ERR_TOO_BIG if cap is too small. The output holds secret
 * keys: the caller wipes it.
 */
int session_save(
    const struct session *s, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Restores a record from in[0..len). ERR_TRUNCATED, ERR_TOO_BIG,
 * ERR_VERSION or ERR_PROTO (an inconsistent field) for anything
 * session_save could not have written; s is then wiped.
 */
int session_load(struct session *s, const uint8_t *in, size_t len);

#endif
