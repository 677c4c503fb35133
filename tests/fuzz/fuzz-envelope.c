/* SPDX-License-Identifier: ISC */
/*
 * The parsers of envelopes that come from the relay: sealed-sender
 * envelopes (mode bit 0 clear) and room messages (mode bit 0 set), opened
 * with fixed keys so a corpus of valid envelopes stays valid.
 *
 * Input: [mode][envelope]. A room message is decrypted by a fixed peer
 * state; an envelope that opens must yield content no longer than itself.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/pad.h"
#include "common/sealed.h"
#include "common/senderkey.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fuzz_mailbox_seed[32] = {21, 22, 23, 24};
static const uint8_t fuzz_room_secret[32] = {31, 32, 33, 34};
static const uint8_t fuzz_sign_seed[32] = {41, 42, 43, 44};
static const uint8_t fuzz_chain[32] = {51, 52, 53, 54};

static uint8_t fuzz_out[PAD_BUCKET_MAX];

/* The fixed recipient, room and room member. */
static void
fuzz_keys(uint8_t pub[static 32], uint8_t priv[static 32],
    struct senderkey_room *room, struct senderkey_own *own)
{
	uint8_t pk[32];

	crypto_box_seed_keypair(pub, priv, fuzz_mailbox_seed);
	senderkey_room_derive(room, fuzz_room_secret);
	own->epoch = 1;
	own->n = 0;
	memcpy(own->ck, fuzz_chain, 32);
	crypto_sign_seed_keypair(pk, own->sign_sk, fuzz_sign_seed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct senderkey_peer peer, next;
	struct senderkey_room room;
	struct senderkey_own own;
	struct senderkey_hdr h;
	uint8_t pub[32], priv[32], sender[32], dist[SENDERKEY_DIST_LEN];
	size_t out_len;

	if (sodium_init() < 0)
		abort();
	if (size < 1)
		return 0;
	fuzz_keys(pub, priv, &room, &own);
	if ((data[0] & 1) == 0) {
		if (sealed_open(pub, priv, data + 1, size - 1, sender, fuzz_out,
		        sizeof fuzz_out, &out_len) == 0 &&
		    out_len + SEALED_OVERHEAD > size - 1)
			abort();
		return 0;
	}
	{
		static const uint8_t id_seed[32] = {42};
		struct ident me;

		ident_from_seed(&me, id_seed);
		senderkey_dist_encode(&own, &room, &me, dist);
		if (senderkey_dist_decode(
		        &peer, &room, me.pk, dist, sizeof dist) < 0)
			abort();
		ident_wipe(&me);
	}
	(void)senderkey_peek(&room, data + 1, size - 1, &h);
	if (senderkey_decrypt(&peer, &next, &room, data + 1, size - 1, fuzz_out,
	        sizeof fuzz_out, &out_len) == 0 &&
	    out_len + SENDERKEY_OVERHEAD > size - 1)
		abort();
	return 0;
}
