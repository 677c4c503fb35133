/* SPDX-License-Identifier: ISC */
/*
 * Rooms in memory: the registration of every room that has a subscriber,
 * its subscribers, and fan-out. The store holds the truth; a room is loaded
 * on its first subscription and forgotten when its last subscriber leaves.
 */
#ifndef HEARTH_RELAY_ROOM_H
#define HEARTH_RELAY_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

struct relay;
struct relay_conn;

struct relay_room {
	uint8_t id[PROTO_ID_LEN];
	uint8_t access_pub[PROTO_KEY_LEN];
	uint64_t next_seq; /* the sequence number the next envelope gets */
	struct relay_conn **subs;
	size_t nsubs, cap;
};

/*
 * Finds the room in memory or loads it from the store into *out (borrowed:
 * valid while it has subscribers, or until the next room_* call).
 * Returns 0, ERR_NOTFOUND or ERR_STORE.
 */
int room_get(struct relay *r, const uint8_t id[static PROTO_ID_LEN],
    struct relay_room **out);

/* Frees room if it has no subscribers (after a failed room_get use). */
void room_release_unused(struct relay *r, struct relay_room *room);

/* True if c is subscribed to room. */
bool room_has(const struct relay_room *room, const struct relay_conn *c);

/*
 * Subscribes c to room. Returns 0 (also if it already was) or ERR_QUOTA
 * when c holds max_subs subscriptions.
 */
int room_subscribe(
    struct relay *r, struct relay_room *room, struct relay_conn *c);

/* Unsubscribes c; frees room if it was the last subscriber. */
void room_unsubscribe(
    struct relay *r, struct relay_room *room, struct relay_conn *c);

/* Unsubscribes c from every room (c is closing). */
void room_drop_conn(struct relay *r, struct relay_conn *c);

/*
 * Sends the encoded message msg[0..len) to every subscriber but the one
 * whose stream id is skip_id (0: none). Returns the number of deliveries.
 */
size_t room_fanout(
    struct relay_room *room, uint64_t skip_id, const uint8_t *msg, size_t len);

/*
 * Ends every subscription but keep's with ROOM_ENDED(code), e.g. after the
 * access key changed, so each member must prove access again.
 */
void room_end_others(struct relay *r, struct relay_room *room,
    struct relay_conn *keep, unsigned code);

/* Forgets every room in memory (at shutdown). */
void room_release_all(struct relay *r);

#endif
