/* SPDX-License-Identifier: ISC */
/*
 * Noise_NK_25519_ChaChaPoly_SHA256, following the Noise specification
 * revision 34 section by section: CipherState (5.1), SymmetricState (5.2),
 * HandshakeState (5.3) for the single pattern NK.
 */
#include "common/noise.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

/* Exactly NOISE_HASH_LEN bytes, so h starts as the name itself (5.2). */
static const char noise_protocol_name[NOISE_HASH_LEN + 1] =
    "Noise_NK_25519_ChaChaPoly_SHA256";

#define NOISE_NONCE_MAX UINT64_MAX /* reserved for rekey (5.1) */

/* 5.1 CipherState */

static void
noise_nonce(
    uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES], uint64_t n)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

static void
noise_cipher_init(struct noise_cipher *c, const uint8_t k[NOISE_KEY_LEN])
{
	memcpy(c->k, k, NOISE_KEY_LEN);
	c->n = 0;
	c->has_key = true;
}

int
noise_cipher_encrypt(struct noise_cipher *c, const uint8_t *ad, size_t ad_len,
    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	if (!c->has_key) {
		memmove(out, in, len);
		return 0;
	}
	if (c->n == NOISE_NONCE_MAX)
		return ERR_NONCE;
	noise_nonce(nonce, c->n);
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, in, len, ad, ad_len, NULL, nonce, c->k);
	c->n++;
	return 0;
}

int
noise_cipher_decrypt(struct noise_cipher *c, const uint8_t *ad, size_t ad_len,
    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	if (!c->has_key) {
		memmove(out, in, len);
		return 0;
	}
	if (len < NOISE_TAG_LEN)
		return ERR_TRUNCATED;
	if (c->n == NOISE_NONCE_MAX)
		return ERR_NONCE;
	noise_nonce(nonce, c->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
	        out, NULL, NULL, in, len, ad, ad_len, nonce, c->k) != 0)
		return ERR_CRYPTO;
	c->n++;
	return 0;
}

void
noise_cipher_rekey(struct noise_cipher *c)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	uint8_t zeros[NOISE_KEY_LEN] = {0};
	uint8_t out[NOISE_KEY_LEN + NOISE_TAG_LEN];

	noise_nonce(nonce, NOISE_NONCE_MAX);
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, zeros, sizeof(zeros), NULL, 0, NULL, nonce, c->k);
	memcpy(c->k, out, NOISE_KEY_LEN);
	sodium_memzero(out, sizeof(out));
}

void
noise_cipher_wipe(struct noise_cipher *c)
{
	sodium_memzero(c, sizeof(*c));
}

/* 4.3 HKDF with HMAC-SHA256, two outputs. */
static void
noise_hkdf2(const uint8_t ck[NOISE_HASH_LEN], const uint8_t *ikm,
    size_t ikm_len, uint8_t out1[NOISE_HASH_LEN], uint8_t out2[NOISE_HASH_LEN])
{
	crypto_auth_hmacsha256_state st;
	uint8_t temp[NOISE_HASH_LEN];
	uint8_t one = 0x01, two = 0x02;

	crypto_auth_hmacsha256_init(&st, ck, NOISE_HASH_LEN);
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, temp);

	crypto_auth_hmacsha256_init(&st, temp, sizeof(temp));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out1);

	crypto_auth_hmacsha256_init(&st, temp, sizeof(temp));
	crypto_auth_hmacsha256_update(&st, out1, NOISE_HASH_LEN);
	crypto_auth_hmacsha256_update(&st, &two, 1);
	crypto_auth_hmacsha256_final(&st, out2);

	sodium_memzero(temp, sizeof(temp));
	sodium_memzero(&st, sizeof(st));
}

/* 5.2 SymmetricState */

static void
noise_mix_hash(struct noise_hs *hs, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, hs->h, NOISE_HASH_LEN);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, hs->h);
}

static void
noise_mix_key(struct noise_hs *hs, const uint8_t ikm[NOISE_DH_LEN])
{
	uint8_t k[NOISE_HASH_LEN];

	noise_hkdf2(hs->ck, ikm, NOISE_DH_LEN, hs->ck, k);
	noise_cipher_init(&hs->c, k);
	sodium_memzero(k, sizeof(k));
}

static int
noise_encrypt_and_hash(
    struct noise_hs *hs, const uint8_t *plain, size_t len, uint8_t *out)
{
	int r;
	size_t out_len = len + (hs->c.has_key ? NOISE_TAG_LEN : 0);

	if ((r = noise_cipher_encrypt(
	         &hs->c, hs->h, NOISE_HASH_LEN, plain, len, out)) < 0)
		return r;
	noise_mix_hash(hs, out, out_len);
	return 0;
}

static int
noise_decrypt_and_hash(
    struct noise_hs *hs, const uint8_t *cipher, size_t len, uint8_t *out)
{
	uint8_t h[NOISE_HASH_LEN];
	int r;

	/* The hash covers the ciphertext, which out may overwrite. */
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, hs->h, NOISE_HASH_LEN);
	crypto_hash_sha256_update(&st, cipher, len);
	crypto_hash_sha256_final(&st, h);
	if ((r = noise_cipher_decrypt(
	         &hs->c, hs->h, NOISE_HASH_LEN, cipher, len, out)) < 0)
		return r;
	memcpy(hs->h, h, NOISE_HASH_LEN);
	return 0;
}

/* 5.3 HandshakeState */

static void
noise_hs_init(struct noise_hs *hs, enum noise_role role,
    const uint8_t *prologue, size_t prologue_len)
{
	memset(hs, 0, sizeof(*hs));
	hs->role = role;
	memcpy(hs->h, noise_protocol_name, NOISE_HASH_LEN);
	memcpy(hs->ck, hs->h, NOISE_HASH_LEN);
	noise_mix_hash(hs, prologue, prologue_len);
}

void
noise_hs_init_initiator(struct noise_hs *hs, const uint8_t *prologue,
    size_t prologue_len, const uint8_t rs[static NOISE_DH_LEN])
{
	noise_hs_init(hs, NOISE_INITIATOR, prologue, prologue_len);
	memcpy(hs->s_pub, rs, NOISE_DH_LEN);
	noise_mix_hash(hs, rs, NOISE_DH_LEN); /* pre-message <- s */
}

void
noise_hs_init_responder(struct noise_hs *hs, const uint8_t *prologue,
    size_t prologue_len, const uint8_t s[static NOISE_DH_LEN])
{
	noise_hs_init(hs, NOISE_RESPONDER, prologue, prologue_len);
	memcpy(hs->s_priv, s, NOISE_DH_LEN);
	noise_pubkey(hs->s_pub, s);
	noise_mix_hash(hs, hs->s_pub, NOISE_DH_LEN);
}

void
noise_hs_fix_ephemeral(
    struct noise_hs *hs, const uint8_t e[static NOISE_DH_LEN])
{
	memcpy(hs->e_priv, e, NOISE_DH_LEN);
	hs->fixed_e = true;
}

/* Whether this side writes the next message. */
static bool
noise_hs_my_turn(const struct noise_hs *hs)
{
	if (hs->step >= 2)
		return false;
	return (hs->step == 0) == (hs->role == NOISE_INITIATOR);
}

static int
noise_dh_mix(struct noise_hs *hs, const uint8_t priv[NOISE_DH_LEN],
    const uint8_t pub[NOISE_DH_LEN])
{
	uint8_t shared[NOISE_DH_LEN];

	/* libsodium refuses all-zero results (low-order points). */
	if (crypto_scalarmult(shared, priv, pub) != 0)
		return ERR_CRYPTO;
	noise_mix_key(hs, shared);
	sodium_memzero(shared, sizeof(shared));
	return 0;
}

int
noise_hs_write(struct noise_hs *hs, const uint8_t *payload, size_t payload_len,
    uint8_t *out, size_t cap, size_t *out_len)
{
	int r;

	*out_len = 0;
	if (!noise_hs_my_turn(hs))
		return ERR_HS_STATE;
	if (payload_len > NOISE_MSG_MAX - NOISE_HS_OVERHEAD ||
	    cap < payload_len + NOISE_HS_OVERHEAD)
		return ERR_TOO_BIG;

	/* e */
	if (!hs->fixed_e)
		randombytes_buf(hs->e_priv, NOISE_DH_LEN);
	noise_pubkey(hs->e_pub, hs->e_priv);
	memcpy(out, hs->e_pub, NOISE_DH_LEN);
	noise_mix_hash(hs, hs->e_pub, NOISE_DH_LEN);
	/* es (initiator) or ee (responder) */
	if (hs->role == NOISE_INITIATOR)
		r = noise_dh_mix(hs, hs->e_priv, hs->s_pub);
	else
		r = noise_dh_mix(hs, hs->e_priv, hs->re);
	if (r == 0)
		r = noise_encrypt_and_hash(
		    hs, payload, payload_len, out + NOISE_DH_LEN);
	if (r < 0) {
		noise_hs_wipe(hs);
		return r;
	}
	hs->step++;
	*out_len = payload_len + NOISE_HS_OVERHEAD;
	return 0;
}

int
noise_hs_read(struct noise_hs *hs, const uint8_t *msg, size_t msg_len,
    uint8_t *payload, size_t cap, size_t *payload_len)
{
	size_t len;
	int r;

	*payload_len = 0;
	if (hs->step >= 2 || noise_hs_my_turn(hs))
		r = ERR_HS_STATE;
	else if (msg_len < NOISE_HS_OVERHEAD)
		r = ERR_TRUNCATED;
	else if (msg_len > NOISE_MSG_MAX || cap < msg_len - NOISE_HS_OVERHEAD)
		r = ERR_TOO_BIG;
	else
		r = 0;
	if (r < 0) {
		noise_hs_wipe(hs);
		return r;
	}

	/* e */
	memcpy(hs->re, msg, NOISE_DH_LEN);
	noise_mix_hash(hs, hs->re, NOISE_DH_LEN);
	/* es (responder) or ee (initiator) */
	if (hs->role == NOISE_RESPONDER)
		r = noise_dh_mix(hs, hs->s_priv, hs->re);
	else
		r = noise_dh_mix(hs, hs->e_priv, hs->re);
	len = msg_len - NOISE_DH_LEN;
	if (r == 0)
		r = noise_decrypt_and_hash(
		    hs, msg + NOISE_DH_LEN, len, payload);
	if (r < 0) {
		noise_hs_wipe(hs);
		return r;
	}
	hs->step++;
	*payload_len = len - NOISE_TAG_LEN;
	return 0;
}

bool
noise_hs_done(const struct noise_hs *hs)
{
	return hs->step == 2;
}

int
noise_hs_split(struct noise_hs *hs, struct noise_cipher *tx,
    struct noise_cipher *rx, uint8_t hash[NOISE_HASH_LEN])
{
	uint8_t k1[NOISE_HASH_LEN], k2[NOISE_HASH_LEN];

	if (!noise_hs_done(hs))
		return ERR_HS_STATE;
	noise_hkdf2(hs->ck, NULL, 0, k1, k2);
	if (hs->role == NOISE_INITIATOR) {
		noise_cipher_init(tx, k1);
		noise_cipher_init(rx, k2);
	} else {
		noise_cipher_init(tx, k2);
		noise_cipher_init(rx, k1);
	}
	if (hash != NULL)
		memcpy(hash, hs->h, NOISE_HASH_LEN);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	noise_hs_wipe(hs);
	return 0;
}

void
noise_hs_wipe(struct noise_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
	hs->step = 3; /* neither side's turn: a wiped state refuses all calls */
}

void
noise_keypair(
    uint8_t priv[static NOISE_DH_LEN], uint8_t pub[static NOISE_DH_LEN])
{
	randombytes_buf(priv, NOISE_DH_LEN);
	noise_pubkey(pub, priv);
}

void
noise_pubkey(
    uint8_t pub[static NOISE_DH_LEN], const uint8_t priv[static NOISE_DH_LEN])
{
	crypto_scalarmult_base(pub, priv);
}
