/* SPDX-License-Identifier: ISC */
/*
 * The Noise NK handshake and transport decryption over hostile bytes.
 * Every key and ephemeral is fixed, so the whole exchange is deterministic
 * and a seed can carry a valid handshake followed by valid and broken
 * transport messages.
 *
 * Input: [mode][u16 BE len][handshake message][u16 BE len][transport]...
 * mode bit 0 clear: a responder reads message 1, writes message 2.
 * mode bit 0 set:   an initiator writes message 1, reads message 2.
 * Then the side decrypts each transport message with its receive key,
 * stopping at the first failure as a connection would.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/noise.h"
#include "common/proto.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fuzz_resp_s[NOISE_DH_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t fuzz_resp_e[NOISE_DH_LEN] = {9, 10, 11, 12};
static const uint8_t fuzz_init_e[NOISE_DH_LEN] = {13, 14, 15, 16};

/* Takes a u16-length-prefixed chunk off the front of the input. */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[NOISE_MSG_MAX];
	struct noise_hs hs;
	struct noise_cipher tx, rx;
	uint8_t pub[NOISE_DH_LEN];
	const uint8_t *p = data, *msg;
	size_t left = size, len, out_len;
	bool initiator;

	if (sodium_init() < 0)
		abort();
	if (left < 1)
		return 0;
	initiator = p[0] & 1;
	p++;
	left--;
	if (!fuzz_take(&p, &left, &msg, &len))
		return 0;

	if (initiator) {
		noise_pubkey(pub, fuzz_resp_s);
		noise_hs_init_initiator(&hs, (const uint8_t *)PROTO_PROLOGUE,
		    PROTO_PROLOGUE_LEN, pub);
		noise_hs_fix_ephemeral(&hs, fuzz_init_e);
		if (noise_hs_write(&hs, NULL, 0, out, sizeof out, &out_len) < 0)
			abort();
		if (noise_hs_read(&hs, msg, len, out, sizeof out, &out_len) < 0)
			return 0;
	} else {
		noise_hs_init_responder(&hs, (const uint8_t *)PROTO_PROLOGUE,
		    PROTO_PROLOGUE_LEN, fuzz_resp_s);
		noise_hs_fix_ephemeral(&hs, fuzz_resp_e);
		if (noise_hs_read(&hs, msg, len, out, sizeof out, &out_len) < 0)
			return 0;
		if (out_len > len)
			abort();
		if (noise_hs_write(&hs, NULL, 0, out, sizeof out, &out_len) < 0)
			abort();
	}
	if (!noise_hs_done(&hs) || noise_hs_split(&hs, &tx, &rx, NULL) < 0)
		abort();

	while (fuzz_take(&p, &left, &msg, &len)) {
		/* Decrypting into a copy keeps the input untouched. */
		memcpy(out, msg, len);
		if (noise_cipher_decrypt(&rx, NULL, 0, out, len, out) < 0)
			break;
	}
	noise_cipher_wipe(&tx);
	noise_cipher_wipe(&rx);
	return 0;
}
