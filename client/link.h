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

struct link {
	struct engine *e;
	struct addr addr;
	struct upstream *up; /* the attempt or connection, or NULL */
	uv_timer_t retry;
	struct reconnect sched;
	enum link_state state;
	uint64_t claim_req;
	unsigned pending; /* the timer and the attempt, while open */
};

/* Starts the link to a for the persona in use. 0 or an error. */
int link_start(struct link *l, struct engine *e, const struct addr *a);

/*
 * Stops for good: closes the connection and the timer, and frees l (which
 * must come from malloc) once the loop has run their closes. l must not
 * be used after this call.
 */
void link_stop(struct link *l);

/* The state's name for events: "connecting", "connected", ... */
const char *link_state_name(enum link_state s);

#endif
