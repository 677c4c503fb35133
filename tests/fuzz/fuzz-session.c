/* SPDX-License-Identifier: ISC */
/*
 * Pairwise sessions over hostile bytes: the frame parser and receive path
 * (X3DH from an initial message, the two-state bookkeeping, replays), and
 * the loaders of session records and prekey sets. Bob's identity and
 * prekeys and alice's identity are fixed, so frames alice wrote stay valid
 * inputs and the corpus reaches the deep paths.
 *
 * Input: [mode] then
 * - mode bit 0 set: a saved session record; if it loads, saving it must
 *   give back exactly the input;
 * - else mode bit 2 set: a saved prekey set, the same way;
 * - else [u16 BE len][frame]...: bob, starting with an empty session with
 *   alice, decrypts each frame in turn as if alice sealed it, and adopts
 *   the new record and prekeys on success, checking that both save and
 *   load back to the same bytes. With mode bit 1 set the frames are
 *   attributed to eve instead, and any success is a failure of the
 *   sender check.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/prekeys.h"
#include "client/session.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fuzz_alice_seed[IDENT_SEED_LEN] = {1, 2, 3, 4};
static const uint8_t fuzz_bob_seed[IDENT_SEED_LEN] = {5, 6, 7, 8};
static const uint8_t fuzz_eve_seed[IDENT_SEED_LEN] = {9, 10, 11, 12};
static const uint8_t fuzz_spk_priv[X3DH_KEY_LEN] = {13, 14, 15, 16};
static const uint8_t fuzz_opk_priv[X3DH_KEY_LEN] = {17, 18, 19, 20};

static struct session fuzz_cur, fuzz_next, fuzz_back;
static struct prekeys fuzz_pk, fuzz_pk_next, fuzz_pk_back;
static uint8_t fuzz_buf[SESSION_SAVED_MAX], fuzz_buf2[SESSION_SAVED_MAX];
static uint8_t fuzz_out[65536];

/* Bob's prekeys: signed prekey 1 and one one-time prekey. */
static void
fuzz_prekeys(struct prekeys *pk)
{
	memset(pk, 0, sizeof *pk);
	pk->spk.id = 1;
	memcpy(pk->spk.priv, fuzz_spk_priv, X3DH_KEY_LEN);
	crypto_scalarmult_base(pk->spk.pub, pk->spk.priv);
	pk->next_id = 2;
	memcpy(pk->opk[0].priv, fuzz_opk_priv, X3DH_KEY_LEN);
	crypto_scalarmult_base(pk->opk[0].pub, pk->opk[0].priv);
	pk->opk[0].id = prekeys_opk_id(pk->opk[0].pub);
	pk->nopk = 1;
}

static void
fuzz_idents(struct ident *alice, struct ident *bob, struct ident *eve)
{
	ident_from_seed(alice, fuzz_alice_seed);
	ident_from_seed(bob, fuzz_bob_seed);
	ident_from_seed(eve, fuzz_eve_seed);
}

static bool
fuzz_take(const uint8_t **p, size_t *left, const uint8_t **chunk, size_t *len)
{
	size_t n;

	if (*left < 2)
		return false;
	n = (size_t)(*p)[0] << 8 | (*p)[1];
	*p += 2;
	*left -= 2;
	if (n > *left)
		n = *left;
	*chunk = *p;
	*len = n;
	*p += n;
	*left -= n;
	return true;
}

/* A record must save and load back to the same bytes. */
static void
fuzz_session_round_trip(const struct session *s)
{
	size_t len, len2;

	if (session_save(s, fuzz_buf, sizeof fuzz_buf, &len) < 0 ||
	    len != session_saved_len(s))
		abort();
	if (session_load(&fuzz_back, fuzz_buf, len) < 0)
		abort();
	if (session_save(&fuzz_back, fuzz_buf2, sizeof fuzz_buf2, &len2) < 0 ||
	    len != len2 || memcmp(fuzz_buf, fuzz_buf2, len) != 0)
		abort();
}

static void
fuzz_prekeys_round_trip(const struct prekeys *pk)
{
	size_t len, len2;

	if (prekeys_save(pk, fuzz_buf, sizeof fuzz_buf, &len) < 0)
		abort();
	if (prekeys_load(&fuzz_pk_back, fuzz_buf, len) < 0)
		abort();
	if (prekeys_save(&fuzz_pk_back, fuzz_buf2, sizeof fuzz_buf2, &len2) <
	        0 ||
	    len != len2 || memcmp(fuzz_buf, fuzz_buf2, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ident alice, bob, eve;
	const uint8_t *p = data, *frame, *sender;
	size_t left = size, len, out_len;
	int rc;

	if (sodium_init() < 0)
		abort();
	if (left < 1)
		return 0;
	p++;
	left--;
	if (data[0] & 1) {
		if (session_load(&fuzz_cur, p, left) < 0)
			return 0;
		if (session_save(
		        &fuzz_cur, fuzz_buf, sizeof fuzz_buf, &out_len) < 0 ||
		    out_len != left || memcmp(fuzz_buf, p, left) != 0)
			abort();
		session_wipe(&fuzz_cur);
		return 0;
	}
	if (data[0] & 4) {
		if (prekeys_load(&fuzz_pk, p, left) < 0)
			return 0;
		if (prekeys_save(
		        &fuzz_pk, fuzz_buf, sizeof fuzz_buf, &out_len) < 0 ||
		    out_len != left || memcmp(fuzz_buf, p, left) != 0)
			abort();
		prekeys_wipe(&fuzz_pk);
		return 0;
	}
	fuzz_idents(&alice, &bob, &eve);
	fuzz_prekeys(&fuzz_pk);
	session_empty(&fuzz_cur, alice.pk);
	sender = (data[0] & 2) ? eve.pk : alice.pk;
	while (fuzz_take(&p, &left, &frame, &len)) {
		rc = session_decrypt(&fuzz_cur, &fuzz_next, &fuzz_pk,
		    &fuzz_pk_next, &bob, sender, frame, len, fuzz_out,
		    sizeof fuzz_out, &out_len);
		if (rc < 0) {
			/* Nothing to persist after a failure. */
			if (out_len != 0)
				abort();
			continue;
		}
		if (sender != alice.pk ||
		    out_len + RATCHET_OVERHEAD + SESSION_FRAME_HEADER > len)
			abort();
		session_copy(&fuzz_cur, &fuzz_next);
		prekeys_copy(&fuzz_pk, &fuzz_pk_next);
		fuzz_session_round_trip(&fuzz_cur);
		fuzz_prekeys_round_trip(&fuzz_pk);
	}
	session_wipe(&fuzz_cur);
	session_wipe(&fuzz_next);
	prekeys_wipe(&fuzz_pk);
	prekeys_wipe(&fuzz_pk_next);
	ident_wipe(&alice);
	ident_wipe(&bob);
	ident_wipe(&eve);
	return 0;
}
