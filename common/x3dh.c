/* SPDX-License-Identifier: ISC */
/*
 * X3DH as in Signal's specification, section 3: DH1 = DH(IK_A, SPK_B),
 * DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B),
 * SK = HKDF(F || DH1 || DH2 || DH3 [|| DH4]) with F = 32 bytes of 0xFF,
 * a zero salt and the info string below.
 */
#include "common/x3dh.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/kdf.h"

#define X3DH_DH_MAX 4
static const char x3dh_info[] = "hearth X3DH v1";
static const char x3dh_sig_ctx[] = "hearth signed prekey v1";

static void
x3dh_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
x3dh_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
x3dh_prekey_new(struct x3dh_prekey *pk, uint32_t id)
{
	pk->id = id;
	crypto_box_keypair(pk->pub, pk->priv);
}

void
x3dh_prekey_wipe(struct x3dh_prekey *pk)
{
	sodium_memzero(pk, sizeof *pk);
}

/* The signed message: context, prekey id, prekey. */
static void
x3dh_spk_msg(uint8_t out[static sizeof x3dh_sig_ctx - 1 + 4 + X3DH_KEY_LEN],
    uint32_t id, const uint8_t spk[static X3DH_KEY_LEN])
{
	memcpy(out, x3dh_sig_ctx, sizeof x3dh_sig_ctx - 1);
	x3dh_put32(out + sizeof x3dh_sig_ctx - 1, id);
	memcpy(out + sizeof x3dh_sig_ctx - 1 + 4, spk, X3DH_KEY_LEN);
}

void
x3dh_bundle_make(struct x3dh_bundle *b, const struct ident *id,
    const struct x3dh_prekey *spk, const struct x3dh_prekey *opk)
{
	uint8_t msg[sizeof x3dh_sig_ctx - 1 + 4 + X3DH_KEY_LEN];

	memset(b, 0, sizeof *b);
	memcpy(b->ik, id->pk, IDENT_PK_LEN);
	b->spk_id = spk->id;
	memcpy(b->spk, spk->pub, X3DH_KEY_LEN);
	x3dh_spk_msg(msg, spk->id, spk->pub);
	ident_sign(b->spk_sig, id, msg, sizeof msg);
	if (opk != NULL) {
		b->has_opk = true;
		b->opk_id = opk->id;
		memcpy(b->opk, opk->pub, X3DH_KEY_LEN);
	}
}

static int
x3dh_bundle_check(const struct x3dh_bundle *b)
{
	uint8_t msg[sizeof x3dh_sig_ctx - 1 + 4 + X3DH_KEY_LEN];

	x3dh_spk_msg(msg, b->spk_id, b->spk);
	return ident_verify(b->spk_sig, b->ik, msg, sizeof msg);
}

void
x3dh_bundle_encode(
    const struct x3dh_bundle *b, uint8_t out[static X3DH_BUNDLE_LEN])
{
	uint8_t *p = out;

	*p++ = X3DH_VERSION;
	memcpy(p, b->ik, 32);
	p += 32;
	x3dh_put32(p, b->spk_id);
	p += 4;
	memcpy(p, b->spk, 32);
	p += 32;
	memcpy(p, b->spk_sig, 64);
	p += 64;
	*p++ = b->has_opk ? 1 : 0;
	/* Without a one-time prekey its fields are zero, so the encoding of
	 * a bundle is unique. */
	x3dh_put32(p, b->has_opk ? b->opk_id : 0);
	p += 4;
	if (b->has_opk)
		memcpy(p, b->opk, 32);
	else
		memset(p, 0, 32);
}

/* Checks the length and version byte shared by both formats. */
static int
x3dh_check_len(const uint8_t *in, size_t len, size_t want)
{
	if (len < want)
		return ERR_TRUNCATED;
	if (len > want)
		return ERR_TOO_BIG;
	if (in[0] != X3DH_VERSION)
		return ERR_VERSION;
	return 0;
}

static int
x3dh_check_opk(uint8_t flag, const uint8_t *rest, size_t rest_len)
{
	if (flag > 1)
		return ERR_PROTO;
	if (flag == 0 && !sodium_is_zero(rest, rest_len))
		return ERR_PROTO;
	return 0;
}

int
x3dh_bundle_decode(struct x3dh_bundle *b, const uint8_t *in, size_t len)
{
	const uint8_t *p = in + 1;
	int rc;

	memset(b, 0, sizeof *b);
	rc = x3dh_check_len(in, len, X3DH_BUNDLE_LEN);
	if (rc < 0)
		return rc;
	rc = x3dh_check_opk(
	    in[1 + 32 + 4 + 32 + 64], in + 1 + 32 + 4 + 32 + 64 + 1, 36);
	if (rc < 0)
		return rc;
	memcpy(b->ik, p, 32);
	p += 32;
	b->spk_id = x3dh_get32(p);
	p += 4;
	memcpy(b->spk, p, 32);
	p += 32;
	memcpy(b->spk_sig, p, 64);
	p += 64;
	b->has_opk = *p++ == 1;
	b->opk_id = x3dh_get32(p);
	p += 4;
	memcpy(b->opk, p, 32);
	rc = x3dh_bundle_check(b);
	if (rc < 0)
		memset(b, 0, sizeof *b);
	return rc;
}

void
x3dh_init_encode(const struct x3dh_init *m, uint8_t out[static X3DH_INIT_LEN])
{
	out[0] = X3DH_VERSION;
	memcpy(out + 1, m->ik, 32);
	memcpy(out + 33, m->ek, 32);
	x3dh_put32(out + 65, m->spk_id);
	out[69] = m->has_opk ? 1 : 0;
	x3dh_put32(out + 70, m->has_opk ? m->opk_id : 0);
}

int
x3dh_init_decode(struct x3dh_init *m, const uint8_t *in, size_t len)
{
	int rc;

	memset(m, 0, sizeof *m);
	rc = x3dh_check_len(in, len, X3DH_INIT_LEN);
	if (rc < 0)
		return rc;
	rc = x3dh_check_opk(in[69], in + 70, 4);
	if (rc < 0)
		return rc;
	memcpy(m->ik, in + 1, 32);
	memcpy(m->ek, in + 33, 32);
	m->spk_id = x3dh_get32(in + 65);
	m->has_opk = in[69] == 1;
	m->opk_id = x3dh_get32(in + 70);
	return 0;
}

/*
 * SK from the DH outputs; ERR_CRYPTO if any DH is all zeros (a low-order
 * point from a hostile peer). dh holds 32 bytes of 0xFF then n outputs.
 */
static int
x3dh_kdf(uint8_t sk[static X3DH_SK_LEN], uint8_t *ikm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sodium_is_zero(ikm + 32 + 32 * i, 32))
			return ERR_CRYPTO;
	return kdf_hkdf(sk, X3DH_SK_LEN, NULL, 0, ikm, 32 + 32 * n, x3dh_info);
}

int
x3dh_initiate(const struct ident *self, const struct x3dh_bundle *b,
    struct x3dh_init *m, uint8_t sk[static X3DH_SK_LEN],
    uint8_t ad[static X3DH_AD_LEN])
{
	uint8_t ikm[32 + 32 * X3DH_DH_MAX];
	uint8_t ik_priv[32], ek_priv[32], ik_b[32];
	size_t n = 3;
	int rc;

	memset(m, 0, sizeof *m);
	memset(sk, 0, X3DH_SK_LEN);
	memset(ad, 0, X3DH_AD_LEN);
	memset(ikm, 0xff, 32);
	ident_dh_priv(ik_priv, self);
	crypto_box_keypair(m->ek, ek_priv);
	rc = x3dh_bundle_check(b);
	if (rc < 0)
		goto out;
	rc = ident_dh_pub(ik_b, b->ik);
	if (rc < 0)
		goto out;
	/* A failed scalarmult leaves zeros, which x3dh_kdf rejects. */
	rc = ERR_CRYPTO;
	if (crypto_scalarmult(ikm + 32, ik_priv, b->spk) != 0 ||
	    crypto_scalarmult(ikm + 64, ek_priv, ik_b) != 0 ||
	    crypto_scalarmult(ikm + 96, ek_priv, b->spk) != 0)
		goto out;
	if (b->has_opk) {
		if (crypto_scalarmult(ikm + 128, ek_priv, b->opk) != 0)
			goto out;
		n = 4;
	}
	rc = x3dh_kdf(sk, ikm, n);
	if (rc < 0)
		goto out;
	memcpy(m->ik, self->pk, IDENT_PK_LEN);
	m->spk_id = b->spk_id;
	m->has_opk = b->has_opk;
	m->opk_id = b->has_opk ? b->opk_id : 0;
	memcpy(ad, self->pk, IDENT_PK_LEN);
	memcpy(ad + IDENT_PK_LEN, b->ik, IDENT_PK_LEN);
out:
	if (rc < 0) {
		memset(m, 0, sizeof *m);
		sodium_memzero(sk, X3DH_SK_LEN);
	}
	sodium_memzero(ikm, sizeof ikm);
	sodium_memzero(ik_priv, sizeof ik_priv);
	sodium_memzero(ek_priv, sizeof ek_priv);
	return rc;
}

int
x3dh_respond(const struct ident *self, const struct x3dh_prekey *spk,
    const struct x3dh_prekey *opk, const struct x3dh_init *m,
    uint8_t sk[static X3DH_SK_LEN], uint8_t ad[static X3DH_AD_LEN])
{
	uint8_t ikm[32 + 32 * X3DH_DH_MAX];
	uint8_t ik_priv[32], ik_a[32];
	size_t n = 3;
	int rc;

	memset(sk, 0, X3DH_SK_LEN);
	memset(ad, 0, X3DH_AD_LEN);
	memset(ikm, 0xff, 32);
	ident_dh_priv(ik_priv, self);
	rc = ERR_NOTFOUND;
	if (m->spk_id != spk->id || m->has_opk != (opk != NULL))
		goto out;
	if (opk != NULL && m->opk_id != opk->id)
		goto out;
	rc = ident_dh_pub(ik_a, m->ik);
	if (rc < 0)
		goto out;
	rc = ERR_CRYPTO;
	if (crypto_scalarmult(ikm + 32, spk->priv, ik_a) != 0 ||
	    crypto_scalarmult(ikm + 64, ik_priv, m->ek) != 0 ||
	    crypto_scalarmult(ikm + 96, spk->priv, m->ek) != 0)
		goto out;
	if (opk != NULL) {
		if (crypto_scalarmult(ikm + 128, opk->priv, m->ek) != 0)
			goto out;
		n = 4;
	}
	rc = x3dh_kdf(sk, ikm, n);
	if (rc < 0)
		goto out;
	memcpy(ad, m->ik, IDENT_PK_LEN);
	memcpy(ad + IDENT_PK_LEN, self->pk, IDENT_PK_LEN);
out:
	if (rc < 0)
		sodium_memzero(sk, X3DH_SK_LEN);
	sodium_memzero(ikm, sizeof ikm);
	sodium_memzero(ik_priv, sizeof ik_priv);
	return rc;
}
