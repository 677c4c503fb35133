/* SPDX-License-Identifier: ISC */
/*
 * The engine's link to the relay of the persona in use: connect (through
 * the proxy if one is set), claim the persona's mailbox with a proof made
 * by its mailbox key, and come back after a drop on the reconnect
 * schedule (client/reconnect.h). A link only exists for a persona that
 * has a relay: hearth makes no connection nobody asked for.
 */
#ifndef HEARTH_CLIENT_LINK_H
#define HEARTH_CLIENT_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "client/reconnect.h"
#include "client/upstream.h"
#include "common/addr.h"

struct engine;

enum link_state {
	LINK_CONNECTING, /* an attempt is under way */
	LINK_CONNECTED,  /* welcomed; the mailbox claim is on its way */
	LINK_READY,      /* the mailbox is claimed */
	LINK_WAITING,    /* down; the next attempt is on the timer */
	LINK_IDLE,       /* cannot work as set (e.g. .onion without a
	                    proxy); no attempt until it is set again */
	LINK_STOPPED,    /* closing or closed for good */
};

/* What a request in flight was for, so its answer finds its purpose. */
enum link_req_kind {
	LINK_REQ_SUB = 1,    /* room_sub: id is the room */
	LINK_REQ_FETCH,      /* room_fetch: id is the room */
	LINK_REQ_OUTBOX,     /* room_pub or mbox_put: arg is the outbox id */
	LINK_REQ_MBOX_FETCH, /* mbox_fetch */
	LINK_REQ_ACK,        /* mbox_ack */
	LINK_REQ_PREKEY_PUB, /* prekey_pub */
	LINK_REQ_CREATE,     /* room_create: id is the room */
	LINK_REQ_UNSUB,      /* room_unsub */
	LINK_REQ_PREKEY_GET, /* prekey_get: id is the peer's identity */
};

struct link_req {
	uint64_t req;
	enum link_req_kind kind;
	uint64_t arg;
	uint8_t id[32];
};

struct link {
	struct engine *e;
	char address[ADDR_STR_MAX]; /* as stored: what the link is found by */
	struct addr addr;
	struct upstream *up; /* the attempt or connection, or NULL */
	uv_timer_t retry;
	struct reconnect sched;
	enum link_state state;
	uint64_t claim_req;
	unsigned pending;      /* the timer and the attempt, while open */
	struct link_req *reqs; /* requests in flight on this connection */
	size_t nreqs, capreqs;
	bool used;         /* a mark for the engine's sweep of unused links */
	bool mbox_stalled; /* a mailbox fetch was refused: the tick retries */
};

/*
 * Starts the link to the relay at address (already checked with
 * addr_parse) for the persona in use. 0 or an error.
 */
int link_start(struct link *l, struct engine *e, const char *address);

/*
 * Sends the request m (its number already set) on the link if it is
 * ready, remembering what it was for. 0, or UV_ENOTCONN if the link is not
 * ready (nothing is sent), or the send's error (the link is then closing).
 */
int link_request(struct link *l, const struct wire_msg *m,
    enum link_req_kind kind, uint64_t arg, const uint8_t id[32]);

/* True if a request of kind with arg (and id, if not NULL) is in flight. */
bool link_in_flight(const struct link *l, enum link_req_kind kind, uint64_t arg,
    const uint8_t *id);

/*
 * Stops for good: closes the connection and the timer, and frees l (which
 * must come from malloc) once the loop has run their closes. l must not
 * be used after this call.
 */
void link_stop(struct link *l);

/* The state's name for events: "connecting", "connected", ... */
const char *link_state_name(enum link_state s);

#endif
