/* SPDX-License-Identifier: ISC */
/*
 * Double Ratchet. The functions follow the specification's pseudocode
 * (RatchetEncrypt, RatchetDecrypt, TrySkippedMessageKeys,
 * SkipMessageKeys, DHRatchet), with one difference: instead of rolling
 * back on an exception, every call works on a copy (next) and the caller's
 * state is const.
 *
 * KDF_RK(rk, dh) = HKDF-SHA256(salt = rk, ikm = dh, info) split into the
 * new root key and a chain key. KDF_CK is kdf_chain_step. ENCRYPT is
 * XChaCha20-Poly1305 with the message key and an all-zero nonce: each
 * message key encrypts exactly one message, so the nonce never repeats
 * under a key. Its associated data is AD || header, so a message is bound
 * to both identities and to its own header.
 */
#include "common/ratchet.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/kdf.h"

static const char ratchet_info[] = "hearth ratchet v1";

static void
ratchet_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
ratchet_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* KDF_RK: replaces rk and writes the new chain key into ck. */
static int
ratchet_kdf_rk(uint8_t rk[static RATCHET_KEY_LEN],
    uint8_t ck[static RATCHET_KEY_LEN], const uint8_t priv[static 32],
    const uint8_t pub[static 32])
{
	uint8_t dh[32], out[64];
	int rc = ERR_CRYPTO;

	/* libsodium refuses low-order points, whose output is all zero. */
	if (crypto_scalarmult(dh, priv, pub) != 0)
		goto out;
	rc = kdf_hkdf(
	    out, sizeof out, rk, RATCHET_KEY_LEN, dh, sizeof dh, ratchet_info);
	if (rc < 0)
		goto out;
	memcpy(rk, out, RATCHET_KEY_LEN);
	memcpy(ck, out + RATCHET_KEY_LEN, RATCHET_KEY_LEN);
out:
	sodium_memzero(dh, sizeof dh);
	sodium_memzero(out, sizeof out);
	return rc;
}

int
ratchet_init_initiator(struct ratchet *st,
    const uint8_t sk[static RATCHET_KEY_LEN],
    const uint8_t ad[static RATCHET_AD_LEN],
    const uint8_t spk[static RATCHET_KEY_LEN])
{
	int rc;

	sodium_memzero(st, sizeof *st);
	memcpy(st->ad, ad, RATCHET_AD_LEN);
	memcpy(st->rk, sk, RATCHET_KEY_LEN);
	crypto_box_keypair(st->dhs_pub, st->dhs_priv);
	memcpy(st->dhr, spk, RATCHET_KEY_LEN);
	st->has_dhr = true;
	rc = ratchet_kdf_rk(st->rk, st->cks, st->dhs_priv, st->dhr);
	if (rc < 0) {
		sodium_memzero(st, sizeof *st);
		return rc;
	}
	st->has_cks = true;
	return 0;
}

void
ratchet_init_responder(struct ratchet *st,
    const uint8_t sk[static RATCHET_KEY_LEN],
    const uint8_t ad[static RATCHET_AD_LEN],
    const uint8_t spk_priv[static RATCHET_KEY_LEN],
    const uint8_t spk_pub[static RATCHET_KEY_LEN])
{
	sodium_memzero(st, sizeof *st);
	memcpy(st->ad, ad, RATCHET_AD_LEN);
	memcpy(st->rk, sk, RATCHET_KEY_LEN);
	memcpy(st->dhs_priv, spk_priv, RATCHET_KEY_LEN);
	memcpy(st->dhs_pub, spk_pub, RATCHET_KEY_LEN);
}

void
ratchet_copy(struct ratchet *dst, const struct ratchet *src)
{
	if (dst == src)
		return;
	/* Copying only the used slots keeps a step cheap; the rest are
	 * zeroed so no old message key lingers in dst. */
	memcpy(dst, src, offsetof(struct ratchet, skip));
	memcpy(dst->skip, src->skip, src->nskip * sizeof src->skip[0]);
	sodium_memzero(dst->skip + src->nskip,
	    (RATCHET_SKIP_CAP - src->nskip) * sizeof src->skip[0]);
}

void
ratchet_wipe(struct ratchet *st)
{
	sodium_memzero(st, sizeof *st);
}

/* Writes the header and builds the AEAD associated data AD || header. */
static void
ratchet_header(uint8_t hdr[static RATCHET_HEADER_LEN],
    uint8_t ad[static RATCHET_AD_LEN + RATCHET_HEADER_LEN],
    const struct ratchet *st, const uint8_t dh[static 32], uint32_t pn,
    uint32_t n)
{
	hdr[0] = RATCHET_VERSION;
	memcpy(hdr + 1, dh, 32);
	ratchet_put32(hdr + 33, pn);
	ratchet_put32(hdr + 37, n);
	memcpy(ad, st->ad, RATCHET_AD_LEN);
	memcpy(ad + RATCHET_AD_LEN, hdr, RATCHET_HEADER_LEN);
}

int
ratchet_encrypt(const struct ratchet *cur, struct ratchet *next,
    const uint8_t *pt, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	static const uint8_t
	    nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ad[RATCHET_AD_LEN + RATCHET_HEADER_LEN];
	uint8_t mk[RATCHET_KEY_LEN];
	unsigned long long clen;
	int rc;

	assert(next != cur);
	*out_len = 0;
	ratchet_copy(next, cur);
	rc = ERR_PROTO;
	if (!cur->has_cks)
		goto out;
	rc = ERR_NONCE;
	if (cur->ns >= RATCHET_COUNTER_MAX)
		goto out;
	rc = ERR_TOO_BIG;
	if (cap < RATCHET_OVERHEAD || len > cap - RATCHET_OVERHEAD)
		goto out;
	kdf_chain_step(next->cks, mk);
	ratchet_header(out, ad, cur, cur->dhs_pub, cur->pn, cur->ns);
	next->ns++;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + RATCHET_HEADER_LEN,
	    &clen, pt, len, ad, sizeof ad, NULL, nonce, mk);
	*out_len = RATCHET_HEADER_LEN + (size_t)clen;
	rc = 0;
out:
	if (rc < 0)
		ratchet_wipe(next);
	sodium_memzero(mk, sizeof mk);
	return rc;
}

/* Decrypts the body with mk and the header's AD. */
static int
ratchet_open(const struct ratchet *st, const uint8_t mk[static 32],
    const uint8_t *msg, size_t len, uint8_t *out, size_t *out_len)
{
	static const uint8_t
	    nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ad[RATCHET_AD_LEN + RATCHET_HEADER_LEN];
	unsigned long long plen;

	memcpy(ad, st->ad, RATCHET_AD_LEN);
	memcpy(ad + RATCHET_AD_LEN, msg, RATCHET_HEADER_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
	        msg + RATCHET_HEADER_LEN, len - RATCHET_HEADER_LEN, ad,
	        sizeof ad, nonce, mk) != 0)
		return ERR_CRYPTO;
	*out_len = (size_t)plen;
	return 0;
}

/* Removes skipped entry i, keeping the order, and zeroes the freed slot. */
static void
ratchet_skip_del(struct ratchet *st, size_t i)
{
	memmove(st->skip + i, st->skip + i + 1,
	    (st->nskip - i - 1) * sizeof st->skip[0]);
	st->nskip--;
	sodium_memzero(st->skip + st->nskip, sizeof st->skip[0]);
}

/*
 * SkipMessageKeys: stores the keys of the receiving chain up to until.
 * The caller has checked until - nr <= RATCHET_MAX_SKIP. When the store
 * would overflow, the oldest keys go first, in one move.
 */
static void
ratchet_skip_until(struct ratchet *st, uint32_t until)
{
	size_t want, drop;
	struct ratchet_skip *e;

	if (!st->has_ckr || until <= st->nr)
		return;
	want = until - st->nr;
	if (st->nskip + want > RATCHET_SKIP_CAP) {
		drop = st->nskip + want - RATCHET_SKIP_CAP;
		if (drop > st->nskip)
			drop = st->nskip;
		memmove(st->skip, st->skip + drop,
		    (st->nskip - drop) * sizeof st->skip[0]);
		st->nskip = (uint16_t)(st->nskip - drop);
		sodium_memzero(st->skip + st->nskip, drop * sizeof st->skip[0]);
	}
	while (st->nr < until) {
		/* Only possible if MAX_SKIP > SKIP_CAP; drop the oldest. */
		if (st->nskip == RATCHET_SKIP_CAP)
			ratchet_skip_del(st, 0);
		e = &st->skip[st->nskip++];
		memcpy(e->dh, st->dhr, 32);
		e->n = st->nr;
		kdf_chain_step(st->ckr, e->mk);
		st->nr++;
	}
}

int
ratchet_decrypt(const struct ratchet *cur, struct ratchet *next,
    const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *dh;
	uint8_t mk[RATCHET_KEY_LEN];
	uint32_t pn, n;
	bool new_chain;
	int rc;

	assert(next != cur);
	*out_len = 0;
	ratchet_wipe(next);
	/* Everything about the header is checked before any derivation. */
	if (len < RATCHET_OVERHEAD)
		return ERR_TRUNCATED;
	if (msg[0] != RATCHET_VERSION)
		return ERR_VERSION;
	dh = msg + 1;
	pn = ratchet_get32(msg + 33);
	n = ratchet_get32(msg + 37);
	if (pn >= RATCHET_COUNTER_MAX || n >= RATCHET_COUNTER_MAX)
		return ERR_SKIP;
	if (cap < len - RATCHET_OVERHEAD)
		return ERR_TOO_BIG;

	/* TrySkippedMessageKeys: a lookup, no derivation; a hit is used once
	 * and deleted. It comes before the gap checks because a late message
	 * of an old chain may have any counter below the limit. */
	for (size_t i = 0; i < cur->nskip; i++) {
		if (cur->skip[i].n != n || memcmp(cur->skip[i].dh, dh, 32) != 0)
			continue;
		ratchet_copy(next, cur);
		rc = ratchet_open(cur, cur->skip[i].mk, msg, len, out, out_len);
		if (rc == 0)
			ratchet_skip_del(next, i);
		goto out;
	}
	new_chain = !cur->has_dhr || memcmp(dh, cur->dhr, 32) != 0;
	if (new_chain) {
		if (n > RATCHET_MAX_SKIP)
			return ERR_SKIP;
		if (cur->has_ckr && pn > cur->nr &&
		    pn - cur->nr > RATCHET_MAX_SKIP)
			return ERR_SKIP;
	} else {
		/*
		 * The initiator knows the responder's ratchet key (the signed
		 * prekey) before it has any receiving chain: a message on that
		 * key before the first real reply would be decrypted with an
		 * all-zero chain key that anyone can compute.
		 */
		if (!cur->has_ckr)
			return ERR_CRYPTO;
		if (n < cur->nr)
			return ERR_REPLAY;
		if (n - cur->nr > RATCHET_MAX_SKIP)
			return ERR_SKIP;
	}

	ratchet_copy(next, cur);
	if (new_chain) {
		/* DHRatchet. */
		ratchet_skip_until(next, pn);
		next->pn = next->ns;
		next->ns = 0;
		next->nr = 0;
		memcpy(next->dhr, dh, 32);
		next->has_dhr = true;
		rc = ratchet_kdf_rk(
		    next->rk, next->ckr, next->dhs_priv, next->dhr);
		if (rc < 0)
			goto out;
		next->has_ckr = true;
		crypto_box_keypair(next->dhs_pub, next->dhs_priv);
		rc = ratchet_kdf_rk(
		    next->rk, next->cks, next->dhs_priv, next->dhr);
		if (rc < 0)
			goto out;
		next->has_cks = true;
	}
	ratchet_skip_until(next, n);
	kdf_chain_step(next->ckr, mk);
	next->nr++;
	rc = ratchet_open(next, mk, msg, len, out, out_len);
out:
	if (rc < 0) {
		ratchet_wipe(next);
		sodium_memzero(out, len - RATCHET_OVERHEAD);
		*out_len = 0;
	}
	sodium_memzero(mk, sizeof mk);
	return rc;
}

size_t
ratchet_saved_len(const struct ratchet *st)
{
	return RATCHET_STATE_FIXED + (size_t)st->nskip * RATCHET_SKIP_ENTRY;
}

int
ratchet_save(
    const struct ratchet *st, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t *p = out;

	*out_len = 0;
	if (cap < ratchet_saved_len(st))
		return ERR_TOO_BIG;
	*p++ = RATCHET_VERSION;
	memcpy(p, st->ad, 64);
	p += 64;
	memcpy(p, st->rk, 32);
	memcpy(p + 32, st->dhs_priv, 32);
	memcpy(p + 64, st->dhs_pub, 32);
	memcpy(p + 96, st->dhr, 32);
	memcpy(p + 128, st->cks, 32);
	memcpy(p + 160, st->ckr, 32);
	p += 192;
	*p++ = (uint8_t)(st->has_dhr | st->has_cks << 1 | st->has_ckr << 2);
	ratchet_put32(p, st->ns);
	ratchet_put32(p + 4, st->nr);
	ratchet_put32(p + 8, st->pn);
	p += 12;
	*p++ = (uint8_t)(st->nskip >> 8);
	*p++ = (uint8_t)st->nskip;
	for (size_t i = 0; i < st->nskip; i++) {
		memcpy(p, st->skip[i].dh, 32);
		ratchet_put32(p + 32, st->skip[i].n);
		memcpy(p + 36, st->skip[i].mk, 32);
		p += RATCHET_SKIP_ENTRY;
	}
	*out_len = (size_t)(p - out);
	return 0;
}

int
ratchet_load(struct ratchet *st, const uint8_t *in, size_t len)
{
	const uint8_t *p = in;
	uint8_t flags, pub[32];
	size_t nskip;
	int rc = ERR_TRUNCATED;

	sodium_memzero(st, sizeof *st);
	if (len < RATCHET_STATE_FIXED)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != RATCHET_VERSION)
		goto out;
	nskip = (size_t)in[RATCHET_STATE_FIXED - 2] << 8 |
	        in[RATCHET_STATE_FIXED - 1];
	rc = ERR_PROTO;
	if (nskip > RATCHET_SKIP_CAP)
		goto out;
	rc = ERR_TRUNCATED;
	if (len < RATCHET_STATE_FIXED + nskip * RATCHET_SKIP_ENTRY)
		goto out;
	rc = ERR_TOO_BIG;
	if (len > RATCHET_STATE_FIXED + nskip * RATCHET_SKIP_ENTRY)
		goto out;
	p++;
	memcpy(st->ad, p, 64);
	p += 64;
	memcpy(st->rk, p, 32);
	memcpy(st->dhs_priv, p + 32, 32);
	memcpy(st->dhs_pub, p + 64, 32);
	memcpy(st->dhr, p + 96, 32);
	memcpy(st->cks, p + 128, 32);
	memcpy(st->ckr, p + 160, 32);
	p += 192;
	flags = *p++;
	st->has_dhr = flags & 1;
	st->has_cks = flags & 2;
	st->has_ckr = flags & 4;
	st->ns = ratchet_get32(p);
	st->nr = ratchet_get32(p + 4);
	st->pn = ratchet_get32(p + 8);
	p += 14;
	st->nskip = (uint16_t)nskip;
	rc = ERR_PROTO;
	for (size_t i = 0; i < nskip; i++) {
		memcpy(st->skip[i].dh, p, 32);
		st->skip[i].n = ratchet_get32(p + 32);
		memcpy(st->skip[i].mk, p + 36, 32);
		p += RATCHET_SKIP_ENTRY;
		if (st->skip[i].n >= RATCHET_COUNTER_MAX)
			goto out;
	}
	/* Only states ratchet_save can write: unset fields are zero, so a
	 * load and save give back the same bytes. */
	if (flags > 7 || st->ns >= RATCHET_COUNTER_MAX ||
	    st->nr >= RATCHET_COUNTER_MAX || st->pn >= RATCHET_COUNTER_MAX)
		goto out;
	if ((!st->has_dhr && !sodium_is_zero(st->dhr, 32)) ||
	    (!st->has_cks && !sodium_is_zero(st->cks, 32)) ||
	    (!st->has_ckr && !sodium_is_zero(st->ckr, 32)))
		goto out;
	crypto_scalarmult_base(pub, st->dhs_priv);
	if (memcmp(pub, st->dhs_pub, 32) != 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		sodium_memzero(st, sizeof *st);
	return rc;
}
