/* SPDX-License-Identifier: ISC */
/*
 * What the relay-operation tests (test-ops, test-limits) share: a relay
 * started and stopped under cmocka assertions, rooms made and joined with
 * access keys named by a seed byte, and the common main().
 */
#ifndef HEARTH_TESTS_OPS_H
#define HEARTH_TESTS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/integration/harness.h"
#include "tests/integration/tclient.h"
#include "tests/unit/cm.h"

/* Three room ids, filled by ops_main(). */
extern uint8_t room_a[32], room_b[32], room_c[32];

/* Starts (or stops and removes) a relay; fails the test if it cannot. */
void relay_up(struct relay_proc *rp, const char *const *extra);
void relay_down(struct relay_proc *rp);

/* Connects c to rp's relay; fails the test if it cannot. */
void open_ok(struct tc *c, struct tc_env *e, struct relay_proc *rp);

/* Creates room with the access key of seed byte k and log length keep. */
void make_room(struct tc *c, const uint8_t room[32], uint8_t k, uint64_t keep);

/* Subscribes c with the access key of seed byte k; the call's result. */
int sub_with(struct tc *c, const uint8_t room[32], uint8_t k);

/* Never true: tc_run(e, never, NULL, ms) just runs the loop for ms. */
bool never(void *arg);

/*
 * Takes the relay binary from argv, initialises libsodium and the room
 * ids. Returns 0, or the exit status for a bad command line.
 */
int ops_init(int argc, char **argv, const char *name);

#endif
