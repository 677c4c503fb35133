/* SPDX-License-Identifier: ISC */
/*
 * Room invites: one line a member copies to someone who may join.
 *
 *   hearth-invite: base64url-unpadded(ver | relay key | port | host len |
 *                                     host | room secret | owner key)
 *
 * The relay key (X25519, 32 bytes) is what the client pins; the host (as in
 * common/addr.h, an IPv6 address without brackets) and port (big-endian,
 * 1..65535) say where to find it. The room secret derives everything about
 * the room (common/senderkey.h); the owner key is the owner's Ed25519
 * identity, which anchors the room's authority.
 *
 * An invite is a secret: whoever has it can find the relay, join the room,
 * read its log and member list, and post, until the next epoch.
 */
#ifndef HEARTH_INVITE_H
#define HEARTH_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define INVITE_PREFIX "hearth-invite:"
#define INVITE_VERSION 1
#define INVITE_SECRET_LEN 32
#define INVITE_OWNER_LEN 32
/* Every field but the host: ver, relay key, port, host length, room
 * secret, owner key. */
#define INVITE_FIXED_LEN (1 + ADDR_KEY_LEN + 2 + 1 + 32 + 32)
#define INVITE_BIN_MAX (INVITE_FIXED_LEN + ADDR_HOST_MAX)
/* Longest invite string, with its NUL: unpadded base64 of n bytes is
 * 4n/3 characters rounded up. */
#define INVITE_STR_MAX                                                         \
	(sizeof INVITE_PREFIX - 1 + (INVITE_BIN_MAX * 4 + 2) / 3 + 1)

struct invite {
	struct addr relay; /* key, host, port (never 0) */
	uint8_t secret[INVITE_SECRET_LEN];
	uint8_t owner[INVITE_OWNER_LEN];
};

/*
 * Writes the invite string for in, with a NUL, into out (cap bytes;
 * INVITE_STR_MAX always suffices). The string carries the room secret:
 * the caller wipes out when done with it. ERR_INVITE if in could not be
 * decoded again (port 0, a host addr_host_ok refuses, an owner key that is
 * not a valid Ed25519 point), ERR_TOO_BIG if cap is too small; out is then
 * the empty string (if cap > 0).
 */
int invite_encode(const struct invite *in, char *out, size_t cap);

/*
 * Parses the untrusted invite string s[0..len) into *out (cleared first;
 * wiped on failure). Leading and trailing ASCII blanks (space, tab, CR,
 * LF) are ignored, because pasting adds them; anything else must be exact:
 * the prefix in lower case, canonical unpadded base64url with nothing
 * inside it, and exactly as many bytes as the host length says. Returns 0,
 * ERR_VERSION for an invite of another format version, or ERR_INVITE.
 * The decoded invite encodes back to the trimmed input.
 */
int invite_decode(const char *s, size_t len, struct invite *out);

/* Wipes in (the room secret above all). */
void invite_wipe(struct invite *in);

#endif
