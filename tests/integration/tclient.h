/* SPDX-License-Identifier: ISC */
/*
 * Test clients for the relay operations: real client connections
 * (client/upstream.c) on one libuv loop, driven step by step. A call sends
 * one request and runs the loop until its answer arrives; deliveries that
 * the relay pushes meanwhile are kept in each client's inbox. Every wait is
 * bounded.
 */
#ifndef HEARTH_TESTS_TCLIENT_H
#define HEARTH_TESTS_TCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/upstream.h"
#include "common/proof.h"
#include "common/proto.h"
#include "common/wire.h"

struct tc_env {
	uv_loop_t loop;
	struct stream_loop sl;
	uv_timer_t deadline;
	bool expired;
};

/* A ROOM_MSG or MBOX_MSG as received. */
struct tc_delivery {
	enum wire_type type;
	uint8_t id[PROTO_ID_LEN];
	uint64_t seq;
	uint64_t time_s;
	uint8_t *env; /* owned */
	size_t len;
};

struct tc {
	struct upstream up;
	struct tc_env *env;
	bool ready;
	bool closed;
	int close_err;
	char reason[PROTO_REASON_MAX + 1];
	uint64_t next_req;
	/* The answer to the last call. */
	bool answered;
	uint64_t want_req;
	enum wire_type reply_type;
	uint64_t value;     /* OK's value */
	uint64_t fail_code; /* FAIL's code */
	struct wire_info info;
	uint8_t bundle[PROTO_BUNDLE_MAX];
	size_t bundle_len;
	uint8_t otk[PROTO_KEY_LEN];
	size_t otk_len;
	/* Pushed and fetched deliveries, in arrival order. */
	struct tc_delivery *inbox;
	size_t ninbox, cap;
	bool count_only;     /* count deliveries, keep none (benchmarks) */
	unsigned ended;      /* ROOM_ENDED count */
	uint64_t ended_code; /* the last one's code */
	unsigned unanswered; /* replies to tc_send_only() requests */
	unsigned sent_only;
	unsigned ok_only, fail_only;
	uint64_t last_only_value; /* the last such OK's value */
};

/* Prepares the loop. */
void tc_env_init(struct tc_env *e);

/* Closes the loop; every client must have been closed. */
void tc_env_release(struct tc_env *e);

/*
 * Runs the loop until done(arg) or ms pass. Returns true if done() became
 * true, false on time-out.
 */
bool tc_run(struct tc_env *e, bool (*done)(void *), void *arg, unsigned ms);

/* Connects c to relay a and waits until welcomed. 0 or -1. */
int tc_open(struct tc *c, struct tc_env *e, const struct addr *a);

/* Closes c and waits for the close. */
void tc_close(struct tc *c);

/* Waits until the relay closes c; 0 if it did within ms. */
int tc_wait_closed(struct tc *c, unsigned ms);

/*
 * Sends request m (its req is set here) and waits for the answer. Returns
 * 0 for OK/INFO/PREKEY, the FAIL code (> 0), or -1 on time-out or close.
 */
int tc_call(struct tc *c, struct wire_msg *m);

/* Sends request m without waiting; its answer is counted in unanswered. */
int tc_send_only(struct tc *c, struct wire_msg *m);

/* Waits until c's inbox holds n deliveries. 0, or -1 after ms. */
int tc_wait_inbox(struct tc *c, size_t n, unsigned ms);

/* Empties c's inbox. */
void tc_inbox_clear(struct tc *c);

/* Requests, built and called. */
int tc_room_create(struct tc *c, const uint8_t room[32],
    const uint8_t access_pub[32], uint64_t keep_count, uint64_t keep_age_s);
int tc_room_sub(struct tc *c, const uint8_t room[32],
    const uint8_t access_sec[PROOF_SEC_LEN]);
int tc_room_pub(
    struct tc *c, const uint8_t room[32], const void *env, size_t len);
int tc_room_fetch(
    struct tc *c, const uint8_t room[32], uint64_t after, uint64_t limit);
int tc_mbox_claim(
    struct tc *c, const uint8_t pub[32], const uint8_t sec[PROOF_SEC_LEN]);
int tc_mbox_put(
    struct tc *c, const uint8_t mbox[32], const void *env, size_t len);
int tc_mbox_fetch(
    struct tc *c, const uint8_t mbox[32], uint64_t after, uint64_t limit);
int tc_mbox_ack(struct tc *c, const uint8_t mbox[32], uint64_t id);

/* The relay's clock, CLOCK_REALTIME seconds (time() may lag it). */
uint64_t relay_now_s(void);

/* A key pair from a one-byte seed, so tests name keys by number. */
void tc_keypair(uint8_t seed_byte, uint8_t pub[32], uint8_t sec[PROOF_SEC_LEN]);

#endif
