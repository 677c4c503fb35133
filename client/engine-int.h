/* SPDX-License-Identifier: ISC */
/*
 * What the engine's files share and nothing else needs: the loaded rooms,
 * the store keys, and the handlers the relay link calls. The engine's
 * rules (docs/engine.md): persist before send, persist before show, ack
 * after persist; an outbox entry holds a finished envelope, so sending it
 * again never encrypts twice.
 */
#ifndef HEARTH_CLIENT_ENGINE_INT_H
#define HEARTH_CLIENT_ENGINE_INT_H

#include "client/content.h"
#include "client/engine.h"
#include "client/link.h"
#include "client/records.h"
#include "common/wire.h"

#define ENGINE_PID_LEN 16
/* name#FINGERPRINT and its NUL. */
#define ENGINE_ID_MAX (UTF8_NAME_MAX + 1 + IDENT_FP_CHARS + 1)
/* Room envelopes kept while their sender's key is on its way. */
#define ENGINE_PENDING_MAX 256

/* Urgent alerts seen per room and sender, for the readers' limit. */
#define ENGINE_URGENT_PEERS 256

struct engine_urgent {
	uint8_t room[32];
	uint8_t sender[32];
	uint64_t times[URGENT_MAX]; /* relay times of the last alerts */
	size_t next;
};

/* A room of the persona in use, as loaded; its record has the rest. */
struct engine_room {
	uint8_t id[32];
	char relay[ADDR_STR_MAX];
	char name[UTF8_NAME_MAX + 1];
	bool created;     /* the relay has it (or we did not make it) */
	bool subscribed;  /* room_sub sent on the current connection */
	bool sub_pending; /* room_sub sent, its answer not yet here */
	bool stalled;     /* catch-up stopped; the tick subscribes again */
	bool refused;     /* the relay refused the subscription (said once) */
	bool catching;    /* paging through the log after subscribing */
	uint64_t latest;  /* the log's last number when we subscribed */
};

/* engine.c */
/* out = persona id | a | b; returns the length. */
size_t engine_key(const struct engine *e, uint8_t *out, const void *a,
    size_t alen, const void *b, size_t blen);
void engine_hex(char *out, const uint8_t *in, size_t n);
/* name#FP of ik into out (name "someone" if NULL). */
void engine_display(
    char out[ENGINE_ID_MAX], const char *name, const uint8_t ik[32]);
/* Writes a batch: begin already done; commit or roll back. 0 or error. */
int engine_commit(struct engine *e, int rc);

/* engine-net.c */
void engine_links_sync(struct engine *e);
/* Stops every link (they free themselves once closed). */
void engine_links_drop(struct engine *e);
/*
 * The engine's periodic retry: rooms to subscribe again, outbox entries
 * a relay refused for a while, held room messages to open.
 */
void engine_tick_start(struct engine *e);
void engine_tick_stop(struct engine *e);
struct link *engine_link_for(struct engine *e, const char *relay);
/* Called by client/link.c. */
void engine_link_ready(struct engine *e, struct link *l);
void engine_link_reply(struct engine *e, struct link *l,
    const struct link_req *r, const struct wire_msg *m);
void engine_link_push(
    struct engine *e, struct link *l, const struct wire_msg *m);
void engine_link_down(struct engine *e, struct link *l);
/*
 * Appends to the outbox (inside the caller's batch). An entry whose
 * message disappears (expires_s, 0: never) is deleted unsent when due:
 * a message must not outlive its timer in the outbox either (review).
 */
int engine_outbox_add(
    struct engine *e, const struct outbox_rec *o, uint64_t expires_s);
/* Sends what waits for l's relay (every ready link if l is NULL). */
void engine_outbox_flush(struct engine *e, struct link *l);

/* engine-room.c */
void engine_rooms_load(struct engine *e);
void engine_rooms_drop(struct engine *e);
struct engine_room *engine_room_by_name(struct engine *e, const char *name);
struct engine_room *engine_room_by_id(struct engine *e, const uint8_t id[32]);
void engine_room_on_ready(struct engine *e, struct link *l);
void engine_room_on_reply(struct engine *e, struct link *l,
    const struct link_req *r, const struct wire_msg *m);
void engine_room_on_msg(
    struct engine *e, struct link *l, const struct wire_msg *m);
/* Subscribes again the rooms on l that are not, or stalled. */
void engine_room_on_tick(struct engine *e, struct link *l);
/* Marks every room as needing our announcement again (inside a batch),
 * and posts it in those that are connected and caught up. */
int engine_rooms_unannounce(struct engine *e);
void engine_rooms_announce(struct engine *e);
void engine_room_on_down(struct engine *e, struct link *l);
/* Outbox entry o reached the relay (inside the caller's batch). */
int engine_room_on_sent(struct engine *e, const struct outbox_rec *o);
/* A sender-key distribution from sender arrived (inside a batch). */
int engine_room_on_dist(struct engine *e, const uint8_t sender[32],
    const uint8_t *body, size_t len);
/* Replays pending room envelopes that a new key may open (no batch). */
void engine_room_replay(struct engine *e);
int engine_room_load(
    struct engine *e, const uint8_t id[32], struct room_rec *rm);
int engine_room_store(
    struct engine *e, const uint8_t id[32], const struct room_rec *rm);

/* Emits a MESSAGE event (room or peer set, the other NULL). */
void engine_message_event(struct engine *e, const char *room, const char *peer,
    const uint8_t sender[32], const struct content *c, uint64_t expires,
    bool mine, bool stored);

/* Posts a room message of type (text or urgent) from command cmd. */
void engine_room_post(struct engine *e, const char *cmd, const char *name,
    enum content_type type, const char *text);

/* engine-dm.c */
int engine_contact_load(
    struct engine *e, const uint8_t ik[32], struct contact_rec *c);
int engine_contact_store(
    struct engine *e, const uint8_t ik[32], const struct contact_rec *c);
/* Finds the contact shown as who (name#FP). 0 or ERR_NOTFOUND. */
int engine_contact_find(
    struct engine *e, const char *who, uint8_t ik[32], struct contact_rec *c);
/* Encrypts c for peer and queues it (inside the caller's batch). */
int engine_dm_queue(struct engine *e, const uint8_t peer[32],
    const struct content *c, bool report);
void engine_dm_on_ready(struct engine *e, struct link *l);
/* Fetches the mailbox again on l if a fetch was refused. */
void engine_dm_on_tick(struct engine *e, struct link *l);
/* Whether a session with peer exists; sends what waits for it if so. */
bool engine_dm_has_session(struct engine *e, const uint8_t peer[32]);
void engine_dm_send_waiting(struct engine *e, const uint8_t peer[32]);
/* Asks l for the prekey bundle of the peer whose mailbox id is mbox. */
void engine_dm_request_bundle(struct engine *e, struct link *l,
    const uint8_t mbox[32], const uint8_t peer[32]);
void engine_dm_on_reply(struct engine *e, struct link *l,
    const struct link_req *r, const struct wire_msg *m);
void engine_dm_on_msg(
    struct engine *e, struct link *l, const struct wire_msg *m);
/* This persona's mailbox public key. */
void engine_mbox_pub(struct engine *e, uint8_t pub[32]);
/* Replaces the signed prekey if a week has passed (client/engine-dm.c). */
void engine_prekeys_rotate_due(struct engine *e);
/* The bundle this persona announces (makes its prekeys on first use). */
int engine_bundle(struct engine *e, struct x3dh_bundle *b);

/* engine-timer.c */
/* The first byte of a sealed escrowed alert (a pairwise frame's is its
 * version, 1). */
#define ENGINE_ALERT_FRAME 0xa1
void engine_timer_start(struct engine *e);
void engine_timer_stop(struct engine *e);
/* The relay answered an escrow request from the outbox. */
void engine_timer_answer(struct engine *e, const struct outbox_rec *o, bool ok);
/* An alert came (inside a batch): *show says to call engine_alert_event
 * after the commit. */
int engine_alert_open(struct engine *e, const uint8_t sender[32],
    const uint8_t *in, size_t len, struct content *c, bool *show);
void engine_alert_event(
    struct engine *e, const uint8_t sender[32], const struct content *c);

/* engine-history.c */
/* Keeps c in scope's history if kept there (inside the caller's batch):
 * tag 'r' and a room id, or 'd' and a peer identity. */
int engine_history_add(struct engine *e, char tag, const uint8_t id[32],
    bool mine, const uint8_t sender[32], const struct content *c,
    uint32_t local_expire_s, uint64_t *expires_s);
void engine_expiry_start(struct engine *e);
/* A cstore_log_each callback that deletes each history entry (arg: the
 * engine), for turning history off and for leaving a room. */
int engine_history_del(void *arg, uint64_t id, uint64_t t, uint64_t x,
    const uint8_t *val, size_t vlen);
void engine_expiry_stop(struct engine *e);
/* Message ids already shown (inside the caller's batch): true if seen,
 * else remembers it. */
int engine_seen(struct engine *e, char tag, const uint8_t conv[32],
    const uint8_t sender[32], const uint8_t id[CONTENT_ID_LEN], bool *seen);
/*
 * Forgets ids seen longer ago than a resend can come: a mailbox keeps an
 * envelope for at most its relay's TTL (30 days by default), and a room
 * log entry read once is never read again (the room's last number).
 */
#define ENGINE_SEEN_KEEP_S (60u * 24 * 3600)
void engine_seen_prune(struct engine *e);

#endif
