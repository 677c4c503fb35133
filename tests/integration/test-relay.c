/* SPDX-License-Identifier: ISC */
/*
 * The relay end to end: a real hearth-relay process on a free loopback
 * port, real client connections (client/upstream.c over libuv), and raw
 * sockets that misbehave. Every test ends by stopping the relay with
 * SIGTERM and requiring exit status 0: a clean shutdown, and under ASan no
 * leak.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "client/upstream.h"
#include "common/err.h"
#include "common/frame.h"
#include "common/noise.h"
#include "common/proto.h"
#include "common/secmem.h"
#include "common/wire.h"
#include "tests/integration/harness.h"
#include "tests/unit/cm.h"

#define CLIENTS 20
#define PINGS 100

/* A set of libuv clients that each ping the relay a number of times. */
struct pinger {
	struct upstream up;
	struct ping_set *set;
	unsigned answered;
	int err;
	char reason[PROTO_REASON_MAX + 1];
	bool ready;
	bool closed;
};

struct ping_set {
	uv_loop_t loop;
	struct stream_loop sl;
	uv_timer_t deadline;
	struct pinger *p;
	unsigned n;
	unsigned pings;
	unsigned closed;
	bool timed_out;
	bool hold; /* stay connected after pinging, until told */
	/* Called once, when client 0 is halfway through its pings. */
	void (*midway)(struct ping_set *ps);
	uint16_t port;
	int abused; /* abuse_relay's steps that worked */
};

static void
pinger_ping(struct pinger *p)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PING;
	m.u.ping.token = (uint64_t)p->answered * 1000 + 7;
	if (upstream_send(&p->up, &m) != 0)
		upstream_close(&p->up);
}

static void
pinger_on_ready(struct upstream *u, const struct wire_welcome *w)
{
	struct pinger *p = u->data;

	assert_int_equal(w->version, WIRE_VERSION);
	p->ready = true;
	if (p->set->pings > 0)
		pinger_ping(p);
	else if (!p->set->hold)
		upstream_close(u);
}

static void
pinger_on_msg(struct upstream *u, const struct wire_msg *m)
{
	struct pinger *p = u->data;

	if (m->type != WIRE_MSG_PONG ||
	    m->u.ping.token != (uint64_t)p->answered * 1000 + 7) {
		p->err = ERR_PROTO;
		upstream_close(u);
		return;
	}
	if (++p->answered == p->set->pings / 2 && p == &p->set->p[0] &&
	    p->set->midway != NULL)
		p->set->midway(p->set);
	if (p->answered == p->set->pings && !p->set->hold)
		upstream_close(u);
	else if (p->answered < p->set->pings)
		pinger_ping(p);
}

static void
pinger_on_close(struct upstream *u, int err, const char *reason)
{
	struct pinger *p = u->data;

	p->closed = true;
	if (p->err == 0)
		p->err = err;
	if (reason != NULL)
		snprintf(p->reason, sizeof p->reason, "%s", reason);
	if (++p->set->closed == p->set->n) {
		uv_timer_stop(&p->set->deadline);
		uv_close((uv_handle_t *)&p->set->deadline, NULL);
	}
}

static const struct upstream_ops pinger_ops = {
    .on_ready = pinger_on_ready,
    .on_msg = pinger_on_msg,
    .on_close = pinger_on_close,
};

static void
ping_set_on_deadline(uv_timer_t *t)
{
	struct ping_set *ps = t->data;

	ps->timed_out = true;
	for (unsigned i = 0; i < ps->n; i++)
		upstream_close(&ps->p[i].up);
}

/*
 * Runs n clients against a, each pinging `pings` times, within limit_ms.
 * Fills ps->p for the caller to inspect; the caller frees ps->p.
 */
static void
ping_set_run_with(struct ping_set *ps, const struct addr *a, unsigned n,
    unsigned pings, uint64_t limit_ms, void (*midway)(struct ping_set *ps))
{
	memset(ps, 0, sizeof *ps);
	ps->midway = midway;
	ps->port = a->port;
	ps->n = n;
	ps->pings = pings;
	ps->p = calloc(n, sizeof *ps->p);
	assert_non_null(ps->p);
	assert_int_equal(uv_loop_init(&ps->loop), 0);
	assert_int_equal(stream_loop_init(&ps->sl, &ps->loop), 0);
	uv_timer_init(&ps->loop, &ps->deadline);
	ps->deadline.data = ps;
	uv_timer_start(&ps->deadline, ping_set_on_deadline, limit_ms, 0);
	for (unsigned i = 0; i < n; i++) {
		ps->p[i].set = ps;
		assert_int_equal(upstream_connect(&ps->p[i].up, &ps->sl, a,
		                     &pinger_ops, &ps->p[i]),
		    0);
	}
	uv_run(&ps->loop, UV_RUN_DEFAULT);
	stream_loop_release(&ps->sl);
	uv_run(&ps->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&ps->loop), 0);
	assert_int_equal(secmem_in_use(), 0);
}

static void
ping_set_run(struct ping_set *ps, const struct addr *a, unsigned n,
    unsigned pings, uint64_t limit_ms)
{
	ping_set_run_with(ps, a, n, pings, limit_ms, NULL);
}

/* One client that must complete `pings` round trips: the relay is healthy. */
static void
assert_relay_healthy(const struct relay_proc *rp)
{
	struct ping_set ps;

	ping_set_run(&ps, &rp->addr, 1, 3, 10000);
	assert_false(ps.timed_out);
	assert_int_equal(ps.p[0].err, 0);
	assert_int_equal(ps.p[0].answered, 3);
	free(ps.p);
}

static void
test_many_clients_ping(void **state)
{
	struct relay_proc rp;
	struct ping_set ps;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	ping_set_run(&ps, &rp.addr, CLIENTS, PINGS, 30000);
	assert_false(ps.timed_out);
	for (unsigned i = 0; i < CLIENTS; i++) {
		assert_int_equal(ps.p[i].err, 0);
		assert_true(ps.p[i].ready);
		assert_int_equal(ps.p[i].answered, PINGS);
	}
	free(ps.p);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

/*
 * Runs inside the clients' loop, which stalls meanwhile: the relay, another
 * process, must deal with all of this while the clients hold their
 * connections open mid-conversation. It records how far it got rather than
 * asserting, since a failed assertion cannot unwind the libuv loop.
 */
static void
abuse_relay(struct ping_set *ps)
{
	const uint8_t big[2] = {0xff, 0xff};
	const uint8_t half[] = {0x00, 0x31, WIRE_VERSION, 1, 2, 3, 4};
	uint8_t junk[512];
	int fd[3];
	const uint8_t *what[3] = {junk, big, half};
	size_t len[3] = {sizeof junk, sizeof big, sizeof half};

	randombytes_buf(junk, sizeof junk);
	junk[0] = 0x00;
	junk[1] = 0x31;
	junk[2] = WIRE_VERSION;
	for (int i = 0; i < 3; i++) {
		fd[i] = raw_connect(ps->port);
		if (fd[i] >= 0 && raw_write(fd[i], what[i], len[i], 0) == 0)
			ps->abused++;
	}
	for (int i = 0; i < 3; i++) {
		if (fd[i] < 0)
			continue;
		if (raw_wait_closed(fd[i], 5000) == 0)
			ps->abused++;
		close(fd[i]);
	}
}

static void
test_abuse_spares_other_clients(void **state)
{
	static const char *const args[] = {"--handshake-timeout", "300", NULL};
	struct relay_proc rp;
	struct ping_set ps;

	assert_int_equal(relay_proc_start(&rp, args), 0);
	ping_set_run_with(&ps, &rp.addr, CLIENTS, PINGS, 30000, abuse_relay);
	assert_false(ps.timed_out);
	/* Three connections made, fed and thrown out by the relay. */
	assert_int_equal(ps.abused, 6);
	for (unsigned i = 0; i < CLIENTS; i++) {
		assert_int_equal(ps.p[i].err, 0);
		assert_int_equal(ps.p[i].answered, PINGS);
	}
	free(ps.p);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_wrong_key_refused(void **state)
{
	struct relay_proc rp;
	struct ping_set ps;
	struct addr wrong;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	wrong = rp.addr;
	randombytes_buf(wrong.key, sizeof wrong.key);
	ping_set_run(&ps, &wrong, 1, 1, 10000);
	assert_false(ps.timed_out);
	assert_false(ps.p[0].ready);
	assert_int_equal(ps.p[0].err, ERR_HS_KEY);
	free(ps.p);
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_garbage_disconnected(void **state)
{
	struct relay_proc rp;
	uint8_t junk[512];
	int fd;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	/* Random bytes: some length, then nonsense where message 1 goes. */
	for (int round = 0; round < 5; round++) {
		fd = raw_connect(rp.port);
		assert_true(fd >= 0);
		randombytes_buf(junk, sizeof junk);
		junk[0] = 0x00;
		junk[1] = 0x31; /* a 49-byte frame: right size, wrong bytes */
		if (round > 0)
			junk[2] = WIRE_VERSION;
		raw_write(fd, junk, sizeof junk, 0);
		assert_int_equal(raw_wait_closed(fd, 5000), 0);
		close(fd);
	}
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_oversized_frame_disconnected(void **state)
{
	struct relay_proc rp;
	const uint8_t big[2] = {0xff, 0xff};
	int fd;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	fd = raw_connect(rp.port);
	assert_true(fd >= 0);
	/* Before the handshake, frames are bounded by 1 KiB. */
	assert_int_equal(raw_write(fd, big, sizeof big, 0), 0);
	assert_int_equal(raw_wait_closed(fd, 5000), 0);
	close(fd);
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_half_handshake_times_out(void **state)
{
	static const char *const args[] = {"--handshake-timeout", "300", NULL};
	struct relay_proc rp;
	const uint8_t half[] = {0x00, 0x31, WIRE_VERSION, 1, 2, 3, 4};
	int fd;

	assert_int_equal(relay_proc_start(&rp, args), 0);
	fd = raw_connect(rp.port);
	assert_true(fd >= 0);
	assert_int_equal(raw_write(fd, half, sizeof half, 0), 0);
	/* The relay must give up on its own, well before our 5 s. */
	assert_int_equal(raw_wait_closed(fd, 5000), 0);
	close(fd);
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_version_mismatch_refused(void **state)
{
	struct relay_proc rp;
	uint8_t msg[2 + 1 + NOISE_HS_OVERHEAD], reply[4];
	struct noise_hs hs;
	size_t n;
	int fd;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	noise_hs_init_initiator(&hs, (const uint8_t *)PROTO_PROLOGUE,
	    PROTO_PROLOGUE_LEN, rp.addr.key);
	assert_int_equal(
	    noise_hs_write(&hs, NULL, 0, msg + 3, sizeof msg - 3, &n), 0);
	frame_put_header(msg, 1 + n);
	msg[2] = WIRE_VERSION + 1;
	fd = raw_connect(rp.port);
	assert_true(fd >= 0);
	assert_int_equal(raw_write(fd, msg, sizeof msg, 0), 0);
	assert_int_equal(raw_read(fd, reply, 4), 0);
	assert_int_equal(reply[0], 0);
	assert_int_equal(reply[1], PROTO_HS_REFUSAL_LEN);
	assert_int_equal(reply[2], PROTO_HS_VERSION);
	assert_int_equal(reply[3], WIRE_VERSION);
	assert_int_equal(raw_wait_closed(fd, 5000), 0);
	close(fd);
	noise_hs_wipe(&hs);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

/*
 * A raw client that speaks the protocol by hand, writing one byte per
 * system call: the relay must reassemble every frame.
 */
struct raw_client {
	int fd;
	struct noise_cipher tx, rx;
};

static void
raw_handshake(struct raw_client *rc, const struct relay_proc *rp, int bytewise)
{
	uint8_t msg[2 + 1 + NOISE_HS_OVERHEAD],
	    reply[2 + 1 + NOISE_HS_OVERHEAD];
	uint8_t payload[1];
	struct noise_hs hs;
	size_t n;

	noise_hs_init_initiator(&hs, (const uint8_t *)PROTO_PROLOGUE,
	    PROTO_PROLOGUE_LEN, rp->addr.key);
	assert_int_equal(
	    noise_hs_write(&hs, NULL, 0, msg + 3, sizeof msg - 3, &n), 0);
	frame_put_header(msg, 1 + n);
	msg[2] = WIRE_VERSION;
	rc->fd = raw_connect(rp->port);
	assert_true(rc->fd >= 0);
	assert_int_equal(raw_write(rc->fd, msg, sizeof msg, bytewise), 0);
	assert_int_equal(raw_read(rc->fd, reply, sizeof reply), 0);
	assert_int_equal(reply[1], 1 + NOISE_HS_OVERHEAD);
	assert_int_equal(reply[2], PROTO_HS_OK);
	assert_int_equal(noise_hs_read(&hs, reply + 3, NOISE_HS_OVERHEAD,
	                     payload, sizeof payload, &n),
	    0);
	assert_int_equal(noise_hs_split(&hs, &rc->tx, &rc->rx, NULL), 0);
}

/* Sends the messages in one frame. */
static void
raw_send(struct raw_client *rc, const struct wire_msg *msgs, size_t count,
    int bytewise)
{
	struct buf b;
	uint8_t *tag;

	buf_init(&b, PROTO_FRAME_MAX + 2);
	assert_int_equal(buf_extend(&b, 2, &tag), 0);
	for (size_t i = 0; i < count; i++)
		assert_int_equal(wire_encode(&b, &msgs[i]), 0);
	assert_int_equal(buf_extend(&b, NOISE_TAG_LEN, &tag), 0);
	assert_int_equal(noise_cipher_encrypt(&rc->tx, NULL, 0, b.data + 2,
	                     b.len - 2 - NOISE_TAG_LEN, b.data + 2),
	    0);
	frame_put_header(b.data, b.len - 2);
	assert_int_equal(raw_write(rc->fd, b.data, b.len, bytewise), 0);
	buf_release(&b);
}

/* Reads one frame and decodes its first message into *m (bytes in f). */
static void
raw_recv(struct raw_client *rc, uint8_t *f, struct wire_msg *m, size_t *count)
{
	uint8_t hdr[2];
	size_t len, off = 0, used;

	assert_int_equal(raw_read(rc->fd, hdr, 2), 0);
	len = (size_t)hdr[0] << 8 | hdr[1];
	assert_true(len > NOISE_TAG_LEN);
	assert_int_equal(raw_read(rc->fd, f, len), 0);
	assert_int_equal(noise_cipher_decrypt(&rc->rx, NULL, 0, f, len, f), 0);
	len -= NOISE_TAG_LEN;
	*count = 0;
	while (off < len) {
		assert_int_equal(
		    wire_next(f + off, len - off, &used, &m[*count]), 0);
		off += used;
		(*count)++;
	}
}

static void
test_byte_at_a_time(void **state)
{
	struct relay_proc rp;
	struct raw_client rc;
	struct wire_msg out[2], in[8];
	uint8_t f[PROTO_FRAME_MAX];
	size_t n, got = 0;
	bool welcomed = false, ponged = false;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	raw_handshake(&rc, &rp, 1);
	memset(out, 0, sizeof out);
	out[0].type = WIRE_MSG_HELLO;
	out[0].u.hello.version = WIRE_VERSION;
	out[1].type = WIRE_MSG_PING;
	out[1].u.ping.token = 424242;
	raw_send(&rc, out, 2, 1);
	/* The relay may batch both answers into one frame, or not. */
	while (got < 2) {
		raw_recv(&rc, f, in, &n);
		for (size_t i = 0; i < n; i++, got++) {
			if (in[i].type == WIRE_MSG_WELCOME)
				welcomed = !ponged;
			else if (in[i].type == WIRE_MSG_PONG)
				ponged = in[i].u.ping.token == 424242;
		}
	}
	assert_true(welcomed);
	assert_true(ponged);
	close(rc.fd);
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_ping_before_hello_refused(void **state)
{
	struct relay_proc rp;
	struct raw_client rc;
	struct wire_msg out, in[8];
	uint8_t f[PROTO_FRAME_MAX];
	size_t n;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	raw_handshake(&rc, &rp, 0);
	memset(&out, 0, sizeof out);
	out.type = WIRE_MSG_PING;
	out.u.ping.token = 1;
	raw_send(&rc, &out, 1, 0);
	raw_recv(&rc, f, in, &n);
	assert_int_equal(n, 1);
	assert_int_equal(in[0].type, WIRE_MSG_ERROR);
	assert_int_equal(in[0].u.error.code, PROTO_E_STATE);
	assert_int_equal(raw_wait_closed(rc.fd, 5000), 0);
	close(rc.fd);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_malformed_message_refused(void **state)
{
	struct relay_proc rp;
	struct raw_client rc;
	struct wire_msg in[8];
	uint8_t f[PROTO_FRAME_MAX], frame[2 + 5 + NOISE_TAG_LEN];
	/* An array claiming 2^31 elements: the memory bomb, encrypted. */
	const uint8_t bomb[5] = {0xdd, 0x7f, 0xff, 0xff, 0xff};
	size_t n;

	assert_int_equal(relay_proc_start(&rp, NULL), 0);
	raw_handshake(&rc, &rp, 0);
	memcpy(frame + 2, bomb, sizeof bomb);
	assert_int_equal(noise_cipher_encrypt(&rc.tx, NULL, 0, frame + 2,
	                     sizeof bomb, frame + 2),
	    0);
	frame_put_header(frame, sizeof bomb + NOISE_TAG_LEN);
	assert_int_equal(raw_write(rc.fd, frame, sizeof frame, 0), 0);
	raw_recv(&rc, f, in, &n);
	assert_int_equal(in[0].type, WIRE_MSG_ERROR);
	assert_int_equal(in[0].u.error.code, PROTO_E_MALFORMED);
	assert_int_equal(raw_wait_closed(rc.fd, 5000), 0);
	close(rc.fd);
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

static void
test_limits_busy_and_idle(void **state)
{
	static const char *const args[] = {
	    "--max-connections", "1", "--idle-timeout", "400", NULL};
	struct relay_proc rp;

	assert_int_equal(relay_proc_start(&rp, args), 0);
	/* Two clients that stay: one is served, one refused as busy. */
	{
		struct ping_set hold;
		unsigned ready = 0, busy = 0, idle = 0;

		memset(&hold, 0, sizeof hold);
		hold.n = 2;
		hold.hold = true;
		hold.p = calloc(2, sizeof *hold.p);
		assert_non_null(hold.p);
		assert_int_equal(uv_loop_init(&hold.loop), 0);
		assert_int_equal(stream_loop_init(&hold.sl, &hold.loop), 0);
		uv_timer_init(&hold.loop, &hold.deadline);
		hold.deadline.data = &hold;
		uv_timer_start(&hold.deadline, ping_set_on_deadline, 10000, 0);
		for (unsigned i = 0; i < 2; i++) {
			hold.p[i].set = &hold;
			assert_int_equal(
			    upstream_connect(&hold.p[i].up, &hold.sl, &rp.addr,
			        &pinger_ops, &hold.p[i]),
			    0);
		}
		uv_run(&hold.loop, UV_RUN_DEFAULT);
		stream_loop_release(&hold.sl);
		uv_run(&hold.loop, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&hold.loop), 0);
		assert_false(hold.timed_out);
		for (unsigned i = 0; i < 2; i++) {
			if (hold.p[i].ready)
				ready++;
			if (hold.p[i].err == ERR_HS_REFUSED)
				busy++;
			/* The served one is closed for idleness, with why. */
			if (hold.p[i].ready &&
			    strcmp(hold.p[i].reason, "idle timeout") == 0)
				idle++;
		}
		assert_int_equal(ready, 1);
		assert_int_equal(busy, 1);
		assert_int_equal(idle, 1);
		free(hold.p);
	}
	assert_relay_healthy(&rp);
	assert_int_equal(relay_proc_stop(&rp), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_many_clients_ping),
	    cmocka_unit_test(test_wrong_key_refused),
	    cmocka_unit_test(test_garbage_disconnected),
	    cmocka_unit_test(test_oversized_frame_disconnected),
	    cmocka_unit_test(test_half_handshake_times_out),
	    cmocka_unit_test(test_version_mismatch_refused),
	    cmocka_unit_test(test_byte_at_a_time),
	    cmocka_unit_test(test_ping_before_hello_refused),
	    cmocka_unit_test(test_abuse_spares_other_clients),
	    cmocka_unit_test(test_malformed_message_refused),
	    cmocka_unit_test(test_limits_busy_and_idle),
	};
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s HEARTH_RELAY\n", argv[0]);
		return 2;
	}
	harness_relay_bin = argv[1];
	if (sodium_init() < 0)
		return 2;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	secmem_shutdown();
	return rc;
}
