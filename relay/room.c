/* SPDX-License-Identifier: ISC */
/*
 * Rooms in memory and their subscribers. A subscription is recorded twice,
 * in the room's array and in the connection's, and both are removed
 * together; arrays are small (a connection has at most max_subs) or
 * scanned rarely (a room's, on unsubscribe).
 */
#include "relay/room.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/stream.h"
#include "common/xmalloc.h"
#include "relay/conn.h"
#include "relay/relay.h"
#include "relay/store.h"

int
room_get(struct relay *r, const uint8_t id[static PROTO_ID_LEN],
    struct relay_room **out)
{
	struct relay_store_room sr;
	struct relay_room *room;
	int rc;

	*out = idmap_get(&r->rooms, id);
	if (*out != NULL)
		return 0;
	rc = relay_store_room_get(r->store, id, &sr);
	if (rc != 0)
		return rc;
	room = xcalloc(1, sizeof *room);
	memcpy(room->id, id, PROTO_ID_LEN);
	memcpy(room->access_pub, sr.access_pub, PROTO_KEY_LEN);
	room->next_seq = sr.next_seq;
	idmap_put(&r->rooms, id, room);
	*out = room;
	return 0;
}

bool
room_has(const struct relay_room *room, const struct relay_conn *c)
{
	for (unsigned i = 0; i < c->nsubs; i++)
		if (c->subs[i] == room)
			return true;
	return false;
}

void
room_release_unused(struct relay *r, struct relay_room *room)
{
	if (room->nsubs > 0)
		return;
	idmap_del(&r->rooms, room->id);
	free(room->subs);
	free(room);
}

int
room_subscribe(struct relay *r, struct relay_room *room, struct relay_conn *c)
{
	if (room_has(room, c))
		return 0;
	if (c->nsubs >= r->cfg.max_subs)
		return ERR_QUOTA;
	if (c->subs == NULL)
		c->subs = xcalloc(r->cfg.max_subs, sizeof *c->subs);
	if (room->nsubs == room->cap) {
		room->cap = room->cap == 0 ? 8 : room->cap * 2;
		room->subs =
		    xreallocarray(room->subs, room->cap, sizeof *room->subs);
	}
	room->subs[room->nsubs++] = c;
	c->subs[c->nsubs++] = room;
	return 0;
}

void
room_unsubscribe(struct relay *r, struct relay_room *room, struct relay_conn *c)
{
	for (unsigned i = 0; i < c->nsubs; i++) {
		if (c->subs[i] == room) {
			c->subs[i] = c->subs[--c->nsubs];
			break;
		}
	}
	for (size_t i = 0; i < room->nsubs; i++) {
		if (room->subs[i] == c) {
			/* Order among subscribers does not matter. */
			room->subs[i] = room->subs[--room->nsubs];
			break;
		}
	}
	room_release_unused(r, room);
}

void
room_drop_conn(struct relay *r, struct relay_conn *c)
{
	while (c->nsubs > 0)
		room_unsubscribe(r, c->subs[c->nsubs - 1], c);
	free(c->subs);
	c->subs = NULL;
}

size_t
room_fanout(
    struct relay_room *room, uint64_t skip_id, const uint8_t *msg, size_t len)
{
	size_t n = 0;

	/*
	 * stream_send_raw() may fail a slow reader, but its close (and so its
	 * unsubscribe) only happens on a later loop turn, so the array does
	 * not change under this loop.
	 */
	for (size_t i = 0; i < room->nsubs; i++) {
		if (room->subs[i]->st.id == skip_id)
			continue;
		if (stream_send_raw(&room->subs[i]->st, msg, len) == 0)
			n++;
	}
	return n;
}

void
room_end_others(struct relay *r, struct relay_room *room,
    struct relay_conn *keep, unsigned code)
{
	struct wire_msg m;
	struct relay_conn *c;
	size_t i = 0;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_ENDED;
	m.u.ended.room.p = room->id;
	m.u.ended.room.len = PROTO_ID_LEN;
	m.u.ended.code = code;
	/* keep stays subscribed, so the room is never freed here. */
	while (i < room->nsubs) {
		c = room->subs[i];
		if (c == keep) {
			i++;
			continue;
		}
		relay_conn_send(c, &m);
		room_unsubscribe(r, room, c);
	}
}

void
room_release_all(struct relay *r)
{
	for (struct relay_conn *c = r->conns; c != NULL; c = c->next)
		room_drop_conn(r, c);
}
