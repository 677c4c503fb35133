/* SPDX-License-Identifier: ISC */
/*
 * The Double Ratchet's receive path and state loader over hostile bytes.
 * The responder's keys are fixed, so messages from an initiator that
 * started from them stay valid inputs and the corpus reaches the deep
 * paths (skipped keys, a second chain, replays).
 *
 * Input: [mode] then, for mode bit 0 clear, [u16 BE len][message]...: the
 * responder decrypts each message in turn and adopts the new state on
 * success, checking that it saves and loads back to the same bytes. With
 * mode bit 0 set, the rest is a saved state to load; if it loads, saving
 * it must give back exactly the input. With mode bit 1 set (and bit 0
 * clear), an initiator that has just started from the same keys decrypts
 * the messages instead: its own ratchet key is fresh and random, so no
 * input can be a real reply to it, and any success is a forgery built
 * from public data (the corpus holds one for an all-zero receiving chain).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/ratchet.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fuzz_sk[RATCHET_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t fuzz_ad[RATCHET_AD_LEN] = {9, 10, 11, 12};
static const uint8_t fuzz_spk_priv[RATCHET_KEY_LEN] = {13, 14, 15, 16};

static struct ratchet fuzz_cur, fuzz_next, fuzz_back;
static uint8_t fuzz_buf[RATCHET_STATE_MAX], fuzz_buf2[RATCHET_STATE_MAX];
static uint8_t fuzz_out[65536];

/* The responder as the initiator's corpus generator expects it. */
static void
fuzz_responder(struct ratchet *st)
{
	uint8_t pub[RATCHET_KEY_LEN];

	crypto_scalarmult_base(pub, fuzz_spk_priv);
	ratchet_init_responder(st, fuzz_sk, fuzz_ad, fuzz_spk_priv, pub);
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

/* A state must save and load back to the same bytes. */
static void
fuzz_check_round_trip(const struct ratchet *st)
{
	size_t len, len2;

	if (ratchet_save(st, fuzz_buf, sizeof fuzz_buf, &len) < 0)
		abort();
	if (ratchet_load(&fuzz_back, fuzz_buf, len) < 0)
		abort();
	if (ratchet_save(&fuzz_back, fuzz_buf2, sizeof fuzz_buf2, &len2) < 0 ||
	    len != len2 || memcmp(fuzz_buf, fuzz_buf2, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *msg;
	size_t left = size, len, out_len;

	if (sodium_init() < 0)
		abort();
	if (left < 1)
		return 0;
	if (p[0] & 1) {
		if (ratchet_load(&fuzz_cur, p + 1, left - 1) < 0)
			return 0;
		if (ratchet_save(
		        &fuzz_cur, fuzz_buf, sizeof fuzz_buf, &out_len) < 0 ||
		    out_len != left - 1 ||
		    memcmp(fuzz_buf, p + 1, out_len) != 0)
			abort();
		return 0;
	}
	p++;
	left--;
	if (data[0] & 2) {
		uint8_t spk_pub[RATCHET_KEY_LEN];

		crypto_scalarmult_base(spk_pub, fuzz_spk_priv);
		if (ratchet_init_initiator(
		        &fuzz_cur, fuzz_sk, fuzz_ad, spk_pub) < 0)
			abort();
		while (fuzz_take(&p, &left, &msg, &len))
			if (ratchet_decrypt(&fuzz_cur, &fuzz_next, msg, len,
			        fuzz_out, sizeof fuzz_out, &out_len) == 0)
				abort();
		ratchet_wipe(&fuzz_cur);
		return 0;
	}
	fuzz_responder(&fuzz_cur);
	while (fuzz_take(&p, &left, &msg, &len)) {
		if (ratchet_decrypt(&fuzz_cur, &fuzz_next, msg, len, fuzz_out,
		        sizeof fuzz_out, &out_len) < 0)
			continue;
		if (out_len + RATCHET_OVERHEAD != len)
			abort();
		ratchet_copy(&fuzz_cur, &fuzz_next);
		fuzz_check_round_trip(&fuzz_cur);
	}
	ratchet_wipe(&fuzz_cur);
	return 0;
}
