/* SPDX-License-Identifier: ISC */
/*
 * Message contents and the engine's store records over arbitrary bytes.
 * The first byte picks the parser (content_decode, then each *_rec_load
 * in the order of client/records.h), the rest is its input. Oracle:
 * whatever loads saves back to exactly the bytes it came from (every
 * format here has one spelling per value), and that loads and saves again
 * to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "client/content.h"
#include "client/records.h"
#include "common/pad.h"
#include "tests/fuzz/fuzz.h"

enum fuzz_records_kind {
	FUZZ_CONTENT,
	FUZZ_ROOM,
	FUZZ_MEMBER,
	FUZZ_CONTACT,
	FUZZ_OUTBOX,
	FUZZ_HISTORY,
	FUZZ_PENDING,
	FUZZ_TIMER,
	FUZZ_KINDS
};

/* Room for any record: an outbox of the largest envelope. */
#define FUZZ_RECORDS_MAX (1 + 3 + 16 + 64 + 2 + ADDR_STR_MAX + PAD_BUCKET_MAX)

static union {
	struct content content;
	struct room_rec room;
	struct member_rec member;
	struct contact_rec contact;
	struct outbox_rec outbox;
	struct history_rec history;
	struct pending_rec pending;
	struct timer_rec timer;
} fuzz_rec;

static int
fuzz_records_load(int k, const uint8_t *in, size_t len)
{
	switch (k) {
	case FUZZ_CONTENT:
		return content_decode(&fuzz_rec.content, in, len);
	case FUZZ_ROOM:
		return room_rec_load(&fuzz_rec.room, in, len);
	case FUZZ_MEMBER:
		return member_rec_load(&fuzz_rec.member, in, len);
	case FUZZ_CONTACT:
		return contact_rec_load(&fuzz_rec.contact, in, len);
	case FUZZ_OUTBOX:
		return outbox_rec_load(&fuzz_rec.outbox, in, len);
	case FUZZ_HISTORY:
		return history_rec_load(&fuzz_rec.history, in, len);
	case FUZZ_TIMER:
		return timer_rec_load(&fuzz_rec.timer, in, len);
	default:
		return pending_rec_load(&fuzz_rec.pending, in, len);
	}
}

static int
fuzz_records_save(int k, uint8_t *out, size_t cap, size_t *out_len)
{
	switch (k) {
	case FUZZ_CONTENT:
		return content_encode(&fuzz_rec.content, out, cap, out_len);
	case FUZZ_ROOM:
		return room_rec_save(&fuzz_rec.room, out, cap, out_len);
	case FUZZ_MEMBER:
		return member_rec_save(&fuzz_rec.member, out, cap, out_len);
	case FUZZ_CONTACT:
		return contact_rec_save(&fuzz_rec.contact, out, cap, out_len);
	case FUZZ_OUTBOX:
		return outbox_rec_save(&fuzz_rec.outbox, out, cap, out_len);
	case FUZZ_HISTORY:
		return history_rec_save(&fuzz_rec.history, out, cap, out_len);
	case FUZZ_TIMER:
		return timer_rec_save(&fuzz_rec.timer, out, cap, out_len);
	default:
		return pending_rec_save(&fuzz_rec.pending, out, cap, out_len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out1[FUZZ_RECORDS_MAX], out2[FUZZ_RECORDS_MAX];
	size_t n1, n2;
	int k;

	if (size == 0)
		return 0;
	k = data[0] % FUZZ_KINDS;
	data++;
	size--;
	if (fuzz_records_load(k, data, size) != 0)
		return 0;
	if (fuzz_records_save(k, out1, sizeof out1, &n1) != 0)
		abort();
	if (n1 != size || memcmp(out1, data, size) != 0)
		abort();
	/* The loaded record borrows from out1 now, not from data. */
	if (fuzz_records_load(k, out1, n1) != 0)
		abort();
	if (fuzz_records_save(k, out2, sizeof out2, &n2) != 0)
		abort();
	if (n2 != n1 || memcmp(out1, out2, n1) != 0)
		abort();
	return 0;
}
