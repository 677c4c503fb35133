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
#include "client/prekeys.h"
#include "client/session.h"
#include "client/store.h"
#include "common/proof.h"
#include "common/sealed.h"
#include "tests/unit/cm.h"

/* Big: one for the tests that need it. */
static struct engine e_shared;

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
	uint8_t id[CONTENT_ID_LEN], conv[32], sender[32], other[32];
	bool seen = true;
	int errors = 0;

	open_engine(&e, dir, &errors);
	randombytes_buf(id, sizeof id);
	randombytes_buf(conv, sizeof conv);
	randombytes_buf(sender, sizeof sender);
	randombytes_buf(other, sizeof other);
	assert_int_equal(engine_seen(&e, 'r', conv, sender, id, &seen), 0);
	assert_false(seen);
	assert_int_equal(engine_seen(&e, 'r', conv, sender, id, &seen), 0);
	assert_true(seen);
	/* The same id from someone else, or elsewhere, is another message:
	 * a member cannot make a reader drop someone's message (review). */
	assert_int_equal(engine_seen(&e, 'r', conv, other, id, &seen), 0);
	assert_false(seen);
	assert_int_equal(engine_seen(&e, 'd', sender, sender, id, &seen), 0);
	assert_false(seen);
	assert_int_equal(engine_seen(&e, 'r', other, sender, id, &seen), 0);
	assert_false(seen);
	close_engine(&e, dir);
}

static void
test_seen_prune(void **state)
{
	char dir[] = "/tmp/hearth-engine-XXXXXX";
	uint8_t old[CONTENT_ID_LEN], fresh[CONTENT_ID_LEN];
	uint8_t key[ENGINE_PID_LEN + 1 + 64 + CONTENT_ID_LEN], val[8];
	uint8_t conv[32] = {1}, sender[32] = {2};
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
	assert_int_equal(engine_seen(&e, 'r', conv, sender, fresh, &seen), 0);
	engine_seen_prune(&e);
	/* The old one is forgotten (seen as new), the fresh one kept. */
	assert_int_equal(engine_seen(&e, 'r', conv, sender, old, &seen), 0);
	assert_false(seen);
	assert_int_equal(engine_seen(&e, 'r', conv, sender, fresh, &seen), 0);
	assert_true(seen);
	close_engine(&e, dir);
}

/*
 * A first message for a signed prekey we do not have cannot be opened,
 * and neither can anything after it on that session: the engine says so
 * and forgets the session, so the next message either way starts a new
 * one (review finding: it used to drop them all in silence).
 */
static void
test_unopenable_first_message(void **state)
{
	char dir[] = "/tmp/hearth-engine-XXXXXX";
	static struct session s, next;
	static uint8_t frame[4096], env[8192];
	uint8_t pt[CONTENT_MAX], mbox_pub[32], mbox_dh[32], mbox_id[32];
	struct x3dh_prekey gone;
	struct x3dh_bundle b;
	struct ident peer;
	struct content c;
	struct wire_msg m;
	struct link l;
	size_t ptlen = 0, flen = 0, envlen = 0;
	int errors = 0;

	open_engine(&e_shared, dir, &errors);
	/* Our identity's bundle, but for a prekey we never kept. */
	x3dh_prekey_new(&gone, 999);
	x3dh_bundle_make(&b, &e_shared.keys->id, &gone, NULL);
	ident_new(&peer);
	session_empty(&s, e_shared.keys->id.pk);
	assert_int_equal(session_initiate(&s, &next, &peer, &b), 0);
	memset(&c, 0, sizeof c);
	c.type = CONTENT_TEXT;
	c.body = (const uint8_t *)"hello";
	c.len = 5;
	assert_int_equal(content_encode(&c, pt, sizeof pt, &ptlen), 0);
	assert_int_equal(
	    session_encrypt(&next, &s, pt, ptlen, frame, sizeof frame, &flen),
	    0);
	engine_mbox_pub(&e_shared, mbox_pub);
	proof_mbox_id(mbox_id, mbox_pub);
	assert_int_equal(
	    crypto_sign_ed25519_pk_to_curve25519(mbox_dh, mbox_pub), 0);
	assert_int_equal(
	    sealed_seal(&peer, mbox_dh, frame, flen, env, sizeof env, &envlen),
	    0);
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_MSG;
	m.u.deliver.id.p = mbox_id;
	m.u.deliver.id.len = 32;
	m.u.deliver.seq = 1;
	m.u.deliver.envelope.p = env;
	m.u.deliver.envelope.len = envlen;
	/* Not connected: the ack cannot go, which is fine here. */
	memset(&l, 0, sizeof l);
	l.state = LINK_WAITING;
	engine_dm_on_msg(&e_shared, &l, &m);
	assert_int_equal(errors, 1);
	close_engine(&e_shared, dir);
	x3dh_prekey_wipe(&gone);
}

/* The signed prekey changes a period after the last change, not before. */
static void
test_spk_rotation(void **state)
{
	char dir[] = "/tmp/hearth-engine-XXXXXX";
	uint8_t key[10 + ENGINE_PID_LEN], val[8];
	uint64_t then = (uint64_t)time(NULL) - 36 * 24 * 3600;
	uint64_t recent = (uint64_t)time(NULL) - 20 * 24 * 3600;
	struct x3dh_bundle b1, b2, b3;
	int errors = 0;

	open_engine(&e_shared, dir, &errors);
	assert_int_equal(engine_bundle(&e_shared, &b1), 0);
	engine_prekeys_rotate_due(&e_shared);
	assert_int_equal(engine_bundle(&e_shared, &b2), 0);
	assert_int_equal(b1.spk_id, b2.spk_id);
	assert_memory_equal(b1.spk, b2.spk, sizeof b1.spk);
	/* Twenty days on: not yet. */
	for (int i = 0; i < 8; i++)
		val[i] = (uint8_t)(recent >> (56 - 8 * i));
	assert_int_equal(
	    cstore_put(e_shared.store, CSTORE_SETTING, key,
	        engine_key(&e_shared, key, "prekeys-at", 10, NULL, 0), val,
	        sizeof val),
	    0);
	engine_prekeys_rotate_due(&e_shared);
	assert_int_equal(engine_bundle(&e_shared, &b2), 0);
	assert_int_equal(b1.spk_id, b2.spk_id);
	/* Thirty-six days on: a new one. */
	for (int i = 0; i < 8; i++)
		val[i] = (uint8_t)(then >> (56 - 8 * i));
	assert_int_equal(
	    cstore_put(e_shared.store, CSTORE_SETTING, key,
	        engine_key(&e_shared, key, "prekeys-at", 10, NULL, 0), val,
	        sizeof val),
	    0);
	engine_prekeys_rotate_due(&e_shared);
	assert_int_equal(engine_bundle(&e_shared, &b2), 0);
	assert_int_not_equal(b1.spk_id, b2.spk_id);
	assert_memory_not_equal(b1.spk, b2.spk, sizeof b1.spk);
	/* Just changed: the next check leaves it. */
	engine_prekeys_rotate_due(&e_shared);
	assert_int_equal(engine_bundle(&e_shared, &b3), 0);
	assert_int_equal(b2.spk_id, b3.spk_id);
	assert_int_equal(errors, 0);
	close_engine(&e_shared, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seen_once),
	    cmocka_unit_test(test_seen_prune),
	    cmocka_unit_test(test_spk_rotation),
	    cmocka_unit_test(test_unopenable_first_message),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
