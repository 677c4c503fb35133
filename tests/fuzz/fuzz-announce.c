/* SPDX-License-Identifier: ISC */
/*
 * Announcement parsing, with fixed room keys so a corpus of valid inputs
 * stays valid. The AEAD tag and the signatures cannot be forged by a
 * fuzzer, so the input can also be a plain text, which the target seals
 * itself to reach the parser behind the tag.
 *
 * Input: [mode][bytes]. Mode bit 0 clear: bytes are an envelope for
 * announce_open. Set: bytes are a plain text, padded to fill the envelope
 * and sealed under the fixed announce key, then opened. Whatever opens
 * must hold a valid name and a bundle of the announcer; an announcement
 * by the fixed member must seal and open again to the same fields.
 *
 * The corpus is written by the unit test (keep the keys in step):
 *   HEARTH_FUZZ_CORPUS_WRITE=tests/fuzz/corpus/announce \
 *       build/tests/unit/test-announce
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/announce.h"
#include "common/senderkey.h"
#include "tests/fuzz/fuzz.h"

/* The same as tests/unit/test-announce.c. */
static const uint8_t fuzz_secret[32] = {61, 62, 63, 64};
static const uint8_t fuzz_member[32] = {71, 72, 73, 74};

#define FUZZ_PADDED (ANNOUNCE_LEN - ANNOUNCE_OVERHEAD)

static void
fuzz_seal_plain(const uint8_t key[static 32], const uint8_t room_id[static 32],
    const uint8_t *pt, size_t len, uint8_t env[static ANNOUNCE_LEN])
{
	static const char label[] = "hearth announce v1";
	uint8_t buf[FUZZ_PADDED], ad[sizeof label - 1 + 32];
	unsigned long long clen;

	memcpy(buf, pt, len);
	buf[len] = 0x80;
	memset(buf + len + 1, 0, FUZZ_PADDED - len - 1);
	memcpy(ad, label, sizeof label - 1);
	memcpy(ad + sizeof label - 1, room_id, 32);
	env[0] = ANNOUNCE_VERSION;
	memset(env + 1, 7, ANNOUNCE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(env + 1 + ANNOUNCE_NONCE_LEN,
	    &clen, buf, FUZZ_PADDED, ad, sizeof ad, NULL, env + 1, key);
}

/* The properties every opened announcement has. */
static void
fuzz_check(const uint8_t key[static 32], const uint8_t room_id[static 32],
    const struct announce *a)
{
	uint8_t env[ANNOUNCE_LEN];
	struct announce again;
	struct ident me;
	size_t len;

	if (!utf8_name_ok((const uint8_t *)a->name, strlen(a->name)) ||
	    memcmp(a->bundle.ik, a->ik, 32) != 0)
		abort();
	ident_from_seed(&me, fuzz_member);
	if (memcmp(a->ik, me.pk, 32) == 0) {
		if (announce_seal(
		        &me, key, room_id, a, env, sizeof env, &len) != 0 ||
		    announce_open(key, room_id, env, len, &again) != 0 ||
		    memcmp(a, &again, sizeof again) != 0)
			abort();
	}
	ident_wipe(&me);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct senderkey_room room;
	struct announce a;
	uint8_t key[32], env[ANNOUNCE_LEN];
	int rc;

	if (sodium_init() < 0)
		abort();
	if (size < 1)
		return 0;
	senderkey_room_derive(&room, fuzz_secret);
	announce_key(key, fuzz_secret);
	if ((data[0] & 1) == 0) {
		rc = announce_open(key, room.id, data + 1, size - 1, &a);
	} else {
		if (size - 1 >= FUZZ_PADDED)
			return 0;
		fuzz_seal_plain(key, room.id, data + 1, size - 1, env);
		rc = announce_open(key, room.id, env, sizeof env, &a);
	}
	if (rc == 0)
		fuzz_check(key, room.id, &a);
	senderkey_room_wipe(&room);
	return 0;
}
