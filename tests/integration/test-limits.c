/* SPDX-License-Identifier: ISC */
/*
 * Every configurable limit of the relay, end to end: exceed it, see the
 * documented refusal, and see the relay stay healthy for others. Each test
 * starts a real hearth-relay with the limit set low by its flag, and reads
 * the relay's counters through `hearth-relay stats` where a rejection must
 * be counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/err.h"
#include "common/proof.h"
#include "common/secmem.h"
#include "tests/integration/ops.h"
#include "tests/unit/cm.h"

/* The value of counter name in `hearth-relay stats`, or -1. */
static long long
stat_of(struct relay_proc *rp, const char *name)
{
	char out[16384], *p;
	char *argv[] = {
	    (char *)harness_relay_bin, "stats", "--data", rp->dir, NULL};
	size_t n = strlen(name);

	if (run_capture(argv, out, sizeof out) != 0)
		return -1;
	for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	}
	return -1;
}

static void
test_per_address_limit(void **state)
{
	struct relay_proc rp;
	struct tc c[4];
	struct tc_env e;

	relay_up(&rp,
	    (const char *const[]){"--max-connections-per-address", "3", NULL});
	tc_env_init(&e);
	for (int i = 0; i < 3; i++)
		open_ok(&c[i], &e, &rp);
	assert_int_equal(tc_open(&c[3], &e, &rp.addr), -1);
	assert_true(c[3].closed);
	assert_int_equal(c[3].close_err, ERR_HS_REFUSED);
	tc_close(&c[3]);
	/*
	 * A connection that leaves makes room for another, once the relay
	 * has seen it leave (the client's close is done before that).
	 */
	tc_close(&c[0]);
	for (int i = 0; i < 50 && stat_of(&rp, "connections") != 2; i++)
		tc_run(&e, never, NULL, 100);
	open_ok(&c[0], &e, &rp);
	assert_int_equal(stat_of(&rp, "refused_per_addr"), 1);
	assert_int_equal(stat_of(&rp, "connections"), 3);
	for (int i = 0; i < 3; i++)
		tc_close(&c[i]);
	tc_env_release(&e);
	relay_down(&rp);
}

/*
 * On a dual-stack listener, IPv4 clients arrive as ::ffff:a.b.c.d. They
 * must be counted by their IPv4 address, not by the first 64 bits of the
 * mapped form, which are zero for all of them and for ::1 as well.
 */
static void
test_per_address_dual_stack(void **state)
{
	struct relay_proc rp;
	struct tc v4, v6, again;
	struct tc_env e;
	struct addr a6;

	relay_up(&rp, (const char *const[]){"--listen", "[::]:0",
	                  "--max-connections-per-address", "1", NULL});
	tc_env_init(&e);
	a6 = rp.addr;
	snprintf(a6.host, sizeof a6.host, "::1");
	open_ok(&v4, &e, &rp);
	assert_int_equal(tc_open(&v6, &e, &a6), 0);
	assert_int_equal(tc_open(&again, &e, &rp.addr), -1);
	assert_int_equal(again.close_err, ERR_HS_REFUSED);
	tc_close(&again);
	tc_close(&v4);
	tc_close(&v6);
	tc_env_release(&e);
	relay_down(&rp);
}

/*
 * One address opening many silent connections (no handshake) must not
 * fill the relay's total for everyone else.
 */
static void
test_silent_flood_spares_others(void **state)
{
	struct relay_proc rp;
	struct tc other;
	struct tc_env e;
	struct addr a6;
	int fds[30];

	relay_up(&rp,
	    (const char *const[]){"--listen", "[::]:0", "--max-connections",
	        "10", "--max-connections-per-address", "2", NULL});
	for (int i = 0; i < 30; i++) {
		fds[i] = raw_connect(rp.port);
		assert_true(fds[i] >= 0);
	}
	tc_env_init(&e);
	a6 = rp.addr;
	snprintf(a6.host, sizeof a6.host, "::1");
	assert_int_equal(tc_open(&other, &e, &a6), 0);
	assert_true(stat_of(&rp, "refused_per_addr") >= 28);
	assert_int_equal(stat_of(&rp, "refused_busy"), 0);
	tc_close(&other);
	for (int i = 0; i < 30; i++)
		close(fds[i]);
	tc_env_release(&e);
	relay_down(&rp);
}

struct replies {
	struct tc *c;
	unsigned n;
};

static bool
got_replies(void *arg)
{
	struct replies *r = arg;

	return r->c->unanswered >= r->n || r->c->closed;
}

static void
send_info_gets(struct tc *c, unsigned n)
{
	struct wire_msg m;

	for (unsigned i = 0; i < n; i++) {
		memset(&m, 0, sizeof m);
		m.type = WIRE_MSG_INFO_GET;
		assert_int_equal(tc_send_only(c, &m), 0);
	}
}

static void
test_rate_limit(void **state)
{
	struct relay_proc rp;
	struct tc a, b;
	struct tc_env e;
	struct wire_msg m;
	struct replies r;

	relay_up(&rp,
	    (const char *const[]){"--rate", "5", "--rate-burst", "10", NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	open_ok(&b, &e, &rp);
	/* A burst of 15: 10 answered, 5 refused with code rate. */
	send_info_gets(&a, 15);
	r = (struct replies){&a, 15};
	assert_true(tc_run(&e, got_replies, &r, 5000));
	assert_int_equal(a.fail_only, 5);
	assert_int_equal(a.unanswered - a.fail_only, 10);
	assert_false(a.closed);
	/* Others are not slowed; a pause refills the bucket. */
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_INFO_GET;
	assert_int_equal(tc_call(&b, &m), 0);
	tc_run(&e, never, NULL, 1100);
	assert_int_equal(tc_call(&a, &m), 0);
	/* A client that ignores the refusals is cut off. */
	send_info_gets(&a, 60);
	assert_int_equal(tc_wait_closed(&a, 5000), 0);
	assert_int_equal(a.close_err, ERR_REMOTE);
	assert_non_null(strstr(a.reason, "rate"));
	assert_int_equal(tc_call(&b, &m), 0);
	assert_true(stat_of(&rp, "rate_limited") >= 5 + 11);
	tc_close(&a);
	tc_close(&b);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_subscription_limit(void **state)
{
	struct relay_proc rp;
	struct tc a;
	struct tc_env e;

	relay_up(&rp, (const char *const[]){"--max-subscriptions", "2", NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	make_room(&a, room_a, 1, 0);
	make_room(&a, room_b, 2, 0);
	make_room(&a, room_c, 3, 0);
	assert_int_equal(sub_with(&a, room_a, 1), 0);
	assert_int_equal(sub_with(&a, room_b, 2), 0);
	assert_int_equal(sub_with(&a, room_c, 3), PROTO_E_LIMIT);
	/* Subscribing again to a room held is no new subscription. */
	assert_int_equal(sub_with(&a, room_a, 1), 0);
	assert_int_equal(tc_room_pub(&a, room_c, "x", 1), PROTO_E_DENIED);
	assert_int_equal(tc_room_pub(&a, room_b, "x", 1), 0);
	tc_close(&a);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_mailbox_quotas(void **state)
{
	struct relay_proc rp;
	struct tc a;
	struct tc_env e;
	uint8_t mbox[32];
	static uint8_t env[40000];

	memset(mbox, 0x31, 32);
	memset(env, 0x20, sizeof env);
	relay_up(&rp, (const char *const[]){"--mailbox-quota-count", "3",
	                  "--mailbox-quota-bytes", "100000", NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	/* Bytes: two of 40000 fit in 100000, a third does not. */
	assert_int_equal(tc_mbox_put(&a, mbox, env, 40000), 0);
	assert_int_equal(tc_mbox_put(&a, mbox, env, 40000), 0);
	assert_int_equal(tc_mbox_put(&a, mbox, env, 40000), PROTO_E_QUOTA);
	/* Count: a third small one fits, a fourth does not. */
	assert_int_equal(tc_mbox_put(&a, mbox, env, 10), 0);
	assert_int_equal(tc_mbox_put(&a, mbox, env, 1), PROTO_E_QUOTA);
	/* Another mailbox is not affected. */
	mbox[0] ^= 1;
	assert_int_equal(tc_mbox_put(&a, mbox, env, 40000), 0);
	assert_int_equal(stat_of(&rp, "quota_full"), 2);
	assert_int_equal(stat_of(&rp, "mbox_puts"), 4);
	tc_close(&a);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_prekey_and_escrow_limits(void **state)
{
	struct relay_proc rp;
	struct tc a;
	struct tc_env e;
	uint8_t pub[32], sec[64], mbox[32], otks[5 * 32], hash[32], tok[32];
	struct wire_msg m;
	uint64_t release = (uint64_t)relay_now_s() + 60;

	tc_keypair(40, pub, sec);
	proof_mbox_id(mbox, pub);
	for (int i = 0; i < 5; i++)
		memset(otks + 32 * i, i + 1, 32);
	relay_up(
	    &rp, (const char *const[]){"--prekeys-max", "4", "--escrow-max",
	             "2", "--escrow-max-delay", "3600", NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	assert_int_equal(tc_mbox_claim(&a, pub, sec), 0);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PREKEY_PUB;
	m.u.prekey_pub.mbox.p = mbox;
	m.u.prekey_pub.mbox.len = 32;
	m.u.prekey_pub.bundle.p = otks;
	m.u.prekey_pub.bundle.len = 10;
	m.u.prekey_pub.otks.p = otks;
	m.u.prekey_pub.otks.len = 3 * 32;
	assert_int_equal(tc_call(&a, &m), 0);
	assert_int_equal(a.value, 3);
	/* Two more would make 5: refused, none added. */
	m.u.prekey_pub.otks.p = otks + 3 * 32;
	m.u.prekey_pub.otks.len = 2 * 32;
	assert_int_equal(tc_call(&a, &m), PROTO_E_QUOTA);
	m.u.prekey_pub.otks.len = 32;
	assert_int_equal(tc_call(&a, &m), 0);
	assert_int_equal(a.value, 4);

	for (int i = 0; i < 3; i++) {
		memset(tok, 0x70 + i, 32);
		proof_escrow_hash(hash, tok);
		memset(&m, 0, sizeof m);
		m.type = WIRE_MSG_ESCROW_PUT;
		m.u.escrow_put.cancel_hash.p = hash;
		m.u.escrow_put.cancel_hash.len = 32;
		m.u.escrow_put.mbox.p = mbox;
		m.u.escrow_put.mbox.len = 32;
		m.u.escrow_put.release_s = release;
		m.u.escrow_put.envelope.p = otks;
		m.u.escrow_put.envelope.len = 64;
		assert_int_equal(tc_call(&a, &m), i < 2 ? 0 : PROTO_E_QUOTA);
	}
	/* Beyond escrow-max-delay: refused whatever the count. */
	m.u.escrow_put.release_s = release + 3600;
	assert_int_equal(tc_call(&a, &m), PROTO_E_BAD_VALUE);
	tc_close(&a);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_room_bounds_and_token(void **state)
{
	struct relay_proc rp;
	struct tc a;
	struct tc_env e;
	uint8_t token[32], pub[32], sec[64];
	char token_b64[64];
	struct wire_msg m;

	memset(token, 0x5a, sizeof token);
	sodium_bin2base64(token_b64, sizeof token_b64, token, sizeof token,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	relay_up(&rp, (const char *const[]){"--room-keep-count-max", "10",
	                  "--room-keep-count", "5", "--room-create", "token",
	                  "--operator-token", token_b64, NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	tc_keypair(50, pub, sec);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_CREATE;
	m.u.room_create.room.p = room_a;
	m.u.room_create.room.len = 32;
	m.u.room_create.access_pub.p = pub;
	m.u.room_create.access_pub.len = 32;
	m.u.room_create.keep_count = 10;
	/* No token, a wrong token, then the operator's. */
	assert_int_equal(tc_call(&a, &m), PROTO_E_DENIED);
	m.u.room_create.token.p = token;
	m.u.room_create.token.len = 31;
	assert_int_equal(tc_call(&a, &m), PROTO_E_DENIED);
	token[0] ^= 1;
	m.u.room_create.token.len = 32;
	assert_int_equal(tc_call(&a, &m), PROTO_E_DENIED);
	token[0] ^= 1;
	m.u.room_create.keep_count = 11;
	assert_int_equal(tc_call(&a, &m), PROTO_E_BAD_VALUE);
	m.u.room_create.keep_count = 10;
	assert_int_equal(tc_call(&a, &m), 0);
	assert_int_equal(stat_of(&rp, "denied"), 3);
	assert_int_equal(stat_of(&rp, "rooms_created"), 1);
	tc_close(&a);
	tc_env_release(&e);
	relay_down(&rp);
}

static void
test_frame_limit(void **state)
{
	static uint8_t env[3000];
	struct relay_proc rp;
	struct tc a, b;
	struct tc_env e;
	struct wire_msg m;

	relay_up(&rp, (const char *const[]){"--frame-max", "2048", NULL});
	tc_env_init(&e);
	open_ok(&a, &e, &rp);
	open_ok(&b, &e, &rp);
	make_room(&a, room_a, 60, 0);
	assert_int_equal(sub_with(&a, room_a, 60), 0);
	assert_int_equal(tc_room_pub(&a, room_a, env, 1500), 0);
	/* A frame over the limit ends that connection only. */
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_PUB;
	m.u.put.id.p = room_a;
	m.u.put.id.len = 32;
	m.u.put.envelope.p = env;
	m.u.put.envelope.len = sizeof env;
	assert_int_equal(tc_send_only(&a, &m), 0);
	assert_int_equal(tc_wait_closed(&a, 5000), 0);
	assert_int_equal(sub_with(&b, room_a, 60), 0);
	assert_int_equal(tc_room_fetch(&b, room_a, 0, 10), 0);
	assert_int_equal(b.ninbox, 1);
	tc_close(&a);
	tc_close(&b);
	tc_env_release(&e);
	relay_down(&rp);
}

#define SLOW_MSGS 600
#define SLOW_LEN 16000
#define SLOW_WINDOW 16

struct window {
	struct tc *c;
	unsigned want;
};

static bool
window_done(void *arg)
{
	struct window *w = arg;

	return w->c->ok_only >= w->want || w->c->closed;
}

static void
test_slow_reader_dropped(void **state)
{
	static uint8_t env[SLOW_LEN];
	struct relay_proc rp;
	struct tc pub, slow, fast;
	struct tc_env e;
	struct wire_msg m;
	struct window w;

	relay_up(&rp, (const char *const[]){"--queue-max", "1048576", NULL});
	tc_env_init(&e);
	open_ok(&pub, &e, &rp);
	open_ok(&slow, &e, &rp);
	open_ok(&fast, &e, &rp);
	make_room(&pub, room_a, 61, 0);
	assert_int_equal(sub_with(&pub, room_a, 61), 0);
	assert_int_equal(sub_with(&slow, room_a, 61), 0);
	assert_int_equal(sub_with(&fast, room_a, 61), 0);
	/*
	 * The slow member stops reading altogether, with a small receive
	 * buffer (loopback's may grow to tens of MiB and hide the backlog).
	 */
	{
		int small = 4096;

		uv_recv_buffer_size((uv_handle_t *)&slow.up.st.tcp, &small);
	}
	uv_read_stop((uv_stream_t *)&slow.up.st.tcp);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_ROOM_PUB;
	m.u.put.id.p = room_a;
	m.u.put.id.len = 32;
	m.u.put.envelope.p = env;
	m.u.put.envelope.len = sizeof env;
	w = (struct window){&pub, 0};
	for (unsigned sent = 0; sent < SLOW_MSGS;) {
		for (unsigned k = 0; k < SLOW_WINDOW && sent < SLOW_MSGS;
		     k++, sent++)
			assert_int_equal(tc_send_only(&pub, &m), 0);
		w.want = sent;
		assert_true(tc_run(&e, window_done, &w, 10000));
		assert_false(pub.closed);
	}
	/* The others got everything; the slow one was cut off. */
	assert_int_equal(tc_wait_inbox(&fast, SLOW_MSGS, 10000), 0);
	assert_int_equal(fast.ninbox, SLOW_MSGS);
	/* The relay gives a failed stream 2 s to flush its last words. */
	for (int i = 0; i < 50 && stat_of(&rp, "slow_readers") != 1; i++)
		tc_run(&e, never, NULL, 100);
	assert_int_equal(stat_of(&rp, "slow_readers"), 1);
	assert_int_equal(stat_of(&rp, "connections"), 2);
	tc_close(&slow);
	tc_close(&pub);
	tc_close(&fast);
	tc_env_release(&e);
	relay_down(&rp);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_per_address_limit),
	    cmocka_unit_test(test_per_address_dual_stack),
	    cmocka_unit_test(test_silent_flood_spares_others),
	    cmocka_unit_test(test_rate_limit),
	    cmocka_unit_test(test_subscription_limit),
	    cmocka_unit_test(test_mailbox_quotas),
	    cmocka_unit_test(test_prekey_and_escrow_limits),
	    cmocka_unit_test(test_room_bounds_and_token),
	    cmocka_unit_test(test_frame_limit),
	    cmocka_unit_test(test_slow_reader_dropped),
	};
	int rc;

	rc = ops_init(argc, argv, "test-limits");
	if (rc != 0)
		return rc;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	secmem_shutdown();
	return rc;
}
