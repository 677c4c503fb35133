/* SPDX-License-Identifier: ISC */
/*
 * What a message says, inside its encryption: the same layout in a room
 * (under the sender's sender key) and in a direct message (under the
 * pairwise ratchet).
 *
 *   ver (1) | type (1) | id (16) | time_s (8, BE) | expire_s (4, BE)
 *   | body length (2, BE) | body
 *
 * The id is random and names the message for the reader's duplicate
 * check and for delivery reports. expire_s is how long the sender asks
 * readers to keep it (0: as long as they like): the reader keeps it no
 * longer than the shorter of that and its own timer for the conversation.
 */
#ifndef HEARTH_CLIENT_CONTENT_H
#define HEARTH_CLIENT_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/senderkey.h"

#define CONTENT_VERSION 1
#define CONTENT_ID_LEN 16
/* Longest text of one message, in bytes of UTF-8. */
#define CONTENT_TEXT_MAX 4096
#define CONTENT_FIXED (1 + 1 + CONTENT_ID_LEN + 8 + 4 + 2)
#define CONTENT_MAX (CONTENT_FIXED + CONTENT_TEXT_MAX)
/* An urgent alert is shown for 12 hours after the relay took it, and a
 * member may send at most URGENT_MAX in URGENT_WINDOW_S: readers drop
 * more, by the relay's times, so a modified client cannot flood. */
#define URGENT_KEEP_S (12u * 3600)
#define URGENT_MAX 3
#define URGENT_WINDOW_S 3600u
/* A disappearing-message timer is at most a year. */
#define CONTENT_EXPIRE_MAX (366u * 24 * 3600)

enum content_type {
	CONTENT_TEXT = 1,      /* body: UTF-8 text, 1..CONTENT_TEXT_MAX */
	CONTENT_SENDERKEY = 2, /* body: a sender-key distribution (pairwise
	                          only) of SENDERKEY_DIST_LEN bytes */
	CONTENT_URGENT = 4,    /* an urgent room alert (/alert): body as
	                          text; readers keep it URGENT_KEEP_S */
	CONTENT_ALERT = 3,     /* a safety timer's alert (escrowed, pairwise
	                          only): time_s is the missed check-in, body
	                          the sender's note, 0..CONTENT_TEXT_MAX */
};

struct content {
	enum content_type type;
	uint8_t id[CONTENT_ID_LEN];
	uint64_t time_s;
	uint32_t expire_s;
	const uint8_t *body; /* borrowed */
	size_t len;
};

/*
 * Writes c into out (cap bytes). ERR_PROTO if c breaks a rule above,
 * ERR_UTF8 for text that is not UTF-8, ERR_TOO_BIG if out is too small.
 */
int content_encode(
    const struct content *c, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Parses untrusted in[0..len) into *c, whose body then points into in.
 * ERR_TRUNCATED, ERR_TOO_BIG (bytes after the body), ERR_VERSION,
 * ERR_PROTO (unknown type, a body of the wrong length, an expiry over the
 * limit), ERR_UTF8 (text that is not UTF-8).
 */
int content_decode(struct content *c, const uint8_t *in, size_t len);

#endif
