/* SPDX-License-Identifier: ISC */
/*
 * A persona's own X3DH prekeys: the current signed prekey, the one it
 * replaced (so initial messages written against a bundle fetched before a
 * rotation still open), and up to PREKEYS_OPK_MAX one-time prekeys whose
 * public halves are published to the relay.
 *
 * Pure and of fixed size: no I/O and no allocation. Functions that change
 * the set take const cur and write next, like common/ratchet.h, so the
 * caller persists next before publishing a key or acting on a message.
 * cur and next must be different objects.
 *
 * One-time prekey ids. The relay stores a one-time prekey by its public
 * key and hands it out as a bare 32-byte key next to the bundle, but an
 * X3DH initial message names the one-time prekey by a 32-bit id. So the id
 * is a function of the public key that the initiator can compute:
 * the first 4 bytes, big-endian, of BLAKE2b-256("hearth opk id v1" || pub)
 * (prekeys_opk_id). prekeys_refill draws a new key in the rare case its id
 * is already held, so held ids are distinct. Signed prekey ids come from
 * the counter next_id instead and are never reused; the two kinds of id
 * are separate fields of the initial message, so they cannot clash.
 */
#ifndef HEARTH_PREKEYS_H
#define HEARTH_PREKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ident.h"
#include "common/x3dh.h"

/* One-time prekeys held: a batch of 20 for each relay (a relay takes at
 * most 100 per publish). */
#define PREKEYS_OPK_MAX 200
#define PREKEYS_VERSION 1
/* The serialised set: ver | next_id | spk | has_old | spk_old | nopk, then
 * priv | pub per one-time prekey (its id is derived from pub). A signed
 * prekey is id | priv | pub. */
#define PREKEYS_SPK_LEN (4 + 2 * X3DH_KEY_LEN)
#define PREKEYS_OPK_LEN (2 * X3DH_KEY_LEN)
#define PREKEYS_SAVED_FIXED (1 + 4 + PREKEYS_SPK_LEN + 1 + PREKEYS_SPK_LEN + 2)
#define PREKEYS_SAVED_MAX                                                      \
	(PREKEYS_SAVED_FIXED + PREKEYS_OPK_MAX * PREKEYS_OPK_LEN)

struct prekeys {
	uint32_t next_id;       /* next signed prekey id (never reused) */
	struct x3dh_prekey spk; /* current signed prekey */
	/* The previous signed prekey, kept after a rotation so that late
	 * initial messages still open; zero if !has_old. */
	bool has_old;
	struct x3dh_prekey spk_old;
	/* One-time prekeys, oldest first; slots from nopk on are zero. */
	uint16_t nopk;
	struct x3dh_prekey opk[PREKEYS_OPK_MAX];
};

/* Makes a fresh set: a new signed prekey and no one-time prekeys. */
void prekeys_new(struct prekeys *pk);

/* Wipes pk. */
void prekeys_wipe(struct prekeys *pk);

/* Copies src into dst (dst's unused slots are zeroed). */
void prekeys_copy(struct prekeys *dst, const struct prekeys *src);

/*
 * Writes into next a copy of cur with a new signed prekey; cur's signed
 * prekey becomes the old one, and cur's old one is dropped (wiped).
 */
void prekeys_rotate(const struct prekeys *cur, struct prekeys *next);

/*
 * Writes into next a copy of cur topped up to n one-time prekeys (n is
 * capped at PREKEYS_OPK_MAX; nothing is added if cur holds n or more).
 * The new public halves go to pubs (room for n keys; may be NULL), their
 * count to *added, in the order they were appended.
 */
void prekeys_refill(const struct prekeys *cur, struct prekeys *next, size_t n,
    uint8_t pubs[][X3DH_KEY_LEN], size_t *added);

/*
 * Fills b with the signed prekey's bundle for identity id, without a
 * one-time prekey: what an announcement carries and what is published
 * as the persona's prekey bundle. id must be the identity pk belongs to.
 */
void prekeys_bundle(
    const struct prekeys *pk, const struct ident *id, struct x3dh_bundle *b);

/* The signed prekey (current or old) with that id, borrowed from pk;
 * NULL if neither has it. */
const struct x3dh_prekey *prekeys_spk(const struct prekeys *pk, uint32_t id);

/* The id of the one-time prekey with public key pub (see the top). */
uint32_t prekeys_opk_id(const uint8_t pub[static X3DH_KEY_LEN]);

/* Index in pk->opk of the one-time prekey with that id, or -1. */
int prekeys_opk_find(const struct prekeys *pk, uint32_t id);

/* Index in pk->opk of the one-time prekey with that public key, or -1. */
int prekeys_opk_by_pub(
    const struct prekeys *pk, const uint8_t pub[static X3DH_KEY_LEN]);

/*
 * Writes into next a copy of cur without the one-time prekey id (wiped,
 * later ones move down). ERR_NOTFOUND if cur has no such key; next is
 * then a copy of cur.
 */
int prekeys_opk_del(
    const struct prekeys *cur, struct prekeys *next, uint32_t id);

/* The length prekeys_save will write for pk. */
size_t prekeys_saved_len(const struct prekeys *pk);

/*
 * Serialises pk into out (cap bytes, at most PREKEYS_SAVED_MAX), length
 * in *out_len. ERR_TOO_BIG if cap is too small. The output holds private
 * keys: the caller wipes it.
 */
int prekeys_save(
    const struct prekeys *pk, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Restores a set from in[0..len). ERR_TRUNCATED, ERR_TOO_BIG, ERR_VERSION
 * or ERR_PROTO (an inconsistent field: a count over the bound, a public
 * key that is not its private key's, ids out of order or repeated,
 * non-zero unused fields) for anything prekeys_save could not have
 * written; pk is then wiped.
 */
int prekeys_load(struct prekeys *pk, const uint8_t *in, size_t len);

#endif
