/* SPDX-License-Identifier: ISC */
/*
 * The Noise NK handshake against the published cacophony vectors
 * ($HEARTH_VECTORS/noise-nk.json), then every way a handshake or a
 * transport message can go wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"
#include "common/noise.h"
#include "tests/unit/cm.h"

#define VEC_MSGS 6
#define VEC_HEX_MAX 512

struct vec {
	uint8_t prologue[64];
	size_t prologue_len;
	uint8_t init_e[32], resp_s[32], resp_e[32], rs[32];
	uint8_t hash[32];
	uint8_t payload[VEC_MSGS][VEC_HEX_MAX / 2];
	size_t payload_len[VEC_MSGS];
	uint8_t cipher[VEC_MSGS][VEC_HEX_MAX / 2];
	size_t cipher_len[VEC_MSGS];
};

static struct vec vec;
static const uint8_t prologue[] = "test prologue";

/* Reads the whole vectors file; the caller frees it. */
static char *
vec_slurp(void)
{
	const char *dir = getenv("HEARTH_VECTORS");
	char path[4096];
	FILE *f;
	char *text;
	long len;

	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/noise-nk.json", dir);
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

/*
 * Finds "key": "hex" at or after *pos (before end) and decodes it into out;
 * moves *pos past it. The file is flat enough that this is all the JSON
 * parsing the test needs.
 */
static size_t
vec_hex(const char **pos, const char *end, const char *key, uint8_t *out,
    size_t cap)
{
	char pat[64];
	const char *p, *q;
	size_t len;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	p = strstr(*pos, pat);
	assert_non_null(p);
	assert_true(p < end);
	p = strchr(p + strlen(pat), '"');
	assert_non_null(p);
	q = strchr(++p, '"');
	assert_non_null(q);
	assert_int_equal(
	    sodium_hex2bin(out, cap, p, (size_t)(q - p), NULL, &len, NULL), 0);
	*pos = q + 1;
	return len;
}

static int
vec_load(void **state)
{
	char *text = vec_slurp();
	const char *pos, *end;

	pos = strstr(text, "\"Noise_NK_25519_ChaChaPoly_SHA256\"");
	assert_non_null(pos);
	end = strstr(pos, "\"protocol_name\"");
	if (end == NULL)
		end = text + strlen(text);
	vec.prologue_len = vec_hex(
	    &pos, end, "init_prologue", vec.prologue, sizeof vec.prologue);
	assert_int_equal(
	    vec_hex(&pos, end, "init_ephemeral", vec.init_e, 32), 32);
	assert_int_equal(
	    vec_hex(&pos, end, "init_remote_static", vec.rs, 32), 32);
	assert_int_equal(vec_hex(&pos, end, "resp_static", vec.resp_s, 32), 32);
	assert_int_equal(
	    vec_hex(&pos, end, "resp_ephemeral", vec.resp_e, 32), 32);
	assert_int_equal(
	    vec_hex(&pos, end, "handshake_hash", vec.hash, 32), 32);
	for (int i = 0; i < VEC_MSGS; i++) {
		vec.payload_len[i] = vec_hex(&pos, end, "payload",
		    vec.payload[i], sizeof vec.payload[i]);
		vec.cipher_len[i] = vec_hex(&pos, end, "ciphertext",
		    vec.cipher[i], sizeof vec.cipher[i]);
	}
	free(text);
	return 0;
}

static void
test_vector_keys_agree(void **state)
{
	uint8_t pub[32];

	/* The vector's responder static key is the initiator's pinned one. */
	noise_pubkey(pub, vec.resp_s);
	assert_memory_equal(pub, vec.rs, 32);
}

static void
test_vector_handshake_and_transport(void **state)
{
	struct noise_hs ini, res;
	struct noise_cipher itx, irx, rtx, rrx;
	uint8_t msg[1024], out[1024], hi[32], hr[32];
	size_t len, plen;

	noise_hs_init_initiator(&ini, vec.prologue, vec.prologue_len, vec.rs);
	noise_hs_fix_ephemeral(&ini, vec.init_e);
	noise_hs_init_responder(
	    &res, vec.prologue, vec.prologue_len, vec.resp_s);
	noise_hs_fix_ephemeral(&res, vec.resp_e);

	assert_int_equal(noise_hs_write(&ini, vec.payload[0],
	                     vec.payload_len[0], msg, sizeof msg, &len),
	    0);
	assert_int_equal(len, vec.cipher_len[0]);
	assert_memory_equal(msg, vec.cipher[0], len);
	assert_int_equal(
	    noise_hs_read(&res, msg, len, out, sizeof out, &plen), 0);
	assert_int_equal(plen, vec.payload_len[0]);
	assert_memory_equal(out, vec.payload[0], plen);

	assert_int_equal(noise_hs_write(&res, vec.payload[1],
	                     vec.payload_len[1], msg, sizeof msg, &len),
	    0);
	assert_int_equal(len, vec.cipher_len[1]);
	assert_memory_equal(msg, vec.cipher[1], len);
	assert_int_equal(
	    noise_hs_read(&ini, msg, len, out, sizeof out, &plen), 0);
	assert_memory_equal(out, vec.payload[1], plen);

	assert_true(noise_hs_done(&ini));
	assert_true(noise_hs_done(&res));
	assert_int_equal(noise_hs_split(&ini, &itx, &irx, hi), 0);
	assert_int_equal(noise_hs_split(&res, &rtx, &rrx, hr), 0);
	assert_memory_equal(hi, vec.hash, 32);
	assert_memory_equal(hr, vec.hash, 32);

	/* Transport: even messages go initiator to responder. */
	for (int i = 2; i < VEC_MSGS; i++) {
		struct noise_cipher *tx = i % 2 == 0 ? &itx : &rtx;
		struct noise_cipher *rx = i % 2 == 0 ? &rrx : &irx;

		assert_int_equal(noise_cipher_encrypt(tx, NULL, 0,
		                     vec.payload[i], vec.payload_len[i], msg),
		    0);
		len = vec.payload_len[i] + NOISE_TAG_LEN;
		assert_int_equal(len, vec.cipher_len[i]);
		assert_memory_equal(msg, vec.cipher[i], len);
		assert_int_equal(
		    noise_cipher_decrypt(rx, NULL, 0, msg, len, out), 0);
		assert_memory_equal(out, vec.payload[i], vec.payload_len[i]);
	}
}

/* A fresh pair of handshakes with random keys. */
static void
pair_init(struct noise_hs *ini, struct noise_hs *res, const uint8_t *ip,
    size_t ip_len, const uint8_t *rp, size_t rp_len)
{
	uint8_t s[32], pub[32];

	noise_keypair(s, pub);
	noise_hs_init_initiator(ini, ip, ip_len, pub);
	noise_hs_init_responder(res, rp, rp_len, s);
}

static void
pair_handshake(struct noise_cipher *itx, struct noise_cipher *irx,
    struct noise_cipher *rtx, struct noise_cipher *rrx)
{
	struct noise_hs ini, res;
	uint8_t msg[128], out[128];
	size_t len, plen;

	pair_init(
	    &ini, &res, prologue, sizeof prologue, prologue, sizeof prologue);
	assert_int_equal(
	    noise_hs_write(&ini, NULL, 0, msg, sizeof msg, &len), 0);
	assert_int_equal(len, NOISE_HS_OVERHEAD);
	assert_int_equal(
	    noise_hs_read(&res, msg, len, out, sizeof out, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(
	    noise_hs_write(&res, NULL, 0, msg, sizeof msg, &len), 0);
	assert_int_equal(
	    noise_hs_read(&ini, msg, len, out, sizeof out, &plen), 0);
	assert_int_equal(noise_hs_split(&ini, itx, irx, NULL), 0);
	assert_int_equal(noise_hs_split(&res, rtx, rrx, NULL), 0);
}

static void
test_random_handshake_round_trip(void **state)
{
	struct noise_cipher itx, irx, rtx, rrx;
	uint8_t msg[64] = "hello";
	uint8_t zero[sizeof(struct noise_cipher)] = {0};

	pair_handshake(&itx, &irx, &rtx, &rrx);
	assert_int_equal(noise_cipher_encrypt(&itx, NULL, 0, msg, 6, msg), 0);
	assert_int_equal(noise_cipher_decrypt(&rrx, NULL, 0, msg, 22, msg), 0);
	assert_string_equal((char *)msg, "hello");
	assert_int_equal(noise_cipher_encrypt(&rtx, NULL, 0, msg, 6, msg), 0);
	assert_int_equal(noise_cipher_decrypt(&irx, NULL, 0, msg, 22, msg), 0);
	assert_string_equal((char *)msg, "hello");
	/* A side cannot read its own messages: the directions differ. */
	assert_int_equal(noise_cipher_encrypt(&itx, NULL, 0, msg, 6, msg), 0);
	assert_int_equal(
	    noise_cipher_decrypt(&irx, NULL, 0, msg, 22, msg), ERR_CRYPTO);
	noise_cipher_wipe(&itx);
	assert_memory_equal(&itx, zero, sizeof zero);
}

static void
test_wrong_static_key_fails(void **state)
{
	struct noise_hs ini, res;
	uint8_t s[32], pub[32], other[32], other_pub[32];
	uint8_t msg[128], out[128];
	size_t len, plen = 99;

	noise_keypair(s, pub);
	noise_keypair(other, other_pub);
	noise_hs_init_initiator(&ini, prologue, sizeof prologue, other_pub);
	noise_hs_init_responder(&res, prologue, sizeof prologue, s);
	assert_int_equal(
	    noise_hs_write(&ini, NULL, 0, msg, sizeof msg, &len), 0);
	assert_int_equal(
	    noise_hs_read(&res, msg, len, out, sizeof out, &plen), ERR_CRYPTO);
	assert_int_equal(plen, 0);
	/* The state is wiped and refuses to go on. */
	assert_false(noise_hs_done(&res));
	assert_int_equal(
	    noise_hs_write(&res, NULL, 0, msg, sizeof msg, &len), ERR_HS_STATE);
}

static void
test_prologue_mismatch_fails(void **state)
{
	struct noise_hs ini, res;
	uint8_t msg[128], out[128];
	static const uint8_t other[] = "test prologuf";
	size_t len, plen;

	pair_init(&ini, &res, prologue, sizeof prologue, other, sizeof other);
	assert_int_equal(
	    noise_hs_write(&ini, NULL, 0, msg, sizeof msg, &len), 0);
	assert_int_equal(
	    noise_hs_read(&res, msg, len, out, sizeof out, &plen), ERR_CRYPTO);
}

static void
test_tampered_messages_fail(void **state)
{
	struct noise_hs ini, res;
	uint8_t msg[128], copy[128], out[128];
	size_t len, plen;

	/* Flip each byte of message 1 in turn: every flip must fail. */
	for (size_t i = 0; i < NOISE_HS_OVERHEAD + 4; i++) {
		pair_init(&ini, &res, prologue, sizeof prologue, prologue,
		    sizeof prologue);
		assert_int_equal(noise_hs_write(&ini, (const uint8_t *)"abcd",
		                     4, msg, sizeof msg, &len),
		    0);
		memcpy(copy, msg, len);
		copy[i] ^= 0x01;
		assert_int_not_equal(
		    noise_hs_read(&res, copy, len, out, sizeof out, &plen), 0);
	}
	/* And of message 2. */
	pair_init(
	    &ini, &res, prologue, sizeof prologue, prologue, sizeof prologue);
	assert_int_equal(
	    noise_hs_write(&ini, NULL, 0, msg, sizeof msg, &len), 0);
	assert_int_equal(
	    noise_hs_read(&res, msg, len, out, sizeof out, &plen), 0);
	assert_int_equal(
	    noise_hs_write(&res, NULL, 0, msg, sizeof msg, &len), 0);
	msg[len - 1] ^= 0x80;
	assert_int_equal(
	    noise_hs_read(&ini, msg, len, out, sizeof out, &plen), ERR_CRYPTO);
	assert_int_equal(noise_hs_split(&ini, &(struct noise_cipher){0},
	                     &(struct noise_cipher){0}, NULL),
	    ERR_HS_STATE);
}

static void
test_low_order_ephemeral_fails(void **state)
{
	struct noise_hs ini, res;
	uint8_t msg[NOISE_HS_OVERHEAD] = {0}, out[16];
	size_t plen;

	/* An all-zero ephemeral key makes every DH result zero. */
	pair_init(
	    &ini, &res, prologue, sizeof prologue, prologue, sizeof prologue);
	assert_int_equal(
	    noise_hs_read(&res, msg, sizeof msg, out, sizeof out, &plen),
	    ERR_CRYPTO);
}

static void
test_out_of_turn_and_bounds(void **state)
{
	struct noise_hs ini, res;
	uint8_t msg[128], out[128];
	size_t len = 7, plen = 7;

	pair_init(
	    &ini, &res, prologue, sizeof prologue, prologue, sizeof prologue);
	/* The responder speaks second; the initiator reads second. */
	assert_int_equal(
	    noise_hs_write(&res, NULL, 0, msg, sizeof msg, &len), ERR_HS_STATE);
	assert_int_equal(len, 0);
	assert_int_equal(
	    noise_hs_read(&ini, msg, NOISE_HS_OVERHEAD, out, sizeof out, &plen),
	    ERR_HS_STATE);
	assert_int_equal(plen, 0);

	/* Output too small, then payload over the message limit. */
	pair_init(
	    &ini, &res, prologue, sizeof prologue, prologue, sizeof prologue);
	assert_int_equal(
	    noise_hs_write(&ini, NULL, 0, msg, NOISE_HS_OVERHEAD - 1, &len),
	    ERR_TOO_BIG);
	assert_int_equal(
	    noise_hs_write(&ini, msg, NOISE_MSG_MAX, msg, sizeof msg, &len),
	    ERR_TOO_BIG);
	/* Neither failure consumed the turn. */
	assert_int_equal(
	    noise_hs_write(&ini, NULL, 0, msg, sizeof msg, &len), 0);

	/* Truncated message 1, then a payload buffer too small. */
	assert_int_equal(noise_hs_read(&res, msg, NOISE_HS_OVERHEAD - 1, out,
	                     sizeof out, &plen),
	    ERR_TRUNCATED);
	pair_init(
	    &ini, &res, prologue, sizeof prologue, prologue, sizeof prologue);
	assert_int_equal(noise_hs_write(&ini, (const uint8_t *)"xy", 2, msg,
	                     sizeof msg, &len),
	    0);
	assert_int_equal(
	    noise_hs_read(&res, msg, len, out, 1, &plen), ERR_TOO_BIG);
	/* Splitting an unfinished handshake is refused. */
	assert_int_equal(noise_hs_split(&ini, &(struct noise_cipher){0},
	                     &(struct noise_cipher){0}, NULL),
	    ERR_HS_STATE);
}

static void
test_transport_failures(void **state)
{
	struct noise_cipher itx, irx, rtx, rrx;
	uint8_t msg[64] = "abc", bad[64];
	uint64_t n;

	pair_handshake(&itx, &irx, &rtx, &rrx);
	assert_int_equal(noise_cipher_encrypt(&itx, NULL, 0, msg, 3, msg), 0);
	/* A tampered message fails and does not advance the nonce. */
	memcpy(bad, msg, 19);
	bad[0] ^= 1;
	n = rrx.n;
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, bad, 19, bad), ERR_CRYPTO);
	assert_int_equal(rrx.n, n);
	/* A message cut short by a byte fails the same way. */
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, msg, 18, bad), ERR_CRYPTO);
	assert_int_equal(noise_cipher_decrypt(&rrx, NULL, 0, msg, 19, msg), 0);
	assert_memory_equal(msg, "abc", 3);
	assert_int_equal(rrx.n, n + 1);
	/* A bare tag is a forgery; less than a tag is truncated. */
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, msg, 16, bad), ERR_CRYPTO);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, msg, 15, bad), ERR_TRUNCATED);
	/* A replayed message fails: the nonce moved on. */
	assert_int_equal(noise_cipher_encrypt(&itx, NULL, 0, msg, 3, bad), 0);
	memcpy(msg, bad, 19);
	assert_int_equal(noise_cipher_decrypt(&rrx, NULL, 0, bad, 19, bad), 0);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, msg, 19, msg), ERR_CRYPTO);
	/* Associated data is authenticated. */
	assert_int_equal(
	    noise_cipher_encrypt(&itx, (const uint8_t *)"ad", 2, msg, 3, msg),
	    0);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, (const uint8_t *)"ae", 2, msg, 19, bad),
	    ERR_CRYPTO);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, (const uint8_t *)"ad", 2, msg, 19, bad),
	    0);
}

static void
test_nonce_exhaustion(void **state)
{
	struct noise_cipher itx, irx, rtx, rrx;
	uint8_t msg[64] = "abc";

	pair_handshake(&itx, &irx, &rtx, &rrx);
	/* The last usable nonce is 2^64-2; 2^64-1 is reserved. */
	itx.n = UINT64_MAX - 1;
	rrx.n = UINT64_MAX - 1;
	assert_int_equal(noise_cipher_encrypt(&itx, NULL, 0, msg, 3, msg), 0);
	assert_int_equal(noise_cipher_decrypt(&rrx, NULL, 0, msg, 19, msg), 0);
	assert_int_equal(
	    noise_cipher_encrypt(&itx, NULL, 0, msg, 3, msg), ERR_NONCE);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, msg, 19, msg), ERR_NONCE);
}

static void
test_rekey(void **state)
{
	struct noise_cipher itx, irx, rtx, rrx, old;
	uint8_t msg[64] = "abc", copy[64];

	pair_handshake(&itx, &irx, &rtx, &rrx);
	old = itx;
	noise_cipher_rekey(&itx);
	assert_memory_not_equal(itx.k, old.k, NOISE_KEY_LEN);
	assert_int_equal(itx.n, old.n);
	/* The peer that has not rekeyed cannot read it; after rekey it can. */
	assert_int_equal(noise_cipher_encrypt(&itx, NULL, 0, msg, 3, msg), 0);
	memcpy(copy, msg, 19);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, msg, 19, msg), ERR_CRYPTO);
	noise_cipher_rekey(&rrx);
	assert_int_equal(
	    noise_cipher_decrypt(&rrx, NULL, 0, copy, 19, copy), 0);
	assert_memory_equal(copy, "abc", 3);
	/* Rekey is deterministic: k' = ENCRYPT(k, 2^64-1, "", zeros)[0..32]. */
	noise_cipher_rekey(&old);
	assert_memory_equal(old.k, itx.k, NOISE_KEY_LEN);
}

static void
test_in_place_matches_separate(void **state)
{
	struct noise_cipher a = {.has_key = true}, b;
	uint8_t in[100], out[116], buf[116];

	randombytes_buf(a.k, sizeof a.k);
	randombytes_buf(in, sizeof in);
	b = a;
	memcpy(buf, in, sizeof in);
	assert_int_equal(
	    noise_cipher_encrypt(&a, NULL, 0, in, sizeof in, out), 0);
	assert_int_equal(
	    noise_cipher_encrypt(&b, NULL, 0, buf, sizeof in, buf), 0);
	assert_memory_equal(out, buf, sizeof out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_keys_agree),
	    cmocka_unit_test(test_vector_handshake_and_transport),
	    cmocka_unit_test(test_random_handshake_round_trip),
	    cmocka_unit_test(test_wrong_static_key_fails),
	    cmocka_unit_test(test_prologue_mismatch_fails),
	    cmocka_unit_test(test_tampered_messages_fail),
	    cmocka_unit_test(test_low_order_ephemeral_fails),
	    cmocka_unit_test(test_out_of_turn_and_bounds),
	    cmocka_unit_test(test_transport_failures),
	    cmocka_unit_test(test_nonce_exhaustion),
	    cmocka_unit_test(test_rekey),
	    cmocka_unit_test(test_in_place_matches_separate),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, vec_load, NULL);
}
