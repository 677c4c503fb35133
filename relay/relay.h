/* SPDX-License-Identifier: ISC */
/*
 * The relay server: one libuv loop, a TCP listener, the durable store, and
 * a connection per client that completes the Noise handshake and serves
 * rooms, mailboxes, prekeys and escrows. main.c only parses arguments and
 * runs the loop; everything else is here, so tests can link the real relay.
 *
 * Writes to the store are committed once per loop turn (a prepare hook);
 * replies that promise durability (a mailbox put's OK, a one-time prekey
 * handed out) wait in a deferred list until that commit has returned.
 */
#ifndef HEARTH_RELAY_H
#define HEARTH_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/addr.h"
#include "common/buf.h"
#include "common/idmap.h"
#include "common/stream.h"
#include "relay/config.h"
#include "relay/stats.h"

/*
 * Counters for the stats socket and the shutdown log line. None of them
 * names a client, room or address.
 */
#define RELAY_COUNTERS(X)                                                      \
	X(accepted)                                                            \
	X(handshakes)                                                          \
	X(refused_busy)                                                        \
	X(refused_per_addr)                                                    \
	X(closed_error)                                                        \
	X(slow_readers)                                                        \
	X(idle_timeouts)                                                       \
	X(protocol_errors)                                                     \
	X(requests)                                                            \
	X(rejected)                                                            \
	X(rate_limited)                                                        \
	X(denied)                                                              \
	X(quota_full)                                                          \
	X(rooms_created)                                                       \
	X(room_subscribes)                                                     \
	X(room_publishes)                                                      \
	X(room_deliveries)                                                     \
	X(room_fetched)                                                        \
	X(room_rotations)                                                      \
	X(mbox_puts)                                                           \
	X(mbox_pushes)                                                         \
	X(mbox_fetched)                                                        \
	X(mbox_acks)                                                           \
	X(prekey_publishes)                                                    \
	X(prekey_fetches)                                                      \
	X(escrow_puts)                                                         \
	X(escrow_cancels)                                                      \
	X(escrow_extends)                                                      \
	X(escrow_releases)                                                     \
	X(commits)                                                             \
	X(store_errors)                                                        \
	X(pruned)

struct relay_counters {
#define RELAY_COUNTER_FIELD(name) uint64_t name;
	RELAY_COUNTERS(RELAY_COUNTER_FIELD)
#undef RELAY_COUNTER_FIELD
};

struct relay_conn;
struct relay_store;

/*
 * What waits for the store's commit: a reply that promises durability, or
 * a delivery of what was just stored. Nothing is delivered before it is
 * durable, so a crash or a failed commit can never have shown anyone a
 * sequence number or message id that the store then gives to another
 * envelope.
 */
enum relay_deferred_kind {
	RELAY_DEFER_REPLY, /* to one request of one connection */
	RELAY_DEFER_DATA,  /* part of a reply (a fetched envelope): sent on
	                      success, dropped on failure, never a FAIL */
	RELAY_DEFER_ROOM,  /* a ROOM_MSG to a room's subscribers */
	RELAY_DEFER_MBOX,  /* an MBOX_MSG to a mailbox's owners online */
};

struct relay_deferred {
	enum relay_deferred_kind kind;
	struct relay_conn *c; /* REPLY, DATA: NULL once it has gone */
	uint64_t req;         /* REPLY */
	uint64_t skip_id;     /* ROOM: the publisher's stream id */
	uint8_t id[32];       /* ROOM: room id; MBOX: mailbox id */
	size_t off, len;      /* the encoded message in deferred_bytes */
};

struct relay {
	uv_loop_t *loop;
	struct relay_config cfg;
	struct stream_loop sl;
	uv_tcp_t server;
	uv_signal_t sigint;
	uv_signal_t sigterm;
	uv_prepare_t commit;        /* commits the store once per loop turn */
	uv_timer_t escrow;          /* fires at the next escrow release */
	uint64_t escrow_backoff_ms; /* after a store error, else 0 */
	uv_timer_t prune;           /* expires old envelopes now and then */
	struct relay_stats_server stats; /* DIR/stats.sock, if it could be */
	uint8_t *s_priv;                 /* secmem */
	uint8_t s_pub[32];
	uint16_t port; /* bound port */
	struct relay_store *store;
	int lock_fd; /* DIR/relay.lock, held while running; -1 */
	struct relay_conn *conns;
	unsigned nconns;
	struct idmap rooms;  /* room id -> struct relay_room, while in use */
	struct idmap owners; /* mailbox id -> struct relay_owners */
	struct idmap addrs;  /* source address -> connection count */
	struct relay_deferred *deferred;
	size_t ndeferred, deferred_cap;
	struct buf deferred_bytes;
	struct buf scratch; /* one encoded fan-out message */
	bool stopping;
	struct relay_counters ctr;
};

/* The file whose lock says a relay is running on a data folder. */
#define RELAY_LOCK_FILE "relay.lock"

/*
 * Locks cfg->data_dir (UV_EBUSY with *msg if another relay holds it),
 * opens the store there, binds and starts listening with priv as
 * the static key (copied), serves the stats socket in cfg->data_dir (a
 * relay that cannot make it logs why and runs without it), and installs
 * SIGINT and SIGTERM handlers that stop the relay. Returns 0, ERR_STORE
 * (with *msg saying why), or a libuv
 * error (nothing to release then but the loop).
 */
int relay_start(struct relay *r, uv_loop_t *loop,
    const struct relay_config *cfg, const uint8_t priv[static 32],
    const char **msg);

/*
 * Stops listening, closes every connection and the store. Run the loop
 * afterwards until it returns; then uv_loop_close() succeeds. Idempotent.
 */
void relay_stop(struct relay *r);

/*
 * Frees what outlives the connections (the store, the maps, the key): call
 * once the loop has finished after relay_stop(), or after relay_start()
 * failed.
 */
void relay_release(struct relay *r);

/* The wall clock in milliseconds since the epoch (escrows, timestamps). */
uint64_t relay_now_ms(void);

/*
 * Queues the encoded reply msg[0..len) to request req on c until the
 * store's next commit: sent if it succeeds, replaced by a FAIL if not.
 */
void relay_defer(struct relay *r, struct relay_conn *c, uint64_t req,
    const uint8_t *msg, size_t len);

/*
 * Queues the encoded ROOM_MSG msg[0..len) for room id's subscribers but
 * the connection with stream id skip_id, until the commit; dropped if the
 * commit fails.
 */
void relay_defer_fanout(struct relay *r, const uint8_t id[static 32],
    uint64_t skip_id, const uint8_t *msg, size_t len);

/* The same for an MBOX_MSG to mailbox id's owners online. */
void relay_defer_push(struct relay *r, const uint8_t id[static 32],
    const uint8_t *msg, size_t len);

/* Queues part of a reply to c (see RELAY_DEFER_DATA) until the commit. */
void relay_defer_data(
    struct relay *r, struct relay_conn *c, const uint8_t *msg, size_t len);

/*
 * Takes back every deferred item queued after the first mark items (a
 * request that failed half way); the caller has not committed since.
 */
void relay_defer_truncate(struct relay *r, size_t mark);

/*
 * Commits now and sends what waited (normally the per-turn hook does
 * it). Not from inside a store callback. Returns the commit's result.
 */
int relay_commit_now(struct relay *r);

/*
 * True if len more bytes fit in the deferred list without forcing a
 * commit. A store callback (a fetch) must check this first: a commit in
 * the middle of the store's own statement is not allowed.
 */
bool relay_defer_fits(const struct relay *r, size_t len);

/* Forgets c's deferred replies (c is closing). */
void relay_defer_forget(struct relay *r, struct relay_conn *c);

/* Re-arms the escrow timer for the earliest escrow in the store. */
void relay_escrow_arm(struct relay *r);

/* Appends the stats text ("name value" lines) to out. */
void relay_stats_text(struct relay *r, struct buf *out);

#endif
