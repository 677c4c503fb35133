/* SPDX-License-Identifier: ISC */
/*
 * Member announcements. The envelope and the signed plain text are also
 * built here by hand, from the layout in man/hearth-protocol.7, so hostile
 * plain texts can be sealed under the right key and shown to the parser.
 *
 * HEARTH_FUZZ_CORPUS_WRITE=DIR makes test_fuzz_corpus write the corpus of
 * tests/fuzz/fuzz-announce.c into DIR (regenerate it after a format
 * change: the fixed keys below are the fuzz target's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/announce.h"
#include "common/err.h"
#include "common/pad.h"
#include "common/senderkey.h"
#include "tests/unit/cm.h"

#define LABEL "hearth announce v1"
#define PADDED (ANNOUNCE_LEN - ANNOUNCE_OVERHEAD)

/* Someone who can announce: identity, mailbox key and prekeys. */
struct member {
	struct ident id;
	struct ident mbox;
	struct x3dh_prekey spk, opk;
	struct x3dh_bundle bundle;
};

static struct member alice, mallory;
static uint8_t secret[32], secret2[32], key[32], key2[32];
static struct senderkey_room room, room2;

static void
member_init(struct member *m, const uint8_t *seed)
{
	uint8_t s[32];

	memcpy(s, seed, 32);
	ident_from_seed(&m->id, s);
	s[31] ^= 1;
	ident_from_seed(&m->mbox, s);
	/* Fixed prekeys, so the fuzz corpus is reproducible. */
	for (int i = 0; i < 2; i++) {
		struct x3dh_prekey *p = i == 0 ? &m->spk : &m->opk;

		p->id = (uint32_t)(i + 1);
		crypto_generichash(
		    p->priv, 32, s, 32, (const uint8_t *)"pk", i + 1);
		crypto_scalarmult_base(p->pub, p->priv);
	}
	x3dh_bundle_make(&m->bundle, &m->id, &m->spk, &m->opk);
}

static void
fill(struct announce *a, const struct member *m, const char *name)
{
	memset(a, 0, sizeof *a);
	memcpy(a->ik, m->id.pk, 32);
	snprintf(a->name, sizeof a->name, "%s", name);
	memcpy(a->mbox_pk, m->mbox.pk, 32);
	a->bundle = m->bundle;
	a->time_s = 1795000000;
}

static int
setup(void **state)
{
	static const uint8_t sa[32] = {1, 2, 3}, sm[32] = {6, 6, 6};

	member_init(&alice, sa);
	member_init(&mallory, sm);
	senderkey_secret_new(secret);
	senderkey_secret_new(secret2);
	senderkey_room_derive(&room, secret);
	senderkey_room_derive(&room2, secret2);
	announce_key(key, secret);
	announce_key(key2, secret2);
	return 0;
}

/* Seals an already padded plain text pt[0..len) as the envelope does. */
static void
raw_seal_padded(const uint8_t *k, const uint8_t *room_id, const uint8_t *pt,
    size_t len, uint8_t out[static ANNOUNCE_LEN])
{
	uint8_t ad[sizeof LABEL - 1 + 32];
	unsigned long long clen;

	memcpy(ad, LABEL, sizeof LABEL - 1);
	memcpy(ad + sizeof LABEL - 1, room_id, 32);
	out[0] = 1;
	randombytes_buf(out + 1, 24);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(out + 25,
	                     &clen, pt, len, ad, sizeof ad, NULL, out + 1, k),
	    0);
	assert_int_equal(1 + 24 + clen, ANNOUNCE_LEN);
}

/* Pads the plain text pt[0..len) to fill the 1 KiB envelope, however
 * short it is (pad_apply_reserve would pick a smaller bucket), and seals
 * it. */
static void
raw_seal(const uint8_t *k, const uint8_t *room_id, const uint8_t *pt,
    size_t len, uint8_t out[static ANNOUNCE_LEN])
{
	uint8_t buf[PADDED];

	assert_true(len < PADDED);
	memcpy(buf, pt, len);
	buf[len] = 0x80;
	memset(buf + len + 1, 0, PADDED - len - 1);
	raw_seal_padded(k, room_id, buf, PADDED, out);
}

/* Opens env by hand into its plain text; returns its length. */
static size_t
raw_open(const uint8_t *k, const uint8_t *room_id,
    const uint8_t env[static ANNOUNCE_LEN], uint8_t pt[static PADDED])
{
	uint8_t ad[sizeof LABEL - 1 + 32];
	unsigned long long plen;
	size_t len;

	memcpy(ad, LABEL, sizeof LABEL - 1);
	memcpy(ad + sizeof LABEL - 1, room_id, 32);
	assert_int_equal(
	    crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL,
	        env + 25, ANNOUNCE_LEN - 25, ad, sizeof ad, env + 1, k),
	    0);
	assert_int_equal(
	    pad_remove_reserve(pt, plen, ANNOUNCE_OVERHEAD, &len), 0);
	return len;
}

/* The fields of a plain text, any of which a test may spoil. */
struct plain {
	uint8_t ver;
	uint8_t ik[32];
	int nlen; /* the length byte; -1: the name's length */
	const char *name;
	uint8_t mbox[32];
	uint8_t bundle[X3DH_BUNDLE_LEN];
	uint64_t time_s;
};

static void
plain_of(struct plain *p, const struct member *m, const char *name)
{
	p->ver = 1;
	memcpy(p->ik, m->id.pk, 32);
	p->nlen = -1;
	p->name = name;
	memcpy(p->mbox, m->mbox.pk, 32);
	x3dh_bundle_encode(&m->bundle, p->bundle);
	p->time_s = 1795000000;
}

/* Writes p, signed by signer for room_id, into out; returns the length. */
static size_t
plain_build(const struct plain *p, const struct ident *signer,
    const uint8_t *room_id, uint8_t out[static PADDED])
{
	uint8_t msg[sizeof LABEL + 32 + ANNOUNCE_PLAIN_MAX];
	size_t nlen = strlen(p->name), off = 0;

	out[off++] = p->ver;
	memcpy(out + off, p->ik, 32);
	off += 32;
	out[off++] = (uint8_t)(p->nlen < 0 ? (int)nlen : p->nlen);
	memcpy(out + off, p->name, nlen);
	off += nlen;
	memcpy(out + off, p->mbox, 32);
	off += 32;
	memcpy(out + off, p->bundle, X3DH_BUNDLE_LEN);
	off += X3DH_BUNDLE_LEN;
	for (int i = 0; i < 8; i++)
		out[off++] = (uint8_t)(p->time_s >> (56 - 8 * i));
	memcpy(msg, LABEL, sizeof LABEL); /* with its NUL */
	memcpy(msg + sizeof LABEL, room_id, 32);
	memcpy(msg + sizeof LABEL + 32, out, off);
	ident_sign(out + off, signer, msg, sizeof LABEL + 32 + off);
	return off + 64;
}

static int
open_plain(const uint8_t *pt, size_t len, struct announce *got)
{
	uint8_t env[ANNOUNCE_LEN];

	raw_seal(key, room.id, pt, len, env);
	return announce_open(key, room.id, env, sizeof env, got);
}

static bool
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
test_round_trip(void **state)
{
	static const char *const names[] = {"alice", "Zoë", "川", "a",
	    "0123456789012345678901234567890123456789012345678901234567890123"};
	struct announce a, got;
	uint8_t env[ANNOUNCE_LEN + 8];
	size_t len;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		fill(&a, &alice, names[i]);
		/* Without a one-time prekey, and at both ends of time. */
		if (i == 1)
			x3dh_bundle_make(
			    &a.bundle, &alice.id, &alice.spk, NULL);
		a.time_s = i == 2 ? UINT64_MAX : i;
		assert_int_equal(announce_seal(&alice.id, key, room.id, &a, env,
		                     sizeof env, &len),
		    0);
		assert_int_equal(len, ANNOUNCE_LEN);
		assert_int_equal(env[0], 1);
		assert_int_equal(
		    announce_open(key, room.id, env, len, &got), 0);
		assert_memory_equal(&got, &a, sizeof a);
	}
}

static void
test_length_is_one_bucket(void **state)
{
	struct announce a;
	uint8_t e1[ANNOUNCE_LEN], e2[ANNOUNCE_LEN];
	size_t l1, l2;

	/* ANNOUNCE_LEN is a bucket, and the shortest and longest plain texts
	 * both pad to it, so the length says nothing about the name. */
	assert_int_equal(pad_size(ANNOUNCE_LEN - 1), ANNOUNCE_LEN);
	assert_int_equal(pad_size(ANNOUNCE_PLAIN_FIXED + 1 + ANNOUNCE_OVERHEAD),
	    ANNOUNCE_LEN);
	assert_int_equal(
	    pad_size(ANNOUNCE_PLAIN_MAX + ANNOUNCE_OVERHEAD), ANNOUNCE_LEN);
	fill(&a, &alice, "a");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, e1, sizeof e1, &l1), 0);
	memset(a.name, 'z', UTF8_NAME_MAX);
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, e2, sizeof e2, &l2), 0);
	assert_int_equal(l1, ANNOUNCE_LEN);
	assert_int_equal(l2, ANNOUNCE_LEN);
	assert_int_equal(pad_size(l1 - 1), l1);
}

static void
test_random_nonce(void **state)
{
	struct announce a, got;
	uint8_t e1[ANNOUNCE_LEN], e2[ANNOUNCE_LEN];
	size_t len;

	fill(&a, &alice, "alice");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, e1, sizeof e1, &len), 0);
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, e2, sizeof e2, &len), 0);
	assert_memory_not_equal(e1 + 1, e2 + 1, ANNOUNCE_NONCE_LEN);
	assert_int_equal(announce_open(key, room.id, e2, len, &got), 0);
}

static void
test_key_derivation(void **state)
{
	uint8_t want[32], again[32];

	assert_int_equal(crypto_kdf_derive_from_key(
	                     want, sizeof want, 0, "hrth-ann", secret),
	    0);
	assert_memory_equal(key, want, 32);
	announce_key(again, secret);
	assert_memory_equal(again, key, 32);
	assert_memory_not_equal(key, key2, 32);
	/* Not any other key of the same room secret. */
	assert_memory_not_equal(key, room.id, 32);
	assert_memory_not_equal(key, room.board_key, 32);
	assert_memory_not_equal(key, room.header_key, 32);
}

static void
test_other_room_refused(void **state)
{
	struct announce a, got;
	uint8_t env[ANNOUNCE_LEN], pt[PADDED];
	struct plain p;
	size_t len;

	fill(&a, &alice, "alice");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    0);
	assert_int_equal(
	    announce_open(key2, room2.id, env, len, &got), ERR_CRYPTO);
	assert_true(is_zero(&got, sizeof got));
	assert_int_equal(
	    announce_open(key, room2.id, env, len, &got), ERR_CRYPTO);
	assert_int_equal(
	    announce_open(key2, room.id, env, len, &got), ERR_CRYPTO);
	/* A member of both rooms re-encrypts the plain text for the other:
	 * the identity signature still names the first room. */
	len = raw_open(key, room.id, env, pt);
	raw_seal(key2, room2.id, pt, len, env);
	assert_int_equal(
	    announce_open(key2, room2.id, env, sizeof env, &got), ERR_CRYPTO);
	/* The same, signed for the second room, is fine. */
	plain_of(&p, &alice, "alice");
	len = plain_build(&p, &alice.id, room2.id, pt);
	raw_seal(key2, room2.id, pt, len, env);
	assert_int_equal(
	    announce_open(key2, room2.id, env, sizeof env, &got), 0);
}

static void
test_tamper_any_byte(void **state)
{
	struct announce a, got;
	uint8_t env[ANNOUNCE_LEN];
	size_t len;

	fill(&a, &alice, "alice");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    0);
	for (size_t i = 0; i < len; i++) {
		env[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(
		    announce_open(key, room.id, env, len, &got), 0);
		assert_true(is_zero(&got, sizeof got));
		env[i] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(announce_open(key, room.id, env, len, &got), 0);
}

static void
test_lengths_and_version(void **state)
{
	struct announce a, got;
	uint8_t env[ANNOUNCE_LEN + 1];
	size_t len;

	fill(&a, &alice, "alice");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    0);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(
		    announce_open(key, room.id, env, i, &got), ERR_TRUNCATED);
	env[len] = 0;
	assert_int_equal(
	    announce_open(key, room.id, env, len + 1, &got), ERR_TOO_BIG);
	for (int v = 0; v < 256; v++) {
		env[0] = (uint8_t)v;
		assert_int_equal(announce_open(key, room.id, env, len, &got),
		    v == 1 ? 0 : ERR_VERSION);
	}
}

/* Another member's signature over Alice's announcement does not pass for
 * hers: the signature must be by the identity the announcement names. */
static void
test_signature_by_other_member_refused(void **state)
{
	struct announce a, got;
	uint8_t env[ANNOUNCE_LEN], pt[PADDED], msg[sizeof LABEL + 32 + PADDED];
	size_t len;

	fill(&a, &alice, "alice");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    0);
	len = raw_open(key, room.id, env, pt);
	memcpy(msg, LABEL, sizeof LABEL);
	memcpy(msg + sizeof LABEL, room.id, 32);
	memcpy(msg + sizeof LABEL + 32, pt, len - 64);
	/* The hand-built message is what Alice signed... */
	assert_int_equal(ident_verify(pt + len - 64, alice.id.pk, msg,
	                     sizeof LABEL + 32 + len - 64),
	    0);
	/* ...and Mallory's signature over it is refused. */
	ident_sign(
	    pt + len - 64, &mallory.id, msg, sizeof LABEL + 32 + len - 64);
	raw_seal(key, room.id, pt, len, env);
	assert_int_equal(
	    announce_open(key, room.id, env, sizeof env, &got), ERR_CRYPTO);
	/* So is Mallory's key put in place of Alice's. */
	memcpy(pt + 1, mallory.id.pk, 32);
	raw_seal(key, room.id, pt, len, env);
	assert_int_equal(
	    announce_open(key, room.id, env, sizeof env, &got), ERR_CRYPTO);
}

static void
test_bundle_of_other_identity_refused(void **state)
{
	struct announce a, got;
	uint8_t env[ANNOUNCE_LEN], pt[PADDED];
	struct plain p;
	size_t len;

	/* Mallory announces herself with Alice's (validly signed) bundle,
	 * so that sessions meant for Mallory would be opened to Alice, or
	 * the other way round. */
	plain_of(&p, &mallory, "mallory");
	x3dh_bundle_encode(&alice.bundle, p.bundle);
	len = plain_build(&p, &mallory.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_PROTO);
	assert_true(is_zero(&got, sizeof got));
	/* The sealing side refuses it too. */
	fill(&a, &mallory, "mallory");
	a.bundle = alice.bundle;
	assert_int_equal(
	    announce_seal(&mallory.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_PROTO);
	assert_int_equal(len, 0);
	fill(&a, &alice, "alice");
	assert_int_equal(
	    announce_seal(&mallory.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_PROTO);
}

static void
test_seal_refuses_invalid(void **state)
{
	struct announce a;
	uint8_t env[ANNOUNCE_LEN];
	size_t len;

	fill(&a, &alice, "alice");
	assert_int_equal(announce_seal(&alice.id, key, room.id, &a, env,
	                     ANNOUNCE_LEN - 1, &len),
	    ERR_TOO_BIG);
	assert_int_equal(len, 0);
	fill(&a, &alice, "");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_UTF8);
	fill(&a, &alice, "al ice");
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_UTF8);
	/* A name that fills its array without a NUL. */
	fill(&a, &alice, "alice");
	memset(a.name, 'a', sizeof a.name);
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_UTF8);
	fill(&a, &alice, "alice");
	a.bundle.spk[0] ^= 1;
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_CRYPTO);
	fill(&a, &alice, "alice");
	memset(a.mbox_pk, 0, 32);
	assert_int_equal(
	    announce_seal(&alice.id, key, room.id, &a, env, sizeof env, &len),
	    ERR_CRYPTO);
	assert_int_equal(len, 0);
}

/* Plain texts a member with the room secret could craft: the parser
 * must refuse each with the right code and leave nothing behind. */
static void
test_hostile_plaintexts(void **state)
{
	static const char *const bad_names[] = {"a b", "a#b", "a/b", "a@b",
	    "a\tb", "a\x1b[2J", "\xff", "\xc3",
	    "a\xe2\x80\xae"
	    "b",
	    "a\xe2\x80\x8b"
	    "b"};
	struct announce got;
	uint8_t pt[PADDED], good[PADDED], env[ANNOUNCE_LEN];
	struct plain p;
	size_t len, glen;

	plain_of(&p, &alice, "alice");
	glen = plain_build(&p, &alice.id, room.id, good);
	assert_int_equal(open_plain(good, glen, &got), 0);
	assert_string_equal(got.name, "alice");

	/* Every truncation, at every field. */
	for (size_t i = 0; i < glen; i++) {
		assert_int_equal(open_plain(good, i, &got), ERR_TRUNCATED);
		assert_true(is_zero(&got, sizeof got));
	}
	/* A trailing byte, even a zero one. */
	memcpy(pt, good, glen);
	pt[glen] = 0;
	assert_int_equal(open_plain(pt, glen + 1, &got), ERR_TOO_BIG);

	/* Inner version. */
	p.ver = 2;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_VERSION);
	p.ver = 1;

	/* Name lengths: zero, over the limit, past the end, one short. */
	p.nlen = 0;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_PROTO);
	p.nlen = UTF8_NAME_MAX + 1;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_PROTO);
	p.nlen = 255;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_PROTO);
	memcpy(pt, good, 1 + 32);
	pt[33] = 40;
	memcpy(pt + 34, "alice", 5);
	assert_int_equal(open_plain(pt, 34 + 5, &got), ERR_TRUNCATED);
	/* Length 4 for "alice": the 'e' becomes part of the mailbox key
	 * and one byte trails. */
	p.nlen = 4;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_TOO_BIG);
	p.nlen = 6;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_TRUNCATED);
	p.nlen = -1;

	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		p.name = bad_names[i];
		len = plain_build(&p, &alice.id, room.id, pt);
		assert_int_equal(open_plain(pt, len, &got), ERR_UTF8);
		assert_true(is_zero(&got, sizeof got));
	}
	p.name = "alice";

	/* A mailbox key that is no point, signed as it is. */
	memset(p.mbox, 0, 32);
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_CRYPTO);
	memcpy(p.mbox, alice.mbox.pk, 32);

	/* Bundles: a forged prekey, another version, a bad flag. */
	p.bundle[1 + 32 + 4] ^= 1;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_CRYPTO);
	p.bundle[1 + 32 + 4] ^= 1;
	p.bundle[0] = 2;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_VERSION);
	p.bundle[0] = 1;
	p.bundle[1 + 32 + 4 + 32 + 64] = 2;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), ERR_PROTO);
	p.bundle[1 + 32 + 4 + 32 + 64] = 1;
	len = plain_build(&p, &alice.id, room.id, pt);
	assert_int_equal(open_plain(pt, len, &got), 0);

	/* Padding that is not 0x80 then zeros, under a valid tag. */
	memcpy(pt, good, glen);
	memset(pt + glen, 0, PADDED - glen);
	raw_seal_padded(key, room.id, pt, PADDED, env);
	/*
	 * The plain text ends with a signature: if its last byte happens to
	 * be 0x80 (1 in 256), the unpadding takes it for the marker and the
	 * parser finds the text one byte short. Refused either way.
	 */
	assert_int_equal(announce_open(key, room.id, env, sizeof env, &got),
	    good[glen - 1] == 0x80 ? ERR_TRUNCATED : ERR_PAD);
	pt[glen] = 0x80;
	pt[PADDED - 1] = 1;
	raw_seal_padded(key, room.id, pt, PADDED, env);
	assert_int_equal(
	    announce_open(key, room.id, env, sizeof env, &got), ERR_PAD);
	pt[PADDED - 1] = 0;
	raw_seal_padded(key, room.id, pt, PADDED, env);
	assert_int_equal(announce_open(key, room.id, env, sizeof env, &got), 0);
	/* Empty content. */
	assert_int_equal(open_plain(pt, 0, &got), ERR_TRUNCATED);
}

/* The fuzz target's fixed keys (tests/fuzz/fuzz-announce.c). */
static const uint8_t fuzz_secret[32] = {61, 62, 63, 64};
static const uint8_t fuzz_member[32] = {71, 72, 73, 74};

static void
corpus_put(const char *dir, const char *name, uint8_t mode, const uint8_t *b,
    size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(&mode, 1, 1, f), 1);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Makes the fuzz corpus and checks that its valid entries open under the
 * fuzz target's keys; writes it when HEARTH_FUZZ_CORPUS_WRITE is set. */
static void
test_fuzz_corpus(void **state)
{
	const char *dir = getenv("HEARTH_FUZZ_CORPUS_WRITE");
	struct senderkey_room fr;
	struct member m;
	struct announce a, got;
	struct plain p;
	uint8_t fk[32], env[ANNOUNCE_LEN], pt[PADDED];
	size_t len;

	senderkey_room_derive(&fr, fuzz_secret);
	announce_key(fk, fuzz_secret);
	member_init(&m, fuzz_member);
	fill(&a, &m, "river");
	assert_int_equal(
	    announce_seal(&m.id, fk, fr.id, &a, env, sizeof env, &len), 0);
	assert_int_equal(announce_open(fk, fr.id, env, len, &got), 0);
	if (dir != NULL) {
		corpus_put(dir, "envelope", 0, env, len);
		corpus_put(dir, "envelope-short", 0, env, 100);
	}
	plain_of(&p, &m, "river");
	len = plain_build(&p, &m.id, fr.id, pt);
	raw_seal(fk, fr.id, pt, len, env);
	assert_int_equal(announce_open(fk, fr.id, env, sizeof env, &got), 0);
	assert_memory_equal(&got, &a, sizeof a);
	if (dir != NULL) {
		corpus_put(dir, "plain", 1, pt, len);
		corpus_put(dir, "plain-truncated", 1, pt, len - 70);
		pt[33] = 200;
		corpus_put(dir, "plain-namelen", 1, pt, len);
	}
	x3dh_bundle_make(&m.bundle, &m.id, &m.spk, NULL);
	plain_of(&p, &m, "Zoë");
	len = plain_build(&p, &m.id, fr.id, pt);
	raw_seal(fk, fr.id, pt, len, env);
	assert_int_equal(announce_open(fk, fr.id, env, sizeof env, &got), 0);
	if (dir != NULL)
		corpus_put(dir, "plain-no-opk", 1, pt, len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_length_is_one_bucket),
	    cmocka_unit_test(test_random_nonce),
	    cmocka_unit_test(test_key_derivation),
	    cmocka_unit_test(test_other_room_refused),
	    cmocka_unit_test(test_tamper_any_byte),
	    cmocka_unit_test(test_lengths_and_version),
	    cmocka_unit_test(test_signature_by_other_member_refused),
	    cmocka_unit_test(test_bundle_of_other_identity_refused),
	    cmocka_unit_test(test_seal_refuses_invalid),
	    cmocka_unit_test(test_hostile_plaintexts),
	    cmocka_unit_test(test_fuzz_corpus),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
