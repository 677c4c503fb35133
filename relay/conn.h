/* SPDX-License-Identifier: ISC */
/*
 * One client connection on the relay: its stream and its protocol state.
 * Messages are dispatched through one table that lists, for each type, the
 * states it is allowed in (after openssh's monitor table).
 */
#ifndef HEARTH_RELAY_CONN_H
#define HEARTH_RELAY_CONN_H

#include <stdbool.h>

#include "common/stream.h"

struct relay;

enum relay_conn_state {
	RELAY_CONN_HANDSHAKE = 1 << 0, /* before the Noise handshake ends */
	RELAY_CONN_HELLO = 1 << 1,     /* waiting for HELLO */
	RELAY_CONN_READY = 1 << 2,     /* HELLO done */
};

struct relay_conn {
	struct stream st; /* first: the stream's data points here */
	struct relay *relay;
	struct relay_conn *next;
	struct relay_conn **prevp;
	enum relay_conn_state state;
};

/* Accepts a pending connection on the relay's listener. */
void relay_conn_accept(struct relay *r);

/* Closes every connection (at shutdown). */
void relay_conn_close_all(struct relay *r);

#endif
