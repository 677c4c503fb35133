/* SPDX-License-Identifier: ISC */
/*
 * The layouts of the engine's store records (client/store.h says how a
 * record is keyed and encrypted). Each starts with a version byte; a
 * loader accepts exactly what its saver writes and nothing else, because
 * a record that authenticates can still come from a newer hearth or a
 * bug. Strings are stored with their length and without a NUL.
 */
#ifndef HEARTH_CLIENT_RECORDS_H
#define HEARTH_CLIENT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/content.h"
#include "common/addr.h"
#include "common/senderkey.h"
#include "common/utf8.h"
#include "common/x3dh.h"

#define RECORDS_VERSION 1

/*
 * A room this persona is in (CSTORE_ROOM, key: persona id | room id):
 *   ver | flags | secret (32) | epoch (4) | last seq (8) | expire_s (4)
 *   | own sender key (SENDERKEY_OWN_LEN) | owner (32)
 *   | relay length (2) | relay address | name length (1) | name
 */
#define ROOM_REC_HISTORY 0x01   /* keep history (opt-in) */
#define ROOM_REC_ANNOUNCED 0x02 /* our announcement is in the room log */
#define ROOM_REC_CREATED                                                       \
	0x04 /* nothing to create: the relay has it,                           \
	        or we joined it */
#define ROOM_REC_FLAGS 0x07

struct room_rec {
	uint8_t flags;
	uint8_t secret[SENDERKEY_SECRET_LEN];
	uint32_t epoch;
	uint64_t last_seq; /* the last room log entry handled */
	uint32_t expire_s; /* disappearing messages: 0 is off */
	struct senderkey_own own;
	uint8_t owner[32];
	char relay[ADDR_STR_MAX]; /* the relay's address string */
	char name[UTF8_NAME_MAX + 1];
};

#define ROOM_REC_MAX                                                           \
	(1 + 1 + 32 + 4 + 8 + 4 + SENDERKEY_OWN_LEN + 32 + 2 + ADDR_STR_MAX +  \
	    1 + UTF8_NAME_MAX)
int room_rec_save(
    const struct room_rec *r, uint8_t *out, size_t cap, size_t *out_len);
int room_rec_load(struct room_rec *r, const uint8_t *in, size_t len);

/*
 * A member of a room, as this persona knows it (CSTORE_MEMBER, key:
 * persona id | room id | member identity key):
 *   ver | flags | sender key length (2) | sender key (senderkey_peer_save)
 * Who the member is (name, keys) is in its contact record.
 */
#define MEMBER_REC_ANNOUNCED 0x01 /* its announcement was read here */
#define MEMBER_REC_SENT 0x02      /* our sender key went to it */
#define MEMBER_REC_FLAGS 0x03

struct member_rec {
	uint8_t flags;
	bool has_sk;
	struct senderkey_peer sk;
};

#define MEMBER_REC_MAX (1 + 1 + 2 + SENDERKEY_PEER_MAX)
int member_rec_save(
    const struct member_rec *m, uint8_t *out, size_t cap, size_t *out_len);
int member_rec_load(struct member_rec *m, const uint8_t *in, size_t len);

/*
 * Someone this persona can write to (CSTORE_CONTACT, key: persona id |
 * identity key), from the newest announcement read of theirs:
 *   ver | flags | time_s (8) | expire_s (4) | mailbox key (32)
 *   | bundle (X3DH_BUNDLE_LEN) | relay length (2) | relay
 *   | name length (1) | name
 */
#define CONTACT_REC_VERIFIED 0x01
#define CONTACT_REC_HISTORY 0x02
#define CONTACT_REC_FLAGS 0x03

struct contact_rec {
	uint8_t flags;
	uint64_t time_s; /* of the announcement */
	uint32_t expire_s;
	uint8_t mbox_pk[32];
	uint8_t bundle[X3DH_BUNDLE_LEN];
	char relay[ADDR_STR_MAX]; /* where its mailbox was announced */
	char name[UTF8_NAME_MAX + 1];
};

#define CONTACT_REC_MAX                                                        \
	(1 + 1 + 8 + 4 + 32 + X3DH_BUNDLE_LEN + 2 + ADDR_STR_MAX + 1 +         \
	    UTF8_NAME_MAX)
int contact_rec_save(
    const struct contact_rec *c, uint8_t *out, size_t cap, size_t *out_len);
int contact_rec_load(struct contact_rec *c, const uint8_t *in, size_t len);

/*
 * An envelope waiting for a relay's ok (CSTORE_OUTBOX log, scope: persona
 * id). It holds the finished envelope, never the plain text, so sending
 * it again cannot encrypt twice under one key:
 *   ver | op | message id (16) | target (32) | about (32)
 *   | relay length (2) | relay | envelope
 */
enum outbox_op {
	OUTBOX_ROOM_PUB = 1, /* target: room id; about: room id */
	OUTBOX_MBOX_PUT = 2, /* target: mailbox id; about: peer identity */
	OUTBOX_ANNOUNCE = 3, /* room_pub of our announcement */
	/*
	 * A message for a peer with no session yet, waiting for its prekey
	 * bundle (prekey_get): target is its mailbox id, about its identity,
	 * and env the message content, not yet encrypted (the store
	 * encrypts it at rest). Becomes an OUTBOX_MBOX_PUT once the session
	 * starts.
	 */
	OUTBOX_WAIT = 4,
	/*
	 * The safety timer's relay requests (client/engine-timer.c); target
	 * is the mailbox id for a put, about the cancel hash, and env:
	 *   put:    release_s (8) | sealed alert envelope
	 *   cancel: token (32)
	 *   extend: token (32) | release_s (8)
	 */
	OUTBOX_ESCROW_PUT = 5,
	OUTBOX_ESCROW_CANCEL = 6,
	OUTBOX_ESCROW_EXTEND = 7,
};

struct outbox_rec {
	enum outbox_op op;
	bool report; /* tell the person when it is delivered */
	uint8_t msgid[CONTENT_ID_LEN];
	uint8_t target[32];
	uint8_t about[32];
	char relay[ADDR_STR_MAX];
	const uint8_t *env; /* borrowed */
	size_t env_len;
};

int outbox_rec_save(
    const struct outbox_rec *o, uint8_t *out, size_t cap, size_t *out_len);
/* o->env then points into in. */
int outbox_rec_load(struct outbox_rec *o, const uint8_t *in, size_t len);

/*
 * The running safety timer of a persona (CSTORE_SETTING, key: "timer" |
 * persona id): one escrow per recipient, each cancelled by its token.
 *   ver | deadline (8) | n (1) | n * (token (32) | peer identity (32)
 *   | relay length (2) | relay)
 */
#define TIMER_REC_MAX_PEERS 8

struct timer_rec {
	uint64_t deadline_s;
	size_t npeers;

	struct timer_peer {
		uint8_t token[32];
		uint8_t peer[32];
		char relay[ADDR_STR_MAX];
	} peers[TIMER_REC_MAX_PEERS];
};

#define TIMER_REC_MAX                                                          \
	(1 + 8 + 1 + TIMER_REC_MAX_PEERS * (32 + 32 + 2 + ADDR_STR_MAX))
int timer_rec_save(
    const struct timer_rec *t, uint8_t *out, size_t cap, size_t *out_len);
int timer_rec_load(struct timer_rec *t, const uint8_t *in, size_t len);

/*
 * A message kept in history (CSTORE_HISTORY log, scope: persona id |
 * 'r' or 'd' | room id or peer identity):
 *   ver | mine (1) | sender identity (32) | content (content_encode)
 */
struct history_rec {
	bool mine;
	uint8_t sender[32];
	struct content c; /* body borrowed from the record */
};

int history_rec_save(
    const struct history_rec *h, uint8_t *out, size_t cap, size_t *out_len);
int history_rec_load(struct history_rec *h, const uint8_t *in, size_t len);

/*
 * A room message that arrived before its sender's key (CSTORE_PENDING
 * log, scope: persona id | room id): seq (8) | time_s (8) | envelope.
 */
struct pending_rec {
	uint64_t seq;
	uint64_t time_s;
	const uint8_t *env; /* borrowed */
	size_t env_len;
};

int pending_rec_save(
    const struct pending_rec *p, uint8_t *out, size_t cap, size_t *out_len);
int pending_rec_load(struct pending_rec *p, const uint8_t *in, size_t len);

#endif
