/* SPDX-License-Identifier: ISC */
/*
 * The codec for the relay operations (rooms, mailboxes, prekeys, escrows):
 * byte-exact round trips of every type, fixed-size ids and keys, the
 * multiple-of-32 rule for one-time prekeys, envelope bounds, request
 * numbers, and the type numbers that stay undefined.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/wire.h"
#include "tests/unit/cm.h"

static uint8_t id1[PROTO_ID_LEN], key1[PROTO_KEY_LEN], sig1[PROTO_SIG_LEN];
static uint8_t big[PROTO_ENVELOPE_MAX + 64];

static struct wire_bytes
bytes(const uint8_t *p, size_t len)
{
	struct wire_bytes b = {p, len};

	return b;
}

/* One valid sample of every operation type, in *m[0..n). */
static size_t
samples(struct wire_msg *m)
{
	size_t n = 0;

	memset(m, 0, 32 * sizeof *m);
	m[n].type = WIRE_MSG_INFO_GET;
	m[n++].u.req.req = 1;
	m[n].type = WIRE_MSG_INFO;
	m[n].u.info.req = 2;
	m[n].u.info.software = bytes((const uint8_t *)"hearth-relay 0.2.0", 18);
	m[n].u.info.page_max = 256;
	m[n].u.info.room_keep_count_max = 100000;
	m[n].u.info.room_keep_age_max_s = 7776000;
	m[n].u.info.mbox_ttl_s = 2592000;
	m[n].u.info.mbox_quota_count = 5000;
	m[n].u.info.mbox_quota_bytes = UINT64_MAX;
	m[n++].u.info.escrow_max_s = 604800;
	m[n].type = WIRE_MSG_OK;
	m[n].u.ok.req = PROTO_REQ_MAX;
	m[n++].u.ok.value = UINT64_MAX;
	m[n].type = WIRE_MSG_FAIL;
	m[n].u.fail.req = 3;
	m[n].u.fail.code = PROTO_E_QUOTA;
	m[n++].u.fail.reason = bytes((const uint8_t *)"quota full", 10);
	m[n].type = WIRE_MSG_ROOM_CREATE;
	m[n].u.room_create.req = 4;
	m[n].u.room_create.room = bytes(id1, 32);
	m[n].u.room_create.access_pub = bytes(key1, 32);
	m[n].u.room_create.keep_count = 1000;
	m[n].u.room_create.keep_age_s = 86400;
	m[n++].u.room_create.token = bytes(big, PROTO_TOKEN_MAX);
	m[n].type = WIRE_MSG_ROOM_SUB;
	m[n].u.proof.req = 5;
	m[n].u.proof.id = bytes(id1, 32);
	m[n++].u.proof.sig = bytes(sig1, 64);
	m[n].type = WIRE_MSG_ROOM_UNSUB;
	m[n].u.id_req.req = 6;
	m[n++].u.id_req.id = bytes(id1, 32);
	m[n].type = WIRE_MSG_ROOM_PUB;
	m[n].u.put.req = 7;
	m[n].u.put.id = bytes(id1, 32);
	m[n++].u.put.envelope = bytes(big, PROTO_ENVELOPE_MAX);
	m[n].type = WIRE_MSG_ROOM_FETCH;
	m[n].u.fetch.req = 8;
	m[n].u.fetch.id = bytes(id1, 32);
	m[n].u.fetch.after = 99;
	m[n++].u.fetch.limit = UINT32_MAX;
	m[n].type = WIRE_MSG_ROOM_ROTATE;
	m[n].u.rotate.req = 9;
	m[n].u.rotate.room = bytes(id1, 32);
	m[n].u.rotate.new_pub = bytes(key1, 32);
	m[n++].u.rotate.sig = bytes(sig1, 64);
	m[n].type = WIRE_MSG_ROOM_MSG;
	m[n].u.deliver.id = bytes(id1, 32);
	m[n].u.deliver.seq = 1;
	m[n].u.deliver.time_s = 1795000000;
	m[n++].u.deliver.envelope = bytes(big, PROTO_ENVELOPE_MAX);
	m[n].type = WIRE_MSG_ROOM_ENDED;
	m[n].u.ended.room = bytes(id1, 32);
	m[n++].u.ended.code = PROTO_E_ROTATED;
	m[n].type = WIRE_MSG_MBOX_CLAIM;
	m[n].u.proof.req = 10;
	m[n].u.proof.id = bytes(key1, 32);
	m[n++].u.proof.sig = bytes(sig1, 64);
	m[n].type = WIRE_MSG_MBOX_PUT;
	m[n].u.put.req = 11;
	m[n].u.put.id = bytes(id1, 32);
	m[n++].u.put.envelope = bytes(big, 1);
	m[n].type = WIRE_MSG_MBOX_FETCH;
	m[n].u.fetch.req = 12;
	m[n++].u.fetch.id = bytes(id1, 32);
	m[n].type = WIRE_MSG_MBOX_ACK;
	m[n].u.ack.req = 13;
	m[n].u.ack.mbox = bytes(id1, 32);
	m[n++].u.ack.id = 77;
	m[n].type = WIRE_MSG_MBOX_MSG;
	m[n].u.deliver.id = bytes(id1, 32);
	m[n].u.deliver.seq = 77;
	m[n++].u.deliver.envelope = bytes(big, 256);
	m[n].type = WIRE_MSG_PREKEY_PUB;
	m[n].u.prekey_pub.req = 14;
	m[n].u.prekey_pub.mbox = bytes(id1, 32);
	m[n].u.prekey_pub.bundle = bytes(big, PROTO_BUNDLE_MAX);
	m[n++].u.prekey_pub.otks =
	    bytes(big, PROTO_KEY_LEN * PROTO_OTK_BATCH_MAX);
	m[n].type = WIRE_MSG_PREKEY_GET;
	m[n].u.id_req.req = 15;
	m[n++].u.id_req.id = bytes(id1, 32);
	m[n].type = WIRE_MSG_PREKEY;
	m[n].u.prekey.req = 16;
	m[n].u.prekey.bundle = bytes(big, 100);
	m[n++].u.prekey.otk = bytes(key1, 32);
	m[n].type = WIRE_MSG_ESCROW_PUT;
	m[n].u.escrow_put.req = 17;
	m[n].u.escrow_put.cancel_hash = bytes(id1, 32);
	m[n].u.escrow_put.mbox = bytes(id1, 32);
	m[n].u.escrow_put.release_s = 1795000000;
	m[n++].u.escrow_put.envelope = bytes(big, 1024);
	m[n].type = WIRE_MSG_ESCROW_CANCEL;
	m[n].u.escrow.req = 18;
	m[n++].u.escrow.token = bytes(id1, 32);
	m[n].type = WIRE_MSG_ESCROW_EXTEND;
	m[n].u.escrow.req = 19;
	m[n].u.escrow.token = bytes(id1, 32);
	m[n++].u.escrow.release_s = 1795000600;
	return n;
}

static void
test_round_trip_byte_exact(void **state)
{
	struct wire_msg m[32], out;
	struct buf a, b;
	size_t n = samples(m);

	assert_int_equal(n, 23);
	for (size_t i = 0; i < n; i++) {
		buf_init(&a, PROTO_PLAIN_MAX);
		buf_init(&b, PROTO_PLAIN_MAX);
		assert_int_equal(wire_encode(&a, &m[i]), 0);
		assert_true(a.len <= PROTO_PLAIN_MAX);
		assert_int_equal(wire_decode(a.data, a.len, &out), 0);
		assert_int_equal(out.type, m[i].type);
		assert_int_equal(wire_encode(&b, &out), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		assert_string_not_equal(wire_type_name(m[i].type), "unknown");
		buf_release(&a);
		buf_release(&b);
	}
}

static void
test_request_ids(void **state)
{
	struct wire_msg m[32];
	size_t n = samples(m);
	unsigned requests = 0;
	uint64_t req;

	for (size_t i = 0; i < n; i++) {
		bool is_req = wire_request_id(&m[i], &req);

		switch (m[i].type) {
		case WIRE_MSG_INFO:
		case WIRE_MSG_OK:
		case WIRE_MSG_FAIL:
		case WIRE_MSG_ROOM_MSG:
		case WIRE_MSG_ROOM_ENDED:
		case WIRE_MSG_MBOX_MSG:
		case WIRE_MSG_PREKEY:
			assert_false(is_req);
			assert_int_equal(req, 0);
			break;
		default:
			assert_true(is_req);
			assert_int_equal(req, m[i].u.req.req);
			requests++;
		}
	}
	assert_int_equal(requests, 16);
}

/*
 * The encoder refuses m and leaves the buffer untouched; the decoder's
 * side of the same rule is checked on hand-made bytes below (both read
 * one schema table).
 */
static void
assert_refused(const struct wire_msg *m)
{
	struct buf b;

	buf_init(&b, PROTO_PLAIN_MAX);
	assert_int_equal(wire_encode(&b, m), ERR_WIRE_SCHEMA);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_fixed_sizes(void **state)
{
	struct wire_msg m[32], t;

	samples(m);
	t = m[5]; /* ROOM_SUB */
	t.u.proof.id.len = 31;
	assert_refused(&t);
	t.u.proof.id.len = 33;
	assert_refused(&t);
	t = m[5];
	t.u.proof.sig.len = 63;
	assert_refused(&t);
	t = m[12]; /* MBOX_CLAIM */
	t.u.proof.id.len = 0;
	assert_refused(&t);
	t = m[4]; /* ROOM_CREATE */
	t.u.room_create.token.len = PROTO_TOKEN_MAX + 1;
	assert_refused(&t);
}

static void
test_prekey_units(void **state)
{
	struct wire_msg m[32], t;
	struct buf b;

	samples(m);
	t = m[17]; /* PREKEY_PUB */
	t.u.prekey_pub.otks.len = 33;
	assert_refused(&t);
	t.u.prekey_pub.otks.len = PROTO_KEY_LEN * (PROTO_OTK_BATCH_MAX + 1);
	assert_refused(&t);
	t.u.prekey_pub.otks.len = 0;
	t.u.prekey_pub.bundle.len = 0;
	buf_init(&b, PROTO_PLAIN_MAX);
	assert_int_equal(wire_encode(&b, &t), 0);
	buf_release(&b);
	t = m[19]; /* PREKEY */
	t.u.prekey.otk.len = 16;
	assert_refused(&t);
	t.u.prekey.otk.len = 64;
	assert_refused(&t);
	t.u.prekey.otk.len = 0;
	buf_init(&b, PROTO_PLAIN_MAX);
	assert_int_equal(wire_encode(&b, &t), 0);
	buf_release(&b);
	t.u.prekey.bundle.len = 0;
	assert_refused(&t);
}

static void
test_envelope_bounds(void **state)
{
	struct wire_msg m[32], t;

	samples(m);
	t = m[7]; /* ROOM_PUB */
	t.u.put.envelope.len = 0;
	assert_refused(&t);
	t.u.put.envelope.len = PROTO_ENVELOPE_MAX + 1;
	assert_refused(&t);
}

/* Decodes hand-made bytes: [type, fields...] with a too-short id. */
static void
test_decoder_refuses_short_id(void **state)
{
	/* [22, 1, bin8(31)] : ROOM_UNSUB with a 31-byte room id. */
	uint8_t p[3 + 2 + 31] = {0x93, 22, 1, 0xc4, 31};
	uint8_t q[3 + 2 + 32] = {0x93, 22, 1, 0xc4, 32};
	struct wire_msg out;

	assert_int_equal(wire_decode(p, sizeof p, &out), ERR_WIRE_SCHEMA);
	assert_int_equal(out.type, 0);
	assert_int_equal(wire_decode(q, sizeof q, &out), 0);
	assert_int_equal(out.type, WIRE_MSG_ROOM_UNSUB);
	assert_int_equal(out.u.id_req.req, 1);
	/* A str where a bin belongs is the wrong type, not a short id. */
	q[3] = 0xd9;
	assert_int_equal(wire_decode(q, sizeof q, &out), ERR_WIRE_SCHEMA);
}

static void
test_undefined_types(void **state)
{
	static const unsigned holes[] = {
	    6, 7, 8, 9, 14, 19, 28, 29, 35, 39, 43, 49, 53, 127};
	uint8_t p[2] = {0x91, 0};
	struct wire_msg out;

	for (size_t i = 0; i < sizeof holes / sizeof holes[0]; i++) {
		p[1] = (uint8_t)holes[i];
		assert_int_equal(wire_decode(p, 2, &out), ERR_WIRE_TYPE);
		assert_string_equal(wire_type_name(holes[i]), "unknown");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_byte_exact),
	    cmocka_unit_test(test_request_ids),
	    cmocka_unit_test(test_fixed_sizes),
	    cmocka_unit_test(test_prekey_units),
	    cmocka_unit_test(test_envelope_bounds),
	    cmocka_unit_test(test_decoder_refuses_short_id),
	    cmocka_unit_test(test_undefined_types),
	};

	memset(id1, 0x11, sizeof id1);
	memset(key1, 0x22, sizeof key1);
	memset(sig1, 0x33, sizeof sig1);
	memset(big, 0x44, sizeof big);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
