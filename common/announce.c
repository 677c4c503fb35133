/* SPDX-License-Identifier: ISC */
/*
 * Seals and opens member announcements. The announce key is derived here
 * rather than in senderkey_room_derive so that module's struct and frozen
 * vectors stay as they are; the context "hrth-ann" keeps it apart from
 * every other key of the room secret.
 *
 * Order of checks in announce_open: length and version, then the AEAD tag
 * (only holders of the room secret get further), then padding and exact
 * bounds, then the signatures, then the bundle, which also parses.
 */
#include "common/announce.h"

#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/pad.h"

/* The signature's label includes its NUL, so no label can be a prefix of
 * another's; the AD's label is the same text without it. */
static const char announce_sig_label[] = "hearth announce v1";
#define ANNOUNCE_SIG_LABEL_LEN (sizeof announce_sig_label)
#define ANNOUNCE_AD_LEN (sizeof announce_sig_label - 1 + ANNOUNCE_ROOM_ID_LEN)
/* What the identity signature covers at most. */
#define ANNOUNCE_SIGNED_MAX                                                    \
	(ANNOUNCE_SIG_LABEL_LEN + ANNOUNCE_ROOM_ID_LEN + ANNOUNCE_PLAIN_MAX -  \
	    IDENT_SIG_LEN)
/* The padded plain text fills the envelope but for its overhead. */
#define ANNOUNCE_PADDED_LEN (ANNOUNCE_LEN - ANNOUNCE_OVERHEAD)

void
announce_key(
    uint8_t key[static ANNOUNCE_KEY_LEN], const uint8_t room_secret[static 32])
{
	crypto_kdf_derive_from_key(
	    key, ANNOUNCE_KEY_LEN, 0, "hrth-ann", room_secret);
}

static void
announce_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
announce_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
announce_ad(uint8_t ad[static ANNOUNCE_AD_LEN],
    const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN])
{
	memcpy(ad, announce_sig_label, sizeof announce_sig_label - 1);
	memcpy(
	    ad + sizeof announce_sig_label - 1, room_id, ANNOUNCE_ROOM_ID_LEN);
}

/*
 * Writes what the identity signature covers, the label, room id and
 * body[0..len) (the plain text up to the signature), into msg; returns its
 * length.
 */
static size_t
announce_signed(uint8_t msg[static ANNOUNCE_SIGNED_MAX],
    const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN], const uint8_t *body,
    size_t len)
{
	assert(len <= ANNOUNCE_PLAIN_MAX - IDENT_SIG_LEN);
	memcpy(msg, announce_sig_label, ANNOUNCE_SIG_LABEL_LEN);
	memcpy(msg + ANNOUNCE_SIG_LABEL_LEN, room_id, ANNOUNCE_ROOM_ID_LEN);
	memcpy(msg + ANNOUNCE_SIG_LABEL_LEN + ANNOUNCE_ROOM_ID_LEN, body, len);
	return ANNOUNCE_SIG_LABEL_LEN + ANNOUNCE_ROOM_ID_LEN + len;
}

int
announce_seal(const struct ident *me,
    const uint8_t key[static ANNOUNCE_KEY_LEN],
    const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN],
    const struct announce *a, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t pt[ANNOUNCE_PADDED_LEN], msg[ANNOUNCE_SIGNED_MAX];
	uint8_t ad[ANNOUNCE_AD_LEN], dh[IDENT_DH_LEN];
	struct x3dh_bundle check;
	size_t nlen = strnlen(a->name, sizeof a->name), off = 0, padded = 0;
	unsigned long long clen = 0;
	int rc;

	*out_len = 0;
	memset(pt, 0, sizeof pt);
	memset(msg, 0, sizeof msg);
	rc = ERR_TOO_BIG;
	if (cap < ANNOUNCE_LEN)
		goto out;
	rc = ERR_PROTO;
	if (memcmp(a->ik, me->pk, IDENT_PK_LEN) != 0 ||
	    memcmp(a->bundle.ik, me->pk, IDENT_PK_LEN) != 0)
		goto out;
	rc = ERR_UTF8;
	if (nlen > UTF8_NAME_MAX ||
	    !utf8_name_ok((const uint8_t *)a->name, nlen))
		goto out;
	pt[off++] = ANNOUNCE_VERSION;
	memcpy(pt + off, me->pk, IDENT_PK_LEN);
	off += IDENT_PK_LEN;
	pt[off++] = (uint8_t)nlen;
	memcpy(pt + off, a->name, nlen);
	off += nlen;
	memcpy(pt + off, a->mbox_pk, IDENT_PK_LEN);
	off += IDENT_PK_LEN;
	x3dh_bundle_encode(&a->bundle, pt + off);
	/* Refuse to publish what every reader would refuse. */
	rc = x3dh_bundle_decode(&check, pt + off, X3DH_BUNDLE_LEN);
	if (rc < 0)
		goto out;
	rc = ident_dh_pub(dh, a->mbox_pk);
	if (rc < 0)
		goto out;
	off += X3DH_BUNDLE_LEN;
	announce_put64(pt + off, a->time_s);
	off += 8;
	ident_sign(pt + off, me, msg, announce_signed(msg, room_id, pt, off));
	off += IDENT_SIG_LEN;
	rc = pad_apply_reserve(pt, off, sizeof pt, ANNOUNCE_OVERHEAD, &padded);
	if (rc < 0)
		goto out;
	/* The longest plain text fits the 1 KiB bucket, so every envelope
	 * has the same length (test_length_is_one_bucket). */
	assert(padded == ANNOUNCE_PADDED_LEN);
	out[0] = ANNOUNCE_VERSION;
	randombytes_buf(out + 1, ANNOUNCE_NONCE_LEN);
	announce_ad(ad, room_id);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + ANNOUNCE_NONCE_LEN,
	    &clen, pt, padded, ad, sizeof ad, NULL, out + 1, key);
	*out_len = 1 + ANNOUNCE_NONCE_LEN + (size_t)clen;
	rc = 0;
out:
	sodium_memzero(pt, sizeof pt);
	sodium_memzero(msg, sizeof msg);
	sodium_memzero(&check, sizeof check);
	return rc;
}

/*
 * Parses the plain text pt[0..len) into *out, checking bounds, the name
 * and the identity signature; the bundle is decoded by the caller from
 * *bundle_at.
 */
static int
announce_parse(const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN],
    const uint8_t *pt, size_t len, struct announce *out,
    const uint8_t **bundle_at)
{
	uint8_t msg[ANNOUNCE_SIGNED_MAX];
	size_t nlen, off;
	int rc;

	memset(msg, 0, sizeof msg);
	if (len < 1 + IDENT_PK_LEN + 1)
		return ERR_TRUNCATED;
	if (pt[0] != ANNOUNCE_VERSION)
		return ERR_VERSION;
	nlen = pt[1 + IDENT_PK_LEN];
	if (nlen == 0 || nlen > UTF8_NAME_MAX)
		return ERR_PROTO;
	off = 1 + IDENT_PK_LEN + 1;
	/* Exact: the rest is fixed-size, so the whole length is known, and
	 * is checked before any field's content. */
	if (len - off < nlen || len - off - nlen < ANNOUNCE_PLAIN_FIXED - off)
		return ERR_TRUNCATED;
	if (len - off - nlen > ANNOUNCE_PLAIN_FIXED - off)
		return ERR_TOO_BIG;
	if (!utf8_name_ok(pt + off, nlen))
		return ERR_UTF8;
	memcpy(out->ik, pt + 1, IDENT_PK_LEN);
	memcpy(out->name, pt + off, nlen);
	out->name[nlen] = '\0';
	off += nlen;
	memcpy(out->mbox_pk, pt + off, IDENT_PK_LEN);
	off += IDENT_PK_LEN;
	*bundle_at = pt + off;
	off += X3DH_BUNDLE_LEN;
	out->time_s = announce_get64(pt + off);
	off += 8;
	rc = ident_verify(
	    pt + off, out->ik, msg, announce_signed(msg, room_id, pt, off));
	sodium_memzero(msg, sizeof msg);
	return rc;
}

int
announce_open(const uint8_t key[static ANNOUNCE_KEY_LEN],
    const uint8_t room_id[static ANNOUNCE_ROOM_ID_LEN], const uint8_t *in,
    size_t len, struct announce *out)
{
	uint8_t pt[ANNOUNCE_PADDED_LEN], ad[ANNOUNCE_AD_LEN], dh[IDENT_DH_LEN];
	const uint8_t *bundle_at = NULL;
	unsigned long long plen = 0;
	size_t clen = 0;
	int rc;

	memset(out, 0, sizeof *out);
	memset(pt, 0, sizeof pt);
	rc = ERR_TRUNCATED;
	if (len < ANNOUNCE_LEN)
		goto out;
	rc = ERR_TOO_BIG;
	if (len > ANNOUNCE_LEN)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != ANNOUNCE_VERSION)
		goto out;
	announce_ad(ad, room_id);
	rc = ERR_CRYPTO;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL,
	        in + 1 + ANNOUNCE_NONCE_LEN, len - 1 - ANNOUNCE_NONCE_LEN, ad,
	        sizeof ad, in + 1, key) != 0)
		goto out;
	rc = pad_remove_reserve(pt, (size_t)plen, ANNOUNCE_OVERHEAD, &clen);
	if (rc < 0)
		goto out;
	rc = announce_parse(room_id, pt, clen, out, &bundle_at);
	if (rc < 0)
		goto out;
	rc = x3dh_bundle_decode(&out->bundle, bundle_at, X3DH_BUNDLE_LEN);
	if (rc < 0)
		goto out;
	/* The bundle's signature proves only that its own ik signed the
	 * prekey; it must be the announcer's, or a member could hand out
	 * someone else's prekeys under their own name. */
	rc = ERR_PROTO;
	if (memcmp(out->bundle.ik, out->ik, IDENT_PK_LEN) != 0)
		goto out;
	rc = ident_dh_pub(dh, out->mbox_pk);
out:
	sodium_memzero(pt, sizeof pt);
	if (rc < 0)
		sodium_memzero(out, sizeof *out);
	return rc;
}
