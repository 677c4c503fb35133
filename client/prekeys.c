/* SPDX-License-Identifier: ISC */
/*
 * A persona's prekeys (see prekeys.h). Everything here is bookkeeping
 * around x3dh_prekey_new; the only cryptography of its own is the hash
 * that names a one-time prekey, and the check on load that each public
 * key belongs to its private key.
 */
#include "client/prekeys.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

static const char prekeys_opk_ctx[] = "hearth opk id v1";

static void
prekeys_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
prekeys_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
prekeys_new(struct prekeys *pk)
{
	sodium_memzero(pk, sizeof *pk);
	/* Ids start at 1 so that a zero id always means "unset". */
	x3dh_prekey_new(&pk->spk, 1);
	pk->next_id = 2;
}

void
prekeys_wipe(struct prekeys *pk)
{
	sodium_memzero(pk, sizeof *pk);
}

void
prekeys_copy(struct prekeys *dst, const struct prekeys *src)
{
	if (dst == src)
		return;
	dst->next_id = src->next_id;
	dst->spk = src->spk;
	dst->has_old = src->has_old;
	dst->spk_old = src->spk_old;
	dst->nopk = src->nopk;
	memcpy(dst->opk, src->opk, src->nopk * sizeof dst->opk[0]);
	sodium_memzero(dst->opk + src->nopk,
	    (PREKEYS_OPK_MAX - src->nopk) * sizeof dst->opk[0]);
}

void
prekeys_rotate(const struct prekeys *cur, struct prekeys *next)
{
	prekeys_copy(next, cur);
	next->spk_old = cur->spk;
	next->has_old = true;
	/* 2^32 rotations are out of reach, so next_id does not wrap. */
	x3dh_prekey_new(&next->spk, next->next_id++);
}

uint32_t
prekeys_opk_id(const uint8_t pub[static X3DH_KEY_LEN])
{
	crypto_generichash_state st;
	uint8_t h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(
	    &st, (const uint8_t *)prekeys_opk_ctx, sizeof prekeys_opk_ctx - 1);
	crypto_generichash_update(&st, pub, X3DH_KEY_LEN);
	crypto_generichash_final(&st, h, sizeof h);
	return prekeys_get32(h);
}

void
prekeys_refill(const struct prekeys *cur, struct prekeys *next, size_t n,
    uint8_t pubs[][X3DH_KEY_LEN], size_t *added)
{
	struct x3dh_prekey k;
	uint32_t id;

	*added = 0;
	prekeys_copy(next, cur);
	if (n > PREKEYS_OPK_MAX)
		n = PREKEYS_OPK_MAX;
	while (next->nopk < n) {
		/* Held ids must be distinct, or an initial message could
		 * name two keys; a clash is a 1 in 2^32 event per pair. */
		do {
			x3dh_prekey_new(&k, 0);
			id = prekeys_opk_id(k.pub);
		} while (prekeys_opk_find(next, id) >= 0);
		k.id = id;
		next->opk[next->nopk++] = k;
		if (pubs != NULL)
			memcpy(pubs[*added], k.pub, X3DH_KEY_LEN);
		(*added)++;
	}
	x3dh_prekey_wipe(&k);
}

void
prekeys_bundle(
    const struct prekeys *pk, const struct ident *id, struct x3dh_bundle *b)
{
	x3dh_bundle_make(b, id, &pk->spk, NULL);
}

const struct x3dh_prekey *
prekeys_spk(const struct prekeys *pk, uint32_t id)
{
	if (pk->spk.id == id)
		return &pk->spk;
	if (pk->has_old && pk->spk_old.id == id)
		return &pk->spk_old;
	return NULL;
}

int
prekeys_opk_find(const struct prekeys *pk, uint32_t id)
{
	for (size_t i = 0; i < pk->nopk; i++)
		if (pk->opk[i].id == id)
			return (int)i;
	return -1;
}

int
prekeys_opk_by_pub(
    const struct prekeys *pk, const uint8_t pub[static X3DH_KEY_LEN])
{
	for (size_t i = 0; i < pk->nopk; i++)
		if (memcmp(pk->opk[i].pub, pub, X3DH_KEY_LEN) == 0)
			return (int)i;
	return -1;
}

int
prekeys_opk_del(const struct prekeys *cur, struct prekeys *next, uint32_t id)
{
	int i;

	prekeys_copy(next, cur);
	i = prekeys_opk_find(next, id);
	if (i < 0)
		return ERR_NOTFOUND;
	memmove(next->opk + i, next->opk + i + 1,
	    (size_t)(next->nopk - i - 1) * sizeof next->opk[0]);
	next->nopk--;
	x3dh_prekey_wipe(&next->opk[next->nopk]);
	return 0;
}

size_t
prekeys_saved_len(const struct prekeys *pk)
{
	return PREKEYS_SAVED_FIXED + (size_t)pk->nopk * PREKEYS_OPK_LEN;
}

static uint8_t *
prekeys_put_spk(uint8_t *p, const struct x3dh_prekey *k)
{
	prekeys_put32(p, k->id);
	memcpy(p + 4, k->priv, X3DH_KEY_LEN);
	memcpy(p + 4 + X3DH_KEY_LEN, k->pub, X3DH_KEY_LEN);
	return p + PREKEYS_SPK_LEN;
}

int
prekeys_save(
    const struct prekeys *pk, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t *p = out;
	size_t len = prekeys_saved_len(pk);

	*out_len = 0;
	if (cap < len)
		return ERR_TOO_BIG;
	*p++ = PREKEYS_VERSION;
	prekeys_put32(p, pk->next_id);
	p += 4;
	p = prekeys_put_spk(p, &pk->spk);
	*p++ = pk->has_old ? 1 : 0;
	/* Without an old key its bytes are zero (they are in the struct
	 * too), so a set has one encoding. */
	p = prekeys_put_spk(p, &pk->spk_old);
	*p++ = (uint8_t)(pk->nopk >> 8);
	*p++ = (uint8_t)pk->nopk;
	for (size_t i = 0; i < pk->nopk; i++) {
		memcpy(p, pk->opk[i].priv, X3DH_KEY_LEN);
		memcpy(p + X3DH_KEY_LEN, pk->opk[i].pub, X3DH_KEY_LEN);
		p += PREKEYS_OPK_LEN;
	}
	*out_len = len;
	return 0;
}

/* True if pub is the public key of priv. */
static bool
prekeys_pair_ok(const struct x3dh_prekey *k)
{
	uint8_t pub[X3DH_KEY_LEN];

	crypto_scalarmult_base(pub, k->priv);
	return memcmp(pub, k->pub, X3DH_KEY_LEN) == 0;
}

static const uint8_t *
prekeys_get_spk(const uint8_t *p, struct x3dh_prekey *k)
{
	k->id = prekeys_get32(p);
	memcpy(k->priv, p + 4, X3DH_KEY_LEN);
	memcpy(k->pub, p + 4 + X3DH_KEY_LEN, X3DH_KEY_LEN);
	return p + PREKEYS_SPK_LEN;
}

int
prekeys_load(struct prekeys *pk, const uint8_t *in, size_t len)
{
	const uint8_t *p = in;
	uint8_t has_old;
	size_t nopk;
	int rc = ERR_TRUNCATED;

	sodium_memzero(pk, sizeof *pk);
	if (len < PREKEYS_SAVED_FIXED)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != PREKEYS_VERSION)
		goto out;
	nopk = (size_t)in[PREKEYS_SAVED_FIXED - 2] << 8 |
	       in[PREKEYS_SAVED_FIXED - 1];
	rc = ERR_PROTO;
	if (nopk > PREKEYS_OPK_MAX)
		goto out;
	rc = ERR_TRUNCATED;
	if (len < PREKEYS_SAVED_FIXED + nopk * PREKEYS_OPK_LEN)
		goto out;
	rc = ERR_TOO_BIG;
	if (len > PREKEYS_SAVED_FIXED + nopk * PREKEYS_OPK_LEN)
		goto out;
	p++;
	pk->next_id = prekeys_get32(p);
	p += 4;
	p = prekeys_get_spk(p, &pk->spk);
	has_old = *p++;
	p = prekeys_get_spk(p, &pk->spk_old);
	p += 2;
	pk->has_old = has_old == 1;
	rc = ERR_PROTO;
	/* Only sets prekeys_new, _rotate and _refill can make: signed
	 * prekey ids rise and stay under next_id, and zero is unset. */
	if (has_old > 1 || pk->spk.id == 0 || pk->spk.id >= pk->next_id ||
	    !prekeys_pair_ok(&pk->spk))
		goto out;
	if (pk->has_old) {
		if (pk->spk_old.id == 0 || pk->spk_old.id >= pk->spk.id ||
		    !prekeys_pair_ok(&pk->spk_old))
			goto out;
	} else if (!sodium_is_zero(
	               in + 1 + 4 + PREKEYS_SPK_LEN + 1, PREKEYS_SPK_LEN))
		goto out;
	for (size_t i = 0; i < nopk; i++) {
		struct x3dh_prekey *k = &pk->opk[i];

		memcpy(k->priv, p, X3DH_KEY_LEN);
		memcpy(k->pub, p + X3DH_KEY_LEN, X3DH_KEY_LEN);
		p += PREKEYS_OPK_LEN;
		k->id = prekeys_opk_id(k->pub);
		if (!prekeys_pair_ok(k) || prekeys_opk_find(pk, k->id) >= 0)
			goto out;
		pk->nopk++;
	}
	rc = 0;
out:
	if (rc < 0)
		sodium_memzero(pk, sizeof *pk);
	return rc;
}
