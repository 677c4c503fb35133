/* SPDX-License-Identifier: ISC */
/*
 * Member announcements: what a member posts in the room log so the other
 * members can start pairwise sessions with it (docs/engine.md,
 * Membership). An announcement names the member's identity key, chosen
 * name, mailbox key and signed prekey bundle, with the time, and is
 * signed by the identity key for this room:
 *
 *   plain = ver | ik | name len | name | mailbox pk | bundle | time (BE)
 *           | Ed25519(ik, "hearth announce v1\0" | room id | the above)
 *
 * It is padded so the envelope is exactly ANNOUNCE_LEN bytes, and
 * encrypted under the room's announce key (from the room secret, kdf
 * context "hrth-ann"), which every holder of the invite can derive:
 *
 *   envelope = ver | nonce (24) | XChaCha20-Poly1305(announce key, nonce,
 *              ad = "hearth announce v1" | room id, pad(plain))
 *
 * The relay, which has no room secret, learns only that some member
 * posted 1 KiB; every member, and everyone who ever held this epoch's
 * invite, can read the member list.
 */
#ifndef HEARTH_ANNOUNCE_H
#define HEARTH_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/ident.h"
#include "common/utf8.h"
#include "common/x3dh.h"

#define ANNOUNCE_VERSION 1
#define ANNOUNCE_KEY_LEN 32
#define ANNOUNCE_ROOM_ID_LEN 32
#define ANNOUNCE_NONCE_LEN 24
/* The envelope's version byte, nonce and tag. */
#define ANNOUNCE_OVERHEAD (1 + ANNOUNCE_NONCE_LEN + 16)
/* The plain text without its name: ver, ik, name length, mailbox key,
 * bundle, time, signature. */
#define ANNOUNCE_PLAIN_FIXED                                                   \
	(1 + IDENT_PK_LEN + 1 + IDENT_PK_LEN + X3DH_BUNDLE_LEN + 8 +           \
	    IDENT_SIG_LEN)
#define ANNOUNCE_PLAIN_MAX (ANNOUNCE_PLAIN_FIXED + UTF8_NAME_MAX)
/* Every envelope is exactly this long, whatever the name: the 1 KiB
 * bucket of common/pad.h holds the longest (tested). */
#define ANNOUNCE_LEN 1024

struct announce {
	uint8_t ik[IDENT_PK_LEN];     /* Ed25519 identity key */
	char name[UTF8_NAME_MAX + 1]; /* NUL-terminated, utf8_name_ok */
	/* Ed25519; its hash is the mailbox id, its X25519 form the key
	 * sealed envelopes for this member are addressed to. */
	uint8_t mbox_pk[IDENT_PK_LEN];
	struct x3dh_bundle bundle; /* bundle.ik == ik */
	uint64_t time_s;           /* seconds since the epoch, as claimed */
};

/* Derives the announce key of the room whose secret is room_secret. The
 * caller wipes key. */
void announce_key(
    uint8_t key[static ANNOUNCE_KEY_LEN], const uint8_t room_secret[static 32]);

/*
 * Signs a as the member me for the room room_id, pads and encrypts it
 * under key into out (cap bytes); *out_len is then ANNOUNCE_LEN. The
 * nonce is random. ERR_PROTO if a->ik or a->bundle.ik is not me's key,
 * ERR_UTF8 if a->name fails utf8_name_ok, ERR_CRYPTO if the bundle's
 * signature or the mailbox key is invalid (what announce_open would
 * refuse), ERR_TOO_BIG if cap is under ANNOUNCE_LEN. Nothing is kept.
 */
int announce_seal(const struct ident *me,
    const uint8_t key[static ANNOUNCE_KEY_LEN],
    const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN],
    const struct announce *a, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Decrypts and checks the untrusted envelope in[0..len) of room room_id
 * into *out (cleared first, and again on failure). It must be exactly
 * ANNOUNCE_LEN bytes (ERR_TRUNCATED, ERR_TOO_BIG), of this version
 * (ERR_VERSION), sealed under key for this room (ERR_CRYPTO), correctly
 * padded (ERR_PAD), and parse exactly: every field present
 * (ERR_TRUNCATED), no trailing bytes (ERR_TOO_BIG), a name length of 1 to
 * UTF8_NAME_MAX (ERR_PROTO) and a name utf8_name_ok accepts (ERR_UTF8).
 * Then the identity signature must hold for this room (ERR_CRYPTO), the
 * bundle must decode with a valid prekey signature (x3dh_bundle_decode's
 * errors) and name the same identity (ERR_PROTO), and the mailbox key
 * must be a valid point (ERR_CRYPTO).
 *
 * A valid announcement proves only that the holder of out->ik posted it
 * for this room at some time: the caller still refuses one whose time is
 * older than the last it accepted from out->ik (a replay of a stale
 * bundle), and compares out->ik with any key it already knows for that
 * name's owner. The name is unsanitised text.
 */
int announce_open(const uint8_t key[static ANNOUNCE_KEY_LEN],
    const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN], const uint8_t *in,
    size_t len, struct announce *out);

#endif
