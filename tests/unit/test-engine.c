/* SPDX-License-Identifier: ISC */
/*
 * The engine on a real store, without a relay: the duplicate check that
 * makes delivery exactly-once, and its pruning of ids too old for any
 * resend to come.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/store.h"
#include "tests/unit/cm.h"

static const struct cstore_cost cheap = {
    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

static void
sink(void *arg, const struct engine_event *ev)
{
	int *errors = arg;

	if (ev->kind == ENGINE_EV_ERROR)
		(*errors)++;
}

/* Opens an engine on a fresh store in a temporary folder. */
static void
open_engine(struct engine *e, char *dir, int *errors)
{
	const char *msg = NULL;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(
	    engine_open(e, dir, "pw", 2, &cheap, NULL, sink, errors, &msg), 0);
	engine_persona_new(e, "ana");
	assert_int_equal(*errors, 0);
}

static void
close_engine(struct engine *e, const char *dir)
{
	engine_close(e);
	assert_int_equal(cstore_wipe(dir), 0);
}

static void
test_seen_once(void **state)
{
	char dir[] = "/tmp/hearth-engine-XXXXXX";
	struct engine e;
	uint8_t id[CONTENT_ID_LEN];
	bool seen = true;
	int errors = 0;

	open_engine(&e, dir, &errors);
	randombytes_buf(id, sizeof id);
	assert_int_equal(engine_seen(&e, id, &seen), 0);
	assert_false(seen);
	assert_int_equal(engine_seen(&e, id, &seen), 0);
	assert_true(seen);
	close_engine(&e, dir);
}

static void
test_seen_prune(void **state)
{
	char dir[] = "/tmp/hearth-engine-XXXXXX";
	uint8_t old[CONTENT_ID_LEN], fresh[CONTENT_ID_LEN];
	uint8_t key[ENGINE_PID_LEN + CONTENT_ID_LEN], val[8];
	uint64_t then = (uint64_t)time(NULL) - ENGINE_SEEN_KEEP_S - 60;
	struct engine e;
	bool seen = false;
	int errors = 0;

	open_engine(&e, dir, &errors);
	randombytes_buf(old, sizeof old);
	randombytes_buf(fresh, sizeof fresh);
	/* One id seen long ago, as the engine stores it; one seen now. */
	for (int i = 0; i < 8; i++)
		val[i] = (uint8_t)(then >> (56 - 8 * i));
	assert_int_equal(
	    cstore_put(e.store, CSTORE_SEEN, key,
	        engine_key(&e, key, old, sizeof old, NULL, 0), val, sizeof val),
	    0);
	assert_int_equal(engine_seen(&e, fresh, &seen), 0);
	engine_seen_prune(&e);
	/* The old one is forgotten (seen as new), the fresh one kept. */
	assert_int_equal(engine_seen(&e, old, &seen), 0);
	assert_false(seen);
	assert_int_equal(engine_seen(&e, fresh, &seen), 0);
	assert_true(seen);
	close_engine(&e, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seen_once),
	    cmocka_unit_test(test_seen_prune),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
