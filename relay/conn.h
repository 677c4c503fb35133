/* SPDX-License-Identifier: ISC */
/*
 * One client connection on the relay: its stream and its protocol state.
 * Messages are dispatched through one table that lists, for each type, the
 * states it is allowed in (after openssh's monitor table). Requests pass a
 * per-connection token bucket first.
 */
#ifndef HEARTH_RELAY_CONN_H
#define HEARTH_RELAY_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/idmap.h"
#include "common/proto.h"
#include "common/stream.h"
#include "common/wire.h"

/* Mailboxes one connection may claim (a persona uses one). */
#define RELAY_CLAIMS_MAX 8

struct relay;
struct relay_room;

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
	uint8_t addr_key[IDMAP_KEY_LEN]; /* source address, in memory only */
	bool addr_counted;
	bool dropped; /* cut off at accept: not counted in nconns */
	/* Token bucket, in thousandths of a request. */
	uint64_t tokens;
	uint64_t tokens_ms; /* loop time of the last refill */
	uint32_t refused_in_row;
	struct relay_room **subs; /* rooms subscribed to, up to max_subs */
	unsigned nsubs;
	uint8_t claims[RELAY_CLAIMS_MAX][PROTO_ID_LEN]; /* mailbox ids */
	size_t deferred; /* bytes waiting for the commit, for the queue cap */
	unsigned nclaims;
};

/* Accepts a pending connection on the relay's listener. */
void relay_conn_accept(struct relay *r);

/* Closes every connection (at shutdown). */
void relay_conn_close_all(struct relay *r);

/* Sends m to c now (not deferred). */
void relay_conn_send(struct relay_conn *c, const struct wire_msg *m);

/* Answers request req with OK and value, now or after the commit. */
void relay_conn_ok(struct relay_conn *c, uint64_t req, uint64_t value);
void relay_conn_ok_durable(struct relay_conn *c, uint64_t req, uint64_t value);

/*
 * Answers request req with FAIL: code is enum proto_error, reason a short
 * static English text. Counts the rejection.
 */
void relay_conn_fail(
    struct relay_conn *c, uint64_t req, unsigned code, const char *reason);

/* Maps a store or project error to a FAIL reply. */
void relay_conn_fail_err(struct relay_conn *c, uint64_t req, int err);

/* True if c has claimed mailbox id on this connection. */
bool relay_conn_has_claim(const struct relay_conn *c, const uint8_t id[32]);

#endif
