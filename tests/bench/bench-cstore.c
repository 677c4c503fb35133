/* SPDX-License-Identifier: ISC */
/*
 * The client store's costs: milliseconds to create and to open a store at
 * the default Argon2id cost, records put per second, all in one batch and
 * with one commit (one fsync) each, and the milliseconds cstore_expire
 * takes over a history of PUTS entries (it decrypts every one) of which
 * half expire. Values are 200 bytes, about a chat message. The figures
 * depend on the disk under DIR. Not a test: it prints figures.
 *
 * usage: bench-cstore DIR [PUTS]   (DIR: a new folder, wiped at the end;
 *                                   PUTS: default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/store.h"
#include "common/err.h"

#define BENCH_PASS "a passphrase of a reasonable length"
#define BENCH_VALUE 200

static double
bench_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Appends n history entries, every other one expiring at 1, and returns
 * the milliseconds cstore_expire takes to delete them.
 */
static double
bench_expire(struct cstore *st, unsigned n)
{
	uint8_t val[BENCH_VALUE];
	uint64_t id, deleted;
	double t0;
	unsigned i;

	memset(val, 'm', sizeof val);
	if (cstore_begin(st) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (cstore_log_append(st, CSTORE_HISTORY,
		        (const uint8_t *)"persona|room", 12, 1000 + i, i % 2,
		        val, sizeof val, &id) != 0)
			return -1;
	if (cstore_commit(st) != 0)
		return -1;
	t0 = bench_ms();
	if (cstore_expire(st, 1, &deleted) != 0 || deleted != n / 2)
		return -1;
	return bench_ms() - t0;
}

/* Puts n records with keys from first on; returns the milliseconds. */
static double
bench_puts(struct cstore *st, unsigned first, unsigned n, bool batch)
{
	uint8_t val[BENCH_VALUE];
	char key[32];
	double t0;
	unsigned i;
	int rc, len;

	memset(val, 'v', sizeof val);
	t0 = bench_ms();
	if (batch && cstore_begin(st) != 0)
		return -1;
	for (i = first; i < first + n; i++) {
		len = snprintf(key, sizeof key, "persona|peer-%u", i);
		rc = cstore_put(st, CSTORE_SEEN, (const uint8_t *)key,
		    (size_t)len, val, sizeof val);
		if (rc != 0) {
			fprintf(stderr, "bench-cstore: put: %s\n", err_str(rc));
			return -1;
		}
	}
	if (batch && cstore_commit(st) != 0)
		return -1;
	return bench_ms() - t0;
}

int
main(int argc, char **argv)
{
	struct cstore_cost cost;
	struct cstore *st = NULL;
	const char *msg = NULL;
	unsigned long nputs = 2000;
	double t0, create_ms, open_ms, batch_ms, each_ms, expire_ms;
	char *end;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench-cstore DIR [PUTS]\n");
		return 2;
	}
	if (argc == 3) {
		nputs = strtoul(argv[2], &end, 10);
		if (*end != '\0' || nputs == 0 || nputs > 1000000) {
			fprintf(stderr, "bench-cstore: PUTS is 1 to 1000000\n");
			return 2;
		}
	}
	cstore_cost_default(&cost);
	t0 = bench_ms();
	rc = cstore_open(
	    &st, argv[1], BENCH_PASS, strlen(BENCH_PASS), true, &cost, &msg);
	create_ms = bench_ms() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench-cstore: %s\n", msg);
		return 1;
	}
	cstore_close(st);
	t0 = bench_ms();
	rc = cstore_open(
	    &st, argv[1], BENCH_PASS, strlen(BENCH_PASS), false, &cost, &msg);
	open_ms = bench_ms() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench-cstore: %s\n", msg);
		return 1;
	}
	batch_ms = bench_puts(st, 0, (unsigned)nputs, true);
	/* One fsync each: a tenth as many is enough to measure. */
	each_ms =
	    bench_puts(st, (unsigned)nputs, (unsigned)(nputs / 10 + 1), false);
	expire_ms = bench_expire(st, (unsigned)nputs);
	cstore_close(st);
	rc = cstore_wipe(argv[1]);
	if (batch_ms < 0 || each_ms < 0 || expire_ms < 0 || rc != 0)
		return 1;
	printf("bench: cstore create_ms=%.0f open_ms=%.0f "
	       "puts_per_s_batch=%.0f puts_per_s_commit_each=%.0f "
	       "expire_ms=%.1f\n",
	    create_ms, open_ms, (double)nputs / batch_ms * 1e3,
	    (double)(nputs / 10 + 1) / each_ms * 1e3, expire_ms);
	return 0;
}
