/* SPDX-License-Identifier: ISC */
/* Shared steps of the relay-operation tests. */
#include "tests/integration/ops.h"

#include <stdio.h>

#include <sodium.h>

uint8_t room_a[32], room_b[32], room_c[32];

void
relay_up(struct relay_proc *rp, const char *const *extra)
{
	assert_int_equal(relay_proc_start(rp, extra), 0);
}

void
relay_down(struct relay_proc *rp)
{
	assert_int_equal(relay_proc_stop(rp), 0);
}

void
open_ok(struct tc *c, struct tc_env *e, struct relay_proc *rp)
{
	assert_int_equal(tc_open(c, e, &rp->addr), 0);
}

void
make_room(struct tc *c, const uint8_t room[32], uint8_t k, uint64_t keep)
{
	uint8_t pub[32], sec[64];

	tc_keypair(k, pub, sec);
	assert_int_equal(tc_room_create(c, room, pub, keep, 0), 0);
}

int
sub_with(struct tc *c, const uint8_t room[32], uint8_t k)
{
	uint8_t pub[32], sec[64];

	tc_keypair(k, pub, sec);
	return tc_room_sub(c, room, sec);
}

bool
never(void *arg)
{
	return false;
}

int
ops_init(int argc, char **argv, const char *name)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s HEARTH_RELAY\n", name);
		return 2;
	}
	harness_relay_bin = argv[1];
	if (sodium_init() < 0)
		return 1;
	for (int i = 0; i < 32; i++) {
		room_a[i] = (uint8_t)(0xa0 + i);
		room_b[i] = (uint8_t)(0xb0 + i);
		room_c[i] = (uint8_t)(0xc0 + i);
	}
	return 0;
}
