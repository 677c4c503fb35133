/* SPDX-License-Identifier: ISC */
/*
 * Room fan-out benchmark: N members of one room on a real hearth-relay on
 * loopback each publish M envelopes of SIZE bytes, keeping W publishes in
 * flight, while every member receives everyone else's. The program checks
 * that each member got exactly (N-1) * M envelopes and prints deliveries
 * per second. Every member's connection is a real client connection
 * (client/upstream.c) on one loop in this process. Not a test: it prints
 * figures (see docs/benchmarks.md).
 *
 * usage: bench-fanout HEARTH_RELAY MEMBERS PER_MEMBER SIZE WINDOW
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/secmem.h"
#include "tests/integration/harness.h"
#include "tests/integration/tclient.h"

struct fanout {
	struct tc *m;
	unsigned n, per, window;
	unsigned *sent;
	uint64_t want;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static bool
fanout_done(void *arg)
{
	struct fanout *f = arg;

	for (unsigned i = 0; i < f->n; i++)
		if (f->m[i].ninbox < f->want || f->m[i].ok_only < f->per)
			return false;
	return true;
}

static unsigned long
parse(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > max) {
		fprintf(stderr, "bench-fanout: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct relay_proc rp;
	struct tc_env e;
	struct fanout f;
	struct wire_msg w;
	uint8_t room[32], pub[32], sec[64], *env;
	uint64_t t0, t1, total = 0;
	size_t size;
	int rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: bench-fanout HEARTH_RELAY MEMBERS "
		                "PER_MEMBER SIZE WINDOW\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	harness_relay_bin = argv[1];
	f.n = (unsigned)parse(argv[2], 2000);
	f.per = (unsigned)parse(argv[3], 1000000);
	size = parse(argv[4], PROTO_ENVELOPE_MAX);
	f.window = (unsigned)parse(argv[5], 10000);
	f.want = (uint64_t)(f.n - 1) * f.per;
	f.m = calloc(f.n, sizeof *f.m);
	f.sent = calloc(f.n, sizeof *f.sent);
	env = calloc(1, size);
	if (f.m == NULL || f.sent == NULL || env == NULL)
		return 1;
	/* Limits raised so that nothing is throttled or dropped. */
	if (relay_proc_start(&rp,
	        (const char *const[]){"--max-connections-per-address", "100000",
	            "--rate", "1000000", "--rate-burst", "10000000",
	            "--queue-max", "268435456", "--room-keep-count", "100000",
	            "--log-level", "warn", NULL}) != 0)
		return 1;
	tc_env_init(&e);
	memset(room, 0x42, sizeof room);
	tc_keypair(1, pub, sec);
	for (unsigned i = 0; i < f.n; i++) {
		if (tc_open(&f.m[i], &e, &rp.addr) != 0) {
			fprintf(stderr, "bench-fanout: member %u failed\n", i);
			goto out;
		}
		f.m[i].count_only = true;
	}
	if (tc_room_create(&f.m[0], room, pub, 100000, 0) != 0)
		goto out;
	for (unsigned i = 0; i < f.n; i++)
		if (tc_room_sub(&f.m[i], room, sec) != 0)
			goto out;
	memset(&w, 0, sizeof w);
	w.type = WIRE_MSG_ROOM_PUB;
	w.u.put.id.p = room;
	w.u.put.id.len = 32;
	w.u.put.envelope.p = env;
	w.u.put.envelope.len = size;
	t0 = now_ns();
	while (!fanout_done(&f)) {
		for (unsigned i = 0; i < f.n; i++) {
			while (f.sent[i] < f.per &&
			       f.sent[i] - f.m[i].ok_only < f.window) {
				if (tc_send_only(&f.m[i], &w) != 0)
					goto out;
				f.sent[i]++;
			}
			if (f.m[i].closed) {
				fprintf(stderr,
				    "bench-fanout: member %u was "
				    "disconnected\n",
				    i);
				goto out;
			}
		}
		uv_run(&e.loop, UV_RUN_ONCE);
	}
	t1 = now_ns();
	for (unsigned i = 0; i < f.n; i++) {
		if (f.m[i].ninbox != f.want) {
			fprintf(stderr,
			    "bench-fanout: member %u got %zu of %llu\n", i,
			    f.m[i].ninbox, (unsigned long long)f.want);
			goto out;
		}
		total += f.m[i].ninbox;
	}
	printf("bench: fanout members=%u per_member=%u size=%zu window=%u "
	       "publishes=%llu deliveries=%llu seconds=%.3f "
	       "deliveries_per_s=%.0f publishes_per_s=%.0f\n",
	    f.n, f.per, size, f.window, (unsigned long long)f.n * f.per,
	    (unsigned long long)total, (double)(t1 - t0) / 1e9,
	    (double)total * 1e9 / (double)(t1 - t0),
	    (double)f.n * f.per * 1e9 / (double)(t1 - t0));
	rc = 0;
out:
	for (unsigned i = 0; i < f.n; i++)
		tc_close(&f.m[i]);
	tc_env_release(&e);
	relay_proc_stop(&rp);
	secmem_shutdown();
	free(f.m);
	free(f.sent);
	free(env);
	return rc;
}
