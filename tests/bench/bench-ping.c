/* SPDX-License-Identifier: ISC */
/*
 * Transport benchmark: N clients keep W pings each in flight through a
 * real hearth-relay on loopback for a fixed number of round trips, and
 * the program prints round trips per second and latency percentiles. With
 * W = 1 every message is its own frame and system call; with larger W the
 * stream's per-turn batching packs many into one. Not a test: it prints
 * figures (see docs/benchmarks.md).
 *
 * usage: bench-ping HEARTH_RELAY CLIENTS WINDOW ROUNDS_PER_CLIENT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/upstream.h"
#include "common/err.h"
#include "common/secmem.h"
#include "tests/integration/harness.h"

struct bench_client {
	struct upstream up;
	struct bench *b;
	uint64_t sent, answered;
};

struct bench {
	uv_loop_t loop;
	struct stream_loop sl;
	struct bench_client *c;
	unsigned clients, window;
	uint64_t rounds;
	unsigned ready, closed;
	uint64_t start_ns, end_ns;
	uint32_t *lat_us; /* one sample per answered ping, all clients */
	uint64_t nlat, cap;
	int failed;
};

static void
bench_send(struct bench_client *c)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PING;
	m.u.ping.token = uv_hrtime();
	c->sent++;
	if (upstream_send(&c->up, &m) != 0)
		c->b->failed = 1;
}

static void
bench_start(struct bench *b)
{
	b->start_ns = uv_hrtime();
	for (unsigned i = 0; i < b->clients; i++)
		for (unsigned w = 0; w < b->window && w < b->rounds; w++)
			bench_send(&b->c[i]);
}

static void
bench_on_ready(struct upstream *u, const struct wire_welcome *w)
{
	struct bench_client *c = u->data;

	/* Start together, so every client measures the same load. */
	if (++c->b->ready == c->b->clients)
		bench_start(c->b);
}

static void
bench_on_msg(struct upstream *u, const struct wire_msg *m)
{
	struct bench_client *c = u->data;
	struct bench *b = c->b;
	uint64_t now = uv_hrtime();

	if (m->type != WIRE_MSG_PONG) {
		b->failed = 1;
		return;
	}
	if (b->nlat < b->cap)
		b->lat_us[b->nlat++] =
		    (uint32_t)((now - m->u.ping.token) / 1000);
	c->answered++;
	if (c->sent < b->rounds)
		bench_send(c);
	else if (c->answered == b->rounds) {
		b->end_ns = now;
		upstream_close(u);
	}
}

static void
bench_on_close(struct upstream *u, int err, const char *reason)
{
	struct bench_client *c = u->data;

	if (err != 0 || c->answered != c->b->rounds) {
		fprintf(
		    stderr, "bench: client closed early: %s\n", err_str(err));
		c->b->failed = 1;
		for (unsigned i = 0; i < c->b->clients; i++)
			upstream_close(&c->b->c[i].up);
	}
	c->b->closed++;
}

static const struct upstream_ops bench_ops = {
    .on_ready = bench_on_ready,
    .on_msg = bench_on_msg,
    .on_close = bench_on_close,
};

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

int
main(int argc, char **argv)
{
	struct relay_proc rp;
	struct bench b;
	double secs;

	if (argc != 5) {
		fprintf(stderr,
		    "usage: %s HEARTH_RELAY CLIENTS WINDOW "
		    "ROUNDS_PER_CLIENT\n",
		    argv[0]);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	memset(&b, 0, sizeof b);
	harness_relay_bin = argv[1];
	b.clients = (unsigned)strtoul(argv[2], NULL, 10);
	b.window = (unsigned)strtoul(argv[3], NULL, 10);
	b.rounds = strtoull(argv[4], NULL, 10);
	if (b.clients == 0 || b.clients > 1000 || b.window == 0 ||
	    b.window > 4096 || b.rounds == 0 || b.rounds > 10000000) {
		fprintf(stderr, "bench: arguments out of range\n");
		return 2;
	}
	b.cap = b.clients * b.rounds;
	b.lat_us = malloc(b.cap * sizeof *b.lat_us);
	b.c = calloc(b.clients, sizeof *b.c);
	if (b.lat_us == NULL || b.c == NULL)
		return 1;
	if (relay_proc_start(&rp, NULL) != 0)
		return 1;
	uv_loop_init(&b.loop);
	stream_loop_init(&b.sl, &b.loop);
	for (unsigned i = 0; i < b.clients; i++) {
		b.c[i].b = &b;
		if (upstream_connect(
		        &b.c[i].up, &b.sl, &rp.addr, &bench_ops, &b.c[i]) != 0)
			return 1;
	}
	uv_run(&b.loop, UV_RUN_DEFAULT);
	stream_loop_release(&b.sl);
	uv_run(&b.loop, UV_RUN_DEFAULT);
	uv_loop_close(&b.loop);
	relay_proc_stop(&rp);
	if (b.failed || b.nlat != b.cap) {
		fprintf(stderr, "bench: failed (%llu of %llu answered)\n",
		    (unsigned long long)b.nlat, (unsigned long long)b.cap);
		return 1;
	}
	qsort(b.lat_us, b.nlat, sizeof *b.lat_us, cmp_u32);
	secs = (double)(b.end_ns - b.start_ns) / 1e9;
	printf("bench: ping clients=%u window=%u round_trips=%llu "
	       "rate=%.0f/s p50=%uus p99=%uus max=%uus\n",
	    b.clients, b.window, (unsigned long long)b.nlat,
	    (double)b.nlat / secs, b.lat_us[b.nlat / 2],
	    b.lat_us[b.nlat * 99 / 100], b.lat_us[b.nlat - 1]);
	free(b.lat_us);
	free(b.c);
	secmem_shutdown();
	return 0;
}
