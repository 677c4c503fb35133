/* SPDX-License-Identifier: ISC */
/*
 * Frozen vectors for every end-to-end format ($HEARTH_VECTORS/crypto-v1.json).
 * All randomness comes from the seed in the file: libsodium's random source
 * is replaced, before sodium_init, by a generator keyed from it. The test
 * replays a fixed script (identities, X3DH, ratchet messages, a saved state,
 * room derivations, a room message, a sealed envelope, an announcement, an
 * invite) and compares every
 * output byte with the file, so any change to a format or derivation fails
 * here. HEARTH_VECTORS_WRITE=PATH writes a fresh file to PATH instead, taking
 * the seeds from the current one (run once, when a format version is bumped
 * on purpose).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/announce.h"
#include "common/ident.h"
#include "common/invite.h"
#include "common/ratchet.h"
#include "common/sealed.h"
#include "common/senderkey.h"
#include "common/x3dh.h"
#include "tests/unit/cm.h"

static uint8_t det_seed[32];
static uint64_t det_ctr;
static char *vec_text;
static FILE *wf; /* set when writing a fresh file */

/* Each call draws from a fresh ChaCha20 key: BLAKE2b(seed || counter). */
static void
det_buf(void *buf, size_t size)
{
	crypto_generichash_state st;
	uint8_t key[randombytes_SEEDBYTES], ctr[8];

	for (int i = 0; i < 8; i++)
		ctr[i] = (uint8_t)(det_ctr >> (8 * i));
	det_ctr++;
	crypto_generichash_init(&st, NULL, 0, sizeof key);
	crypto_generichash_update(&st, det_seed, sizeof det_seed);
	crypto_generichash_update(&st, ctr, sizeof ctr);
	crypto_generichash_final(&st, key, sizeof key);
	randombytes_buf_deterministic(buf, size, key);
}

static uint32_t
det_random(void)
{
	uint32_t v;

	det_buf(&v, sizeof v);
	return v;
}

static const char *
det_name(void)
{
	return "hearth-test-deterministic";
}

static struct randombytes_implementation det_impl = {
    .implementation_name = det_name,
    .random = det_random,
    .buf = det_buf,
};

static char *
vec_slurp(void)
{
	const char *dir = getenv("HEARTH_VECTORS");
	char path[4096];
	FILE *f;
	char *text;
	long len;

	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/crypto-v1.json", dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0 && len < 1 << 20);
	rewind(f);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	return text;
}

/* Finds "key": "value" and returns a pointer to value, its length in *n. */
static const char *
vec_find(const char *key, size_t *n)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	p = strstr(vec_text, pat);
	assert_non_null(p);
	p = strchr(p + strlen(pat), '"');
	assert_non_null(p);
	q = strchr(++p, '"');
	assert_non_null(q);
	*n = (size_t)(q - p);
	return p;
}

static bool first_field = true;

/* Prints key: hex when writing, or compares with the file. */
static void
check_hex(const char *key, const uint8_t *b, size_t len)
{
	static char hex[2 * 65536 + 1];
	const char *v;
	size_t n;

	sodium_bin2hex(hex, sizeof hex, b, len);
	if (wf != NULL) {
		fprintf(wf, "%s\n  \"%s\": \"%s\"", first_field ? "" : ",", key,
		    hex);
		first_field = false;
		return;
	}
	v = vec_find(key, &n);
	assert_int_equal(n, 2 * len);
	if (memcmp(v, hex, n) != 0)
		fail_msg("vector %s differs", key);
}

static void
check_str(const char *key, const char *s)
{
	const char *v;
	size_t n;

	if (wf != NULL) {
		fprintf(wf, ",\n  \"%s\": \"%s\"", key, s);
		return;
	}
	v = vec_find(key, &n);
	assert_int_equal(n, strlen(s));
	assert_memory_equal(v, s, n);
}

static void
load_seed(const char *key, uint8_t out[static 32])
{
	const char *v;
	size_t n, got;

	v = vec_find(key, &n);
	assert_int_equal(sodium_hex2bin(out, 32, v, n, NULL, &got, NULL), 0);
	assert_int_equal(got, 32);
}

static struct ratchet ra, rb, rt;

static void
ratchet_step(
    struct ratchet *from, struct ratchet *to, const char *text, const char *key)
{
	uint8_t msg[256], pt[256];
	size_t len, plen;

	assert_int_equal(ratchet_encrypt(from, &rt, (const uint8_t *)text,
	                     strlen(text), msg, sizeof msg, &len),
	    0);
	ratchet_copy(from, &rt);
	check_hex(key, msg, len);
	assert_int_equal(
	    ratchet_decrypt(to, &rt, msg, len, pt, sizeof pt, &plen), 0);
	assert_int_equal(plen, strlen(text));
	assert_memory_equal(pt, text, plen);
	ratchet_copy(to, &rt);
}

/* Alice announces herself in the room, and the room's invite. */
static void
vectors_announce_invite(const struct ident *alice,
    const struct senderkey_room *room, const uint8_t secret[static 32])
{
	static uint8_t env[ANNOUNCE_LEN];
	struct announce a, got;
	struct invite in, back;
	struct x3dh_prekey spk;
	struct ident mbox;
	uint8_t key[ANNOUNCE_KEY_LEN];
	char s[INVITE_STR_MAX];
	size_t len;

	announce_key(key, secret);
	check_hex("announce_key", key, sizeof key);
	memset(&a, 0, sizeof a);
	memcpy(a.ik, alice->pk, 32);
	memcpy(a.name, "alice", 6);
	ident_new(&mbox);
	memcpy(a.mbox_pk, mbox.pk, 32);
	x3dh_prekey_new(&spk, 3);
	x3dh_bundle_make(&a.bundle, alice, &spk, NULL);
	a.time_s = 1795000000;
	assert_int_equal(
	    announce_seal(alice, key, room->id, &a, env, sizeof env, &len), 0);
	check_hex("announce", env, len);
	assert_int_equal(announce_open(key, room->id, env, len, &got), 0);
	assert_memory_equal(&got, &a, sizeof a);

	memset(&in, 0, sizeof in);
	randombytes_buf(in.relay.key, sizeof in.relay.key);
	memcpy(in.relay.host, "relay.example.org", 18);
	in.relay.port = 7483;
	memcpy(in.secret, secret, 32);
	memcpy(in.owner, alice->pk, 32);
	assert_int_equal(invite_encode(&in, s, sizeof s), 0);
	check_str("invite", s);
	assert_int_equal(invite_decode(s, strlen(s), &back), 0);
	assert_memory_equal(&back, &in, sizeof in);
}

static void
test_frozen_vectors(void **state)
{
	static uint8_t buf[RATCHET_STATE_MAX];
	struct ident alice, bob;
	struct x3dh_prekey spk, opk;
	struct x3dh_bundle b;
	struct x3dh_init m;
	struct senderkey_room room;
	struct senderkey_own own, own2;
	struct senderkey_peer peer, peer2;
	uint8_t seed[32], sk_a[32], sk_b[32], ad_a[64], ad_b[64];
	uint8_t enc[X3DH_BUNDLE_LEN], ienc[X3DH_INIT_LEN];
	uint8_t secret[32], dist[SENDERKEY_DIST_LEN], mb_pub[32], mb_priv[32];
	uint8_t sender[32];
	char fp[IDENT_FP_CHARS + 1], sn[IDENT_SAFETY_DIGITS + 1];
	char words[IDENT_SAFETY_WORDS_MAX];
	size_t len, plen;

	load_seed("alice_seed", seed);
	ident_from_seed(&alice, seed);
	load_seed("bob_seed", seed);
	ident_from_seed(&bob, seed);
	check_hex("alice_pk", alice.pk, 32);
	ident_fingerprint(fp, alice.pk);
	check_str("alice_fingerprint", fp);
	ident_safety_number(sn, alice.pk, bob.pk);
	check_str("safety_number", sn);
	assert_int_equal(
	    ident_safety_words(words, sizeof words, alice.pk, bob.pk), 0);
	check_str("safety_words", words);

	x3dh_prekey_new(&spk, 1);
	x3dh_prekey_new(&opk, 2);
	x3dh_bundle_make(&b, &bob, &spk, &opk);
	x3dh_bundle_encode(&b, enc);
	check_hex("bundle", enc, sizeof enc);
	assert_int_equal(x3dh_initiate(&alice, &b, &m, sk_a, ad_a), 0);
	x3dh_init_encode(&m, ienc);
	check_hex("x3dh_init", ienc, sizeof ienc);
	check_hex("x3dh_sk", sk_a, sizeof sk_a);
	assert_int_equal(x3dh_respond(&bob, &spk, &opk, &m, sk_b, ad_b), 0);
	assert_memory_equal(sk_a, sk_b, 32);

	assert_int_equal(ratchet_init_initiator(&ra, sk_a, ad_a, spk.pub), 0);
	ratchet_init_responder(&rb, sk_b, ad_b, spk.priv, spk.pub);
	ratchet_step(&ra, &rb, "first from alice", "ratchet_a1");
	ratchet_step(&ra, &rb, "second from alice", "ratchet_a2");
	ratchet_step(&rb, &ra, "bob answers", "ratchet_b1");
	ratchet_step(&ra, &rb, "alice again", "ratchet_a3");
	/* One lost message leaves a skipped key in the saved state. */
	assert_int_equal(ratchet_encrypt(&rb, &rt, (const uint8_t *)"lost", 4,
	                     buf, sizeof buf, &len),
	    0);
	ratchet_copy(&rb, &rt);
	ratchet_step(&rb, &ra, "after the lost one", "ratchet_b2");
	assert_int_equal(ratchet_save(&ra, buf, sizeof buf, &len), 0);
	check_hex("ratchet_state_alice", buf, len);

	senderkey_secret_new(secret);
	check_hex("room_secret", secret, 32);
	senderkey_room_derive(&room, secret);
	check_hex("room_id", room.id, 32);
	check_hex("room_access_pk", room.access_pk, 32);
	check_hex("room_board_key", room.board_key, 32);
	check_hex("room_header_key", room.header_key, 32);
	senderkey_own_new(&own, 1);
	senderkey_dist_encode(&own, &room, &alice, dist);
	check_hex("room_dist", dist, sizeof dist);
	assert_int_equal(
	    senderkey_dist_decode(&peer, &room, alice.pk, dist, sizeof dist),
	    0);
	assert_int_equal(
	    senderkey_encrypt(&own, &own2, &room, (const uint8_t *)"hello room",
	        10, buf, sizeof buf, &len),
	    0);
	check_hex("room_message", buf, len);
	assert_int_equal(senderkey_decrypt(&peer, &peer2, &room, buf, len, buf,
	                     sizeof buf, &plen),
	    0);
	assert_memory_equal(buf, "hello room", 10);

	crypto_box_keypair(mb_pub, mb_priv);
	assert_int_equal(
	    sealed_seal(&alice, mb_pub, (const uint8_t *)"sealed for bob", 14,
	        buf, sizeof buf, &len),
	    0);
	check_hex("sealed_envelope", buf, len);
	assert_int_equal(sealed_open(mb_pub, mb_priv, buf, len, sender, buf,
	                     sizeof buf, &plen),
	    0);
	assert_memory_equal(sender, alice.pk, 32);

	vectors_announce_invite(&alice, &room, secret);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frozen_vectors),
	};
	const char *w = getenv("HEARTH_VECTORS_WRITE");
	const char *v;
	size_t n, got;
	int rc;

	vec_text = vec_slurp();
	/* The generator must be in place before sodium_init. */
	v = vec_find("rng_seed", &n);
	if (sodium_hex2bin(det_seed, sizeof det_seed, v, n, NULL, &got, NULL) !=
	        0 ||
	    got != sizeof det_seed)
		return 1;
	if (randombytes_set_implementation(&det_impl) != 0 || sodium_init() < 0)
		return 1;
	if (w != NULL) {
		wf = fopen(w, "w");
		if (wf == NULL)
			return 1;
		fprintf(
		    wf, "{\n  \"format\": \"hearth end-to-end vectors v1\"");
		fprintf(wf, ",\n  \"rng_seed\": \"%.64s\"", v);
		v = vec_find("alice_seed", &n);
		fprintf(wf, ",\n  \"alice_seed\": \"%.64s\"", v);
		v = vec_find("bob_seed", &n);
		fprintf(wf, ",\n  \"bob_seed\": \"%.64s\"", v);
		first_field = false;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (wf != NULL) {
		fprintf(wf, "\n}\n");
		fclose(wf);
	}
	free(vec_text);
	return rc;
}
