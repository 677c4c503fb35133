/* SPDX-License-Identifier: ISC */
/*
 * End-to-end crypto benchmark: nanoseconds per message for Double Ratchet
 * encrypt and decrypt, room (sender-key) encrypt and decrypt, and
 * sealed-sender seal and open, at 200 B and 4 KiB, printed next to raw
 * crypto_aead_xchacha20poly1305_ietf on the same sizes in the same run.
 * Every figure includes what the API makes the caller do per message (the
 * state copy; padding; the signature). Not a test: it prints figures (see
 * docs/benchmarks.md).
 *
 * usage: bench-crypto [MESSAGES]   (default 2000 per size and operation)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/pad.h"
#include "common/ratchet.h"
#include "common/sealed.h"
#include "common/senderkey.h"
#include "common/x3dh.h"

#define BENCH_SLOT 4608 /* a 4 KiB ratchet message and its overhead */
/* Room messages and envelopes are whole buckets: 4 KiB + overhead pads
 * to 16 KiB. */
#define BENCH_BUCKET 16384

static uint64_t
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
bench_print(const char *op, size_t size, uint64_t ns, unsigned n)
{
	printf("bench: crypto %-16s size=%-5zu ns_per_msg=%8.0f msgs=%u\n", op,
	    size, (double)ns / n, n);
}

static void
bench_fail(const char *what)
{
	fprintf(stderr, "bench: %s failed\n", what);
	exit(1);
}

static void
bench_raw(size_t size, unsigned n, uint8_t *msgs, const uint8_t *pt)
{
	uint8_t key[32], nonce[24], out[BENCH_SLOT];
	uint64_t t0;

	randombytes_buf(key, sizeof key);
	randombytes_buf(nonce, sizeof nonce);
	/* One untimed pass, so the first figure does not carry the CPU's
	 * warm-up. */
	for (unsigned i = 0; i < n; i++)
		crypto_aead_xchacha20poly1305_ietf_encrypt(
		    msgs + (size_t)i * BENCH_SLOT, NULL, pt, size, NULL, 0,
		    NULL, nonce, key);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		nonce[0] = (uint8_t)i;
		crypto_aead_xchacha20poly1305_ietf_encrypt(
		    msgs + (size_t)i * BENCH_SLOT, NULL, pt, size, NULL, 0,
		    NULL, nonce, key);
	}
	bench_print("raw-aead-encrypt", size, bench_now() - t0, n);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		nonce[0] = (uint8_t)i;
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
		        msgs + (size_t)i * BENCH_SLOT, size + 16, NULL, 0,
		        nonce, key) != 0)
			bench_fail("raw decrypt");
	}
	bench_print("raw-aead-decrypt", size, bench_now() - t0, n);
}

static void
bench_ratchet(size_t size, unsigned n, uint8_t *msgs, const uint8_t *pt)
{
	static struct ratchet a, b, t;
	struct ident ia, ib;
	struct x3dh_prekey spk;
	struct x3dh_bundle bundle;
	struct x3dh_init m;
	uint8_t ska[32], skb[32], ada[64], adb[64], out[BENCH_SLOT];
	size_t *lens = calloc(n, sizeof *lens), len;
	uint64_t t0;

	if (lens == NULL)
		bench_fail("calloc");
	ident_new(&ia);
	ident_new(&ib);
	x3dh_prekey_new(&spk, 1);
	x3dh_bundle_make(&bundle, &ib, &spk, NULL);
	if (x3dh_initiate(&ia, &bundle, &m, ska, ada) < 0 ||
	    x3dh_respond(&ib, &spk, NULL, &m, skb, adb) < 0 ||
	    ratchet_init_initiator(&a, ska, ada, spk.pub) < 0)
		bench_fail("session");
	ratchet_init_responder(&b, skb, adb, spk.priv, spk.pub);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		if (ratchet_encrypt(&a, &t, pt, size,
		        msgs + (size_t)i * BENCH_SLOT, BENCH_SLOT,
		        &lens[i]) < 0)
			bench_fail("ratchet encrypt");
		ratchet_copy(&a, &t);
	}
	bench_print("ratchet-encrypt", size, bench_now() - t0, n);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		if (ratchet_decrypt(&b, &t, msgs + (size_t)i * BENCH_SLOT,
		        lens[i], out, sizeof out, &len) < 0)
			bench_fail("ratchet decrypt");
		ratchet_copy(&b, &t);
	}
	bench_print("ratchet-decrypt", size, bench_now() - t0, n);
	free(lens);
}

static void
bench_room(size_t size, unsigned n, uint8_t *msgs, const uint8_t *pt)
{
	static struct senderkey_peer peer, pnext;
	static uint8_t out[BENCH_BUCKET];
	struct senderkey_room room;
	struct senderkey_own own, next;
	struct ident me;
	uint8_t secret[32], dist[SENDERKEY_DIST_LEN];
	size_t *lens = calloc(n, sizeof *lens), len;
	uint64_t t0;

	if (lens == NULL)
		bench_fail("calloc");
	senderkey_secret_new(secret);
	senderkey_room_derive(&room, secret);
	senderkey_own_new(&own, 1);
	ident_new(&me);
	senderkey_dist_encode(&own, &room, &me, dist);
	if (senderkey_dist_decode(&peer, &room, me.pk, dist, sizeof dist) < 0)
		bench_fail("distribution");
	ident_wipe(&me);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		if (senderkey_encrypt(&own, &next, &room, pt, size,
		        msgs + (size_t)i * BENCH_BUCKET, BENCH_BUCKET,
		        &lens[i]) < 0)
			bench_fail("room encrypt");
		own = next;
	}
	bench_print("room-encrypt", size, bench_now() - t0, n);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++) {
		if (senderkey_decrypt(&peer, &pnext, &room,
		        msgs + (size_t)i * BENCH_BUCKET, lens[i], out,
		        sizeof out, &len) < 0)
			bench_fail("room decrypt");
		senderkey_peer_copy(&peer, &pnext);
	}
	bench_print("room-decrypt", size, bench_now() - t0, n);
	free(lens);
}

static void
bench_sealed(size_t size, unsigned n, uint8_t *msgs, const uint8_t *pt)
{
	static uint8_t out[BENCH_BUCKET];
	struct ident sender;
	uint8_t pub[32], priv[32], who[32];
	size_t *lens = calloc(n, sizeof *lens), len;
	uint64_t t0;

	if (lens == NULL)
		bench_fail("calloc");
	ident_new(&sender);
	crypto_box_keypair(pub, priv);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++)
		if (sealed_seal(&sender, pub, pt, size,
		        msgs + (size_t)i * BENCH_BUCKET, BENCH_BUCKET,
		        &lens[i]) < 0)
			bench_fail("seal");
	bench_print("sealed-seal", size, bench_now() - t0, n);
	t0 = bench_now();
	for (unsigned i = 0; i < n; i++)
		if (sealed_open(pub, priv, msgs + (size_t)i * BENCH_BUCKET,
		        lens[i], who, out, sizeof out, &len) < 0)
			bench_fail("open");
	bench_print("sealed-open", size, bench_now() - t0, n);
	free(lens);
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = {200, 4096};
	unsigned n = 2000;
	uint8_t *msgs, pt[4096];
	char *end;

	if (argc > 1) {
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end != '\0' || v == 0 || v > 100000) {
			fprintf(stderr, "usage: bench-crypto [MESSAGES]\n");
			return 2;
		}
		n = (unsigned)v;
	}
	if (sodium_init() < 0)
		return 1;
	msgs = malloc((size_t)n * BENCH_BUCKET);
	if (msgs == NULL)
		bench_fail("malloc");
	/* Touch every page first, so no figure includes page faults. */
	memset(msgs, 0, (size_t)n * BENCH_BUCKET);
	randombytes_buf(pt, sizeof pt);
	for (size_t s = 0; s < 2; s++) {
		bench_raw(sizes[s], n, msgs, pt);
		bench_ratchet(sizes[s], n, msgs, pt);
		bench_room(sizes[s], n, msgs, pt);
		bench_sealed(sizes[s], n, msgs, pt);
	}
	free(msgs);
	return 0;
}
