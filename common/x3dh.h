/* SPDX-License-Identifier: ISC */
/*
 * X3DH key agreement (Signal's published specification) from a prekey
 * bundle: the initiator combines its identity key and a fresh ephemeral
 * key with the responder's identity key, signed prekey and, if the bundle
 * still has one, a one-time prekey. Both sides end with the same 32-byte
 * secret SK and the associated data AD = IK_initiator || IK_responder
 * (Ed25519 keys), which start the Double Ratchet (common/ratchet.h).
 *
 * Identity keys are Ed25519 and are converted to X25519 for the DH steps;
 * the signed prekey carries an ordinary Ed25519 signature, so no XEdDSA is
 * needed.
 */
#ifndef HEARTH_X3DH_H
#define HEARTH_X3DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ident.h"

#define X3DH_VERSION 1
#define X3DH_KEY_LEN 32
#define X3DH_SK_LEN 32
#define X3DH_AD_LEN (2 * IDENT_PK_LEN)
/* ver | ik | spk_id | spk | sig | has_opk | opk_id | opk */
#define X3DH_BUNDLE_LEN (1 + 32 + 4 + 32 + 64 + 1 + 4 + 32)
/* ver | ik | ek | spk_id | has_opk | opk_id */
#define X3DH_INIT_LEN (1 + 32 + 32 + 4 + 1 + 4)

/* A prekey: an X25519 pair with the id the bundle names it by. */
struct x3dh_prekey {
	uint32_t id;
	uint8_t priv[X3DH_KEY_LEN];
	uint8_t pub[X3DH_KEY_LEN];
};

/* What the relay hands out for a persona (public parts only). */
struct x3dh_bundle {
	uint8_t ik[IDENT_PK_LEN];
	uint32_t spk_id;
	uint8_t spk[X3DH_KEY_LEN];
	uint8_t spk_sig[IDENT_SIG_LEN];
	bool has_opk;
	uint32_t opk_id;
	uint8_t opk[X3DH_KEY_LEN];
};

/* What the initiator sends with its first message. */
struct x3dh_init {
	uint8_t ik[IDENT_PK_LEN];
	uint8_t ek[X3DH_KEY_LEN];
	uint32_t spk_id;
	bool has_opk;
	uint32_t opk_id;
};

/* Makes a random prekey with the given id. */
void x3dh_prekey_new(struct x3dh_prekey *pk, uint32_t id);

/* Wipes a prekey. */
void x3dh_prekey_wipe(struct x3dh_prekey *pk);

/*
 * Fills b with id's identity key and the signed prekey spk, signing it
 * with id; opk (may be NULL) becomes the one-time prekey.
 */
void x3dh_bundle_make(struct x3dh_bundle *b, const struct ident *id,
    const struct x3dh_prekey *spk, const struct x3dh_prekey *opk);

/* Serialises b into out (X3DH_BUNDLE_LEN bytes). */
void x3dh_bundle_encode(
    const struct x3dh_bundle *b, uint8_t out[static X3DH_BUNDLE_LEN]);

/*
 * Parses an untrusted bundle and checks its prekey signature. ERR_TRUNCATED
 * or ERR_TOO_BIG if len is not X3DH_BUNDLE_LEN, ERR_VERSION for another
 * version, ERR_PROTO for a malformed flag, ERR_CRYPTO for a bad signature.
 */
int x3dh_bundle_decode(struct x3dh_bundle *b, const uint8_t *in, size_t len);

/* Serialises m into out (X3DH_INIT_LEN bytes). */
void x3dh_init_encode(
    const struct x3dh_init *m, uint8_t out[static X3DH_INIT_LEN]);

/* Parses an untrusted initial message; errors as x3dh_bundle_decode. */
int x3dh_init_decode(struct x3dh_init *m, const uint8_t *in, size_t len);

/*
 * Initiator: checks b's signature, makes an ephemeral key, and writes the
 * initial message into m, the shared secret into sk and the associated
 * data into ad. The ephemeral private key is wiped before returning.
 * ERR_CRYPTO if the signature or a DH fails; sk is then zero.
 */
int x3dh_initiate(const struct ident *self, const struct x3dh_bundle *b,
    struct x3dh_init *m, uint8_t sk[static X3DH_SK_LEN],
    uint8_t ad[static X3DH_AD_LEN]);

/*
 * Responder: from the initial message m, its own signed prekey spk and the
 * one-time prekey opk it names (NULL if m names none), writes sk and ad.
 * ERR_NOTFOUND if m names another prekey than the ones given, ERR_CRYPTO if
 * a DH fails. On success the caller deletes opk for good, so a replayed
 * initial message cannot reuse it.
 */
int x3dh_respond(const struct ident *self, const struct x3dh_prekey *spk,
    const struct x3dh_prekey *opk, const struct x3dh_init *m,
    uint8_t sk[static X3DH_SK_LEN], uint8_t ad[static X3DH_AD_LEN]);

#endif
