/* SPDX-License-Identifier: ISC */
/*
 * Room secret derivations and sender keys.
 *
 * A room message:
 *
 *   ver | nonce(24) | XChaCha20-Poly1305(header_key, nonce,
 *                       ad = ver | room id, epoch | signer | n)
 *       | XChaCha20-Poly1305(mk, zero nonce,
 *                       ad = room id | the 81 bytes before, padded text)
 *       | Ed25519ph(signer, "hearth room v1" | room id | all of the above)
 *
 * The header is sealed so the relay, which holds no room secret, cannot
 * tell which member sent a message, nor link the messages of one member.
 * The body key mk is used once, so its nonce can be fixed; the header key
 * is used for every message of the epoch, so its nonce is random (192
 * bits, no collision in practice). Ed25519ph lets the signature cover the
 * whole message without copying it next to its context.
 */
#include "common/senderkey.h"

#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/kdf.h"
#include "common/pad.h"

#define SK_NONCE 24
#define SK_HDR_PLAIN (4 + 32 + 4)
#define SK_BODY_OFF SENDERKEY_HDR_LEN
#define SK_TAG 16

static const char sk_sig_ctx[] = "hearth room v1";

static void
sk_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
sk_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
senderkey_secret_new(uint8_t secret[static SENDERKEY_SECRET_LEN])
{
	randombytes_buf(secret, SENDERKEY_SECRET_LEN);
}

void
senderkey_room_derive(
    struct senderkey_room *r, const uint8_t secret[static SENDERKEY_SECRET_LEN])
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	/* One context per use, so no derived key can stand in for another;
	 * the relay conventions fix the first three. */
	crypto_kdf_derive_from_key(r->id, sizeof r->id, 0, "hrth-rid", secret);
	crypto_kdf_derive_from_key(seed, sizeof seed, 0, "hrth-acc", secret);
	crypto_sign_seed_keypair(r->access_pk, r->access_sk, seed);
	crypto_kdf_derive_from_key(
	    r->board_key, sizeof r->board_key, 0, "hrth-brd", secret);
	crypto_kdf_derive_from_key(
	    r->header_key, sizeof r->header_key, 0, "hrth-hdr", secret);
	sodium_memzero(seed, sizeof seed);
}

void
senderkey_room_wipe(struct senderkey_room *r)
{
	sodium_memzero(r, sizeof *r);
}

void
senderkey_own_new(struct senderkey_own *own, uint32_t epoch)
{
	uint8_t pk[SENDERKEY_PK_LEN];

	own->epoch = epoch;
	own->n = 0;
	randombytes_buf(own->ck, sizeof own->ck);
	crypto_sign_keypair(pk, own->sign_sk);
}

void
senderkey_own_wipe(struct senderkey_own *own)
{
	sodium_memzero(own, sizeof *own);
}

void
senderkey_peer_wipe(struct senderkey_peer *p)
{
	sodium_memzero(p, sizeof *p);
}

/* The signing public key is the second half of libsodium's secret key. */
static const uint8_t *
sk_own_pk(const struct senderkey_own *own)
{
	return own->sign_sk + crypto_sign_SEEDBYTES;
}

/* The label of a distribution's identity signature. */
#define SK_DIST_LABEL "hearth sender key v1"
#define SK_DIST_SIGNED (sizeof SK_DIST_LABEL + 32 + 4 + 32)
/* The label of its signature by the signing key itself. */
#define SK_DIST_OWNER_LABEL "hearth sender key owner v1"
#define SK_DIST_OWNED (sizeof SK_DIST_OWNER_LABEL + 32 + 4 + 32)

/* What a distribution's identity signature covers, from dist[0..105). */
static void
sk_dist_signed(uint8_t msg[static SK_DIST_SIGNED], const uint8_t *dist)
{
	memcpy(msg, SK_DIST_LABEL, sizeof SK_DIST_LABEL);
	memcpy(msg + sizeof SK_DIST_LABEL, dist + 1, 32 + 4); /* room, epoch */
	memcpy(msg + sizeof SK_DIST_LABEL + 36, dist + 73, 32); /* sign_pk */
}

/*
 * What the signing key signs: the room, the epoch and the identity key
 * of the member it belongs to. Without it a member could hand on another
 * member's signing key under its own identity and have that member's
 * messages shown as its own (review finding).
 */
static void
sk_dist_owned(uint8_t msg[static SK_DIST_OWNED], const uint8_t *dist,
    const uint8_t member_pk[static 32])
{
	memcpy(msg, SK_DIST_OWNER_LABEL, sizeof SK_DIST_OWNER_LABEL);
	memcpy(msg + sizeof SK_DIST_OWNER_LABEL, dist + 1, 32 + 4);
	memcpy(msg + sizeof SK_DIST_OWNER_LABEL + 36, member_pk, 32);
}

void
senderkey_dist_encode(const struct senderkey_own *own,
    const struct senderkey_room *r, const struct ident *me,
    uint8_t out[static SENDERKEY_DIST_LEN])
{
	uint8_t msg[SK_DIST_SIGNED], owned[SK_DIST_OWNED];

	out[0] = SENDERKEY_VERSION;
	memcpy(out + 1, r->id, 32);
	sk_put32(out + 33, own->epoch);
	sk_put32(out + 37, own->n);
	memcpy(out + 41, own->ck, 32);
	memcpy(out + 73, sk_own_pk(own), 32);
	sk_dist_signed(msg, out);
	ident_sign(out + 105, me, msg, sizeof msg);
	sk_dist_owned(owned, out, me->pk);
	crypto_sign_detached(
	    out + 169, NULL, owned, sizeof owned, own->sign_sk);
}

int
senderkey_dist_decode(struct senderkey_peer *p, const struct senderkey_room *r,
    const uint8_t member_pk[static 32], const uint8_t *in, size_t len)
{
	uint8_t msg[SK_DIST_SIGNED], owned[SK_DIST_OWNED];

	sodium_memzero(p, sizeof *p);
	if (len < SENDERKEY_DIST_LEN)
		return ERR_TRUNCATED;
	if (len > SENDERKEY_DIST_LEN)
		return ERR_TOO_BIG;
	if (in[0] != SENDERKEY_VERSION)
		return ERR_VERSION;
	if (memcmp(in + 1, r->id, 32) != 0 ||
	    sk_get32(in + 37) >= SENDERKEY_COUNTER_MAX)
		return ERR_PROTO;
	sk_dist_signed(msg, in);
	if (ident_verify(in + 105, member_pk, msg, sizeof msg) != 0)
		return ERR_CRYPTO;
	sk_dist_owned(owned, in, member_pk);
	if (crypto_sign_verify_detached(
	        in + 169, owned, sizeof owned, in + 73) != 0)
		return ERR_CRYPTO;
	p->epoch = sk_get32(in + 33);
	p->n = sk_get32(in + 37);
	memcpy(p->ck, in + 41, 32);
	memcpy(p->sign_pk, in + 73, 32);
	return 0;
}

/* Ed25519ph over context | room id | msg. */
static void
sk_sig_start(crypto_sign_state *st, const struct senderkey_room *r,
    const uint8_t *msg, size_t len)
{
	crypto_sign_init(st);
	crypto_sign_update(
	    st, (const uint8_t *)sk_sig_ctx, sizeof sk_sig_ctx - 1);
	crypto_sign_update(st, r->id, sizeof r->id);
	crypto_sign_update(st, msg, len);
}

/* The body's associated data: room id, then version, nonce and header. */
static void
sk_body_ad(uint8_t ad[static 32 + SK_BODY_OFF], const struct senderkey_room *r,
    const uint8_t *msg)
{
	memcpy(ad, r->id, 32);
	memcpy(ad + 32, msg, SK_BODY_OFF);
}

int
senderkey_encrypt(const struct senderkey_own *cur, struct senderkey_own *next,
    const struct senderkey_room *r, const uint8_t *pt, size_t len, uint8_t *out,
    size_t cap, size_t *out_len)
{
	static const uint8_t zero_nonce[SK_NONCE];
	uint8_t hdr[SK_HDR_PLAIN], ad[32 + SK_BODY_OFF], mk[SENDERKEY_KEY_LEN];
	crypto_sign_state st;
	size_t plen;
	int rc;

	assert(cur != next);
	*out_len = 0;
	*next = *cur;
	/* The whole bucket must fit before the text is copied in. */
	rc = ERR_TOO_BIG;
	if (len > SENDERKEY_PT_MAX || pad_size(len + SENDERKEY_OVERHEAD) > cap)
		goto out;
	rc = ERR_NONCE;
	if (cur->n >= SENDERKEY_COUNTER_MAX)
		goto out;
	memmove(out + SK_BODY_OFF, pt, len);
	rc = pad_apply_reserve(out + SK_BODY_OFF, len, cap - SENDERKEY_OVERHEAD,
	    SENDERKEY_OVERHEAD, &plen);
	if (rc < 0)
		goto out;
	out[0] = SENDERKEY_VERSION;
	randombytes_buf(out + 1, SK_NONCE);
	sk_put32(hdr, cur->epoch);
	memcpy(hdr + 4, sk_own_pk(cur), 32);
	sk_put32(hdr + 36, cur->n);
	memcpy(ad, out, 1);
	memcpy(ad + 1, r->id, 32);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + SK_NONCE, NULL,
	    hdr, sizeof hdr, ad, 1 + 32, NULL, out + 1, r->header_key);
	kdf_chain_step(next->ck, mk);
	next->n++;
	sk_body_ad(ad, r, out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SK_BODY_OFF, NULL,
	    out + SK_BODY_OFF, plen, ad, sizeof ad, NULL, zero_nonce, mk);
	sk_sig_start(&st, r, out, SK_BODY_OFF + plen + SK_TAG);
	crypto_sign_final_create(
	    &st, out + SK_BODY_OFF + plen + SK_TAG, NULL, cur->sign_sk);
	*out_len = SK_BODY_OFF + plen + SK_TAG + SENDERKEY_SIG_LEN;
	rc = 0;
out:
	if (rc < 0) {
		senderkey_own_wipe(next);
		/* The plain text may already be in out: wipe what it used. */
		if (cap > 0)
			sodium_memzero(out, cap);
	}
	sodium_memzero(mk, sizeof mk);
	sodium_memzero(&st, sizeof st);
	return rc;
}

int
senderkey_peek(const struct senderkey_room *r, const uint8_t *msg, size_t len,
    struct senderkey_hdr *h)
{
	uint8_t hdr[SK_HDR_PLAIN], ad[1 + 32];

	memset(h, 0, sizeof *h);
	if (len < SENDERKEY_OVERHEAD)
		return ERR_TRUNCATED;
	if (msg[0] != SENDERKEY_VERSION)
		return ERR_VERSION;
	ad[0] = msg[0];
	memcpy(ad + 1, r->id, 32);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(hdr, NULL, NULL,
	        msg + 1 + SK_NONCE, SK_HDR_PLAIN + SK_TAG, ad, sizeof ad,
	        msg + 1, r->header_key) != 0)
		return ERR_CRYPTO;
	h->epoch = sk_get32(hdr);
	memcpy(h->signer, hdr + 4, 32);
	h->n = sk_get32(hdr + 36);
	return 0;
}

void
senderkey_peer_copy(
    struct senderkey_peer *dst, const struct senderkey_peer *src)
{
	if (dst == src)
		return;
	memcpy(dst, src, offsetof(struct senderkey_peer, skip));
	memcpy(dst->skip, src->skip, src->nskip * sizeof src->skip[0]);
	sodium_memzero(dst->skip + src->nskip,
	    (SENDERKEY_SKIP_CAP - src->nskip) * sizeof src->skip[0]);
}

/* Stores the key for index n, dropping the oldest when full. */
static void
sk_skip_store(struct senderkey_peer *p, uint32_t n, const uint8_t mk[static 32])
{
	if (p->nskip == SENDERKEY_SKIP_CAP) {
		memmove(p->skip, p->skip + 1,
		    (SENDERKEY_SKIP_CAP - 1) * sizeof p->skip[0]);
		p->nskip--;
	}
	p->skip[p->nskip].n = n;
	memcpy(p->skip[p->nskip].mk, mk, 32);
	p->nskip++;
}

/* Finds the message key for n in next (a copy of the state), advancing
 * or deleting as needed. Bounds are checked by the caller. */
static int
sk_key_for(struct senderkey_peer *next, uint32_t n, uint8_t mk[static 32])
{
	if (n < next->n) {
		for (size_t i = 0; i < next->nskip; i++) {
			if (next->skip[i].n != n)
				continue;
			memcpy(mk, next->skip[i].mk, 32);
			memmove(next->skip + i, next->skip + i + 1,
			    (next->nskip - i - 1) * sizeof next->skip[0]);
			next->nskip--;
			sodium_memzero(
			    next->skip + next->nskip, sizeof next->skip[0]);
			return 0;
		}
		return ERR_REPLAY;
	}
	while (next->n < n) {
		kdf_chain_step(next->ck, mk);
		/* Only the last SKIP_CAP keys could be kept anyway. */
		if (n - next->n <= SENDERKEY_SKIP_CAP)
			sk_skip_store(next, next->n, mk);
		next->n++;
	}
	kdf_chain_step(next->ck, mk);
	next->n++;
	return 0;
}

int
senderkey_decrypt(const struct senderkey_peer *cur, struct senderkey_peer *next,
    const struct senderkey_room *r, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	static const uint8_t zero_nonce[SK_NONCE];
	uint8_t ad[32 + SK_BODY_OFF], mk[SENDERKEY_KEY_LEN];
	struct senderkey_hdr h;
	crypto_sign_state st;
	size_t blen = 0;
	int rc;

	assert(cur != next);
	*out_len = 0;
	senderkey_peer_wipe(next);
	memset(&st, 0, sizeof st);
	/* Every room message is exactly a bucket size. */
	rc = ERR_PAD;
	if (len < SENDERKEY_OVERHEAD + 1 || pad_size(len - 1) != len)
		goto out;
	/* Header, then signature, then the body: authenticate, then parse. */
	rc = senderkey_peek(r, msg, len, &h);
	if (rc < 0)
		goto out;
	rc = ERR_EPOCH;
	if (h.epoch != cur->epoch || memcmp(h.signer, cur->sign_pk, 32) != 0)
		goto out;
	rc = ERR_SKIP;
	if (h.n >= SENDERKEY_COUNTER_MAX ||
	    (h.n > cur->n && h.n - cur->n > SENDERKEY_MAX_SKIP))
		goto out;
	sk_sig_start(&st, r, msg, len - SENDERKEY_SIG_LEN);
	rc = ERR_CRYPTO;
	if (crypto_sign_final_verify(
	        &st, msg + len - SENDERKEY_SIG_LEN, cur->sign_pk) != 0)
		goto out;
	blen = len - SENDERKEY_OVERHEAD;
	rc = ERR_TOO_BIG;
	if (cap < blen)
		goto out;
	senderkey_peer_copy(next, cur);
	rc = sk_key_for(next, h.n, mk);
	if (rc < 0)
		goto out;
	sk_body_ad(ad, r, msg);
	rc = ERR_CRYPTO;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	        msg + SK_BODY_OFF, blen + SK_TAG, ad, sizeof ad, zero_nonce,
	        mk) != 0)
		goto out;
	rc = pad_remove_reserve(out, blen, SENDERKEY_OVERHEAD, out_len);
out:
	if (rc < 0) {
		senderkey_peer_wipe(next);
		if (blen > 0 && cap >= blen)
			sodium_memzero(out, blen);
		*out_len = 0;
	}
	sodium_memzero(mk, sizeof mk);
	return rc;
}

void
senderkey_own_save(
    const struct senderkey_own *own, uint8_t out[static SENDERKEY_OWN_LEN])
{
	out[0] = SENDERKEY_VERSION;
	sk_put32(out + 1, own->epoch);
	sk_put32(out + 5, own->n);
	memcpy(out + 9, own->ck, 32);
	memcpy(out + 41, own->sign_sk, 64);
}

int
senderkey_own_load(struct senderkey_own *own, const uint8_t *in, size_t len)
{
	uint8_t pk[32], sk[64];
	int rc = ERR_TRUNCATED;

	sodium_memzero(own, sizeof *own);
	if (len < SENDERKEY_OWN_LEN)
		goto out;
	rc = ERR_TOO_BIG;
	if (len > SENDERKEY_OWN_LEN)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != SENDERKEY_VERSION)
		goto out;
	rc = ERR_PROTO;
	if (sk_get32(in + 5) >= SENDERKEY_COUNTER_MAX)
		goto out;
	/* The public half must belong to the seed. */
	crypto_sign_seed_keypair(pk, sk, in + 41);
	if (memcmp(pk, in + 41 + 32, 32) != 0)
		goto out;
	own->epoch = sk_get32(in + 1);
	own->n = sk_get32(in + 5);
	memcpy(own->ck, in + 9, 32);
	memcpy(own->sign_sk, in + 41, 64);
	rc = 0;
out:
	sodium_memzero(sk, sizeof sk);
	return rc;
}

int
senderkey_peer_save(
    const struct senderkey_peer *p, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t need = SENDERKEY_PEER_FIXED + (size_t)p->nskip * 36;
	uint8_t *q = out;

	*out_len = 0;
	if (cap < need)
		return ERR_TOO_BIG;
	*q++ = SENDERKEY_VERSION;
	sk_put32(q, p->epoch);
	sk_put32(q + 4, p->n);
	memcpy(q + 8, p->ck, 32);
	memcpy(q + 40, p->sign_pk, 32);
	q[72] = (uint8_t)(p->nskip >> 8);
	q[73] = (uint8_t)p->nskip;
	q += 74;
	for (size_t i = 0; i < p->nskip; i++) {
		sk_put32(q, p->skip[i].n);
		memcpy(q + 4, p->skip[i].mk, 32);
		q += 36;
	}
	*out_len = need;
	return 0;
}

int
senderkey_peer_load(struct senderkey_peer *p, const uint8_t *in, size_t len)
{
	size_t nskip;
	const uint8_t *q;
	int rc = ERR_TRUNCATED;

	sodium_memzero(p, sizeof *p);
	if (len < SENDERKEY_PEER_FIXED)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != SENDERKEY_VERSION)
		goto out;
	nskip = (size_t)in[SENDERKEY_PEER_FIXED - 2] << 8 |
	        in[SENDERKEY_PEER_FIXED - 1];
	rc = ERR_PROTO;
	if (nskip > SENDERKEY_SKIP_CAP)
		goto out;
	rc = ERR_TRUNCATED;
	if (len < SENDERKEY_PEER_FIXED + nskip * 36)
		goto out;
	rc = ERR_TOO_BIG;
	if (len > SENDERKEY_PEER_FIXED + nskip * 36)
		goto out;
	p->epoch = sk_get32(in + 1);
	p->n = sk_get32(in + 5);
	memcpy(p->ck, in + 9, 32);
	memcpy(p->sign_pk, in + 41, 32);
	p->nskip = (uint16_t)nskip;
	rc = ERR_PROTO;
	if (p->n >= SENDERKEY_COUNTER_MAX)
		goto out;
	q = in + SENDERKEY_PEER_FIXED;
	for (size_t i = 0; i < nskip; i++, q += 36) {
		p->skip[i].n = sk_get32(q);
		memcpy(p->skip[i].mk, q + 4, 32);
		/* Skipped keys are older than the chain, oldest first. */
		if (p->skip[i].n >= p->n ||
		    (i > 0 && p->skip[i].n <= p->skip[i - 1].n))
			goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		sodium_memzero(p, sizeof *p);
	return rc;
}
