/* SPDX-License-Identifier: ISC */
/*
 * The message codec: a hand-written, non-allocating walk that bounds every
 * message before msgpack-c sees it, then an exact, table-driven schema check
 * that copies the fields out into struct wire_msg.
 *
 * Each message type is one row of wire_schemas[]: its name and its fields,
 * each with a kind, an offset into struct wire_msg and bounds. Decoding and
 * encoding both read that table, so adding a message is one row and one
 * struct, and the encoder can never send what the decoder would refuse.
 *
 * msgpack-c reserves count * sizeof(msgpack_object) on a container header
 * before any element arrives, so it only ever sees bytes wire_check() has
 * bounded. Only this file includes <msgpack.h>.
 */
#include "common/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/proto.h"
#include "common/utf8.h"

/* The longest field list of any message type. */
#define WIRE_FIELDS_MAX 9

enum wire_field_kind {
	WIRE_FIELD_NONE = 0, /* unused slot */
	WIRE_FIELD_UINT,     /* uint64_t; msgpack positive integer <= max */
	WIRE_FIELD_BYTES,    /* struct wire_bytes; msgpack bin */
	WIRE_FIELD_STR,      /* struct wire_bytes; msgpack str, UTF-8, no NUL */
};

struct wire_field {
	enum wire_field_kind kind;
	size_t offset;  /* of the member inside struct wire_msg */
	uint64_t max;   /* largest value (UINT) or byte length (BYTES, STR) */
	size_t min_len; /* shortest byte length; == max for fixed sizes */
	size_t unit;    /* byte length must be a multiple of this, or 0 */
};

struct wire_schema {
	const char *name; /* NULL: no such message type */
	bool request;     /* a client request: fields[0] is its number */
	size_t nfields;
	struct wire_field fields[WIRE_FIELDS_MAX];
};

#define WIRE_UINT(member, maxval)                                              \
	{                                                                      \
		WIRE_FIELD_UINT, offsetof(struct wire_msg, u.member), maxval,  \
		    0, 0                                                       \
	}
#define WIRE_STR(member, minlen, maxlen)                                       \
	{                                                                      \
		WIRE_FIELD_STR, offsetof(struct wire_msg, u.member), maxlen,   \
		    minlen, 0                                                  \
	}
#define WIRE_BIN(member, minlen, maxlen)                                       \
	{                                                                      \
		WIRE_FIELD_BYTES, offsetof(struct wire_msg, u.member), maxlen, \
		    minlen, 0                                                  \
	}
#define WIRE_BIN_UNITS(member, unitlen, maxlen)                                \
	{                                                                      \
		WIRE_FIELD_BYTES, offsetof(struct wire_msg, u.member), maxlen, \
		    0, unitlen                                                 \
	}
#define WIRE_ID(member) WIRE_BIN(member, PROTO_ID_LEN, PROTO_ID_LEN)
#define WIRE_KEY(member) WIRE_BIN(member, PROTO_KEY_LEN, PROTO_KEY_LEN)
#define WIRE_SIG(member) WIRE_BIN(member, PROTO_SIG_LEN, PROTO_SIG_LEN)
#define WIRE_ENV(member) WIRE_BIN(member, 1, PROTO_ENVELOPE_MAX)
#define WIRE_REQ(member) WIRE_UINT(member, PROTO_REQ_MAX)

/*
 * Indexed by enum wire_type. Keep in step with proto.h and
 * man/hearth-protocol.7; a change here bumps WIRE_VERSION.
 */
static const struct wire_schema wire_schemas[WIRE_MSG_TYPE_MAX + 1] = {
    [WIRE_MSG_HELLO] = {"hello", false, 2,
        {WIRE_UINT(hello.version, 255), WIRE_UINT(hello.features, UINT64_MAX)}},
    [WIRE_MSG_WELCOME] = {"welcome", false, 3,
        {WIRE_UINT(welcome.version, 255),
            WIRE_UINT(welcome.frame_max, UINT64_MAX),
            WIRE_UINT(welcome.idle_ms, UINT64_MAX)}},
    [WIRE_MSG_PING] = {"ping", false, 1, {WIRE_UINT(ping.token, UINT64_MAX)}},
    [WIRE_MSG_PONG] = {"pong", false, 1, {WIRE_UINT(ping.token, UINT64_MAX)}},
    [WIRE_MSG_ERROR] = {"error", false, 2,
        {WIRE_UINT(error.code, 65535),
            WIRE_STR(error.reason, 0, PROTO_REASON_MAX)}},
    [WIRE_MSG_INFO_GET] = {"info_get", true, 1, {WIRE_REQ(req.req)}},
    [WIRE_MSG_INFO] = {"info", false, 9,
        {WIRE_REQ(info.req), WIRE_STR(info.software, 0, PROTO_SOFTWARE_MAX),
            WIRE_UINT(info.page_max, UINT32_MAX),
            WIRE_UINT(info.room_keep_count_max, UINT64_MAX),
            WIRE_UINT(info.room_keep_age_max_s, UINT64_MAX),
            WIRE_UINT(info.mbox_ttl_s, UINT64_MAX),
            WIRE_UINT(info.mbox_quota_count, UINT64_MAX),
            WIRE_UINT(info.mbox_quota_bytes, UINT64_MAX),
            WIRE_UINT(info.escrow_max_s, UINT64_MAX)}},
    [WIRE_MSG_OK] = {"ok", false, 2,
        {WIRE_REQ(ok.req), WIRE_UINT(ok.value, UINT64_MAX)}},
    [WIRE_MSG_FAIL] = {"fail", false, 3,
        {WIRE_REQ(fail.req), WIRE_UINT(fail.code, 65535),
            WIRE_STR(fail.reason, 0, PROTO_REASON_MAX)}},
    [WIRE_MSG_ROOM_CREATE] = {"room_create", true, 6,
        {WIRE_REQ(room_create.req), WIRE_ID(room_create.room),
            WIRE_KEY(room_create.access_pub),
            WIRE_UINT(room_create.keep_count, UINT64_MAX),
            WIRE_UINT(room_create.keep_age_s, UINT64_MAX),
            WIRE_BIN(room_create.token, 0, PROTO_TOKEN_MAX)}},
    [WIRE_MSG_ROOM_SUB] = {"room_sub", true, 3,
        {WIRE_REQ(proof.req), WIRE_ID(proof.id), WIRE_SIG(proof.sig)}},
    [WIRE_MSG_ROOM_UNSUB] = {"room_unsub", true, 2,
        {WIRE_REQ(id_req.req), WIRE_ID(id_req.id)}},
    [WIRE_MSG_ROOM_PUB] = {"room_pub", true, 3,
        {WIRE_REQ(put.req), WIRE_ID(put.id), WIRE_ENV(put.envelope)}},
    [WIRE_MSG_ROOM_FETCH] = {"room_fetch", true, 4,
        {WIRE_REQ(fetch.req), WIRE_ID(fetch.id),
            WIRE_UINT(fetch.after, UINT64_MAX),
            WIRE_UINT(fetch.limit, UINT32_MAX)}},
    [WIRE_MSG_ROOM_ROTATE] = {"room_rotate", true, 4,
        {WIRE_REQ(rotate.req), WIRE_ID(rotate.room), WIRE_KEY(rotate.new_pub),
            WIRE_SIG(rotate.sig)}},
    [WIRE_MSG_ROOM_MSG] = {"room_msg", false, 4,
        {WIRE_ID(deliver.id), WIRE_UINT(deliver.seq, UINT64_MAX),
            WIRE_UINT(deliver.time_s, UINT64_MAX), WIRE_ENV(deliver.envelope)}},
    [WIRE_MSG_ROOM_ENDED] = {"room_ended", false, 2,
        {WIRE_ID(ended.room), WIRE_UINT(ended.code, 65535)}},
    [WIRE_MSG_MBOX_CLAIM] = {"mbox_claim", true, 3,
        {WIRE_REQ(proof.req), WIRE_KEY(proof.id), WIRE_SIG(proof.sig)}},
    [WIRE_MSG_MBOX_PUT] = {"mbox_put", true, 3,
        {WIRE_REQ(put.req), WIRE_ID(put.id), WIRE_ENV(put.envelope)}},
    [WIRE_MSG_MBOX_FETCH] = {"mbox_fetch", true, 4,
        {WIRE_REQ(fetch.req), WIRE_ID(fetch.id),
            WIRE_UINT(fetch.after, UINT64_MAX),
            WIRE_UINT(fetch.limit, UINT32_MAX)}},
    [WIRE_MSG_MBOX_ACK] = {"mbox_ack", true, 3,
        {WIRE_REQ(ack.req), WIRE_ID(ack.mbox), WIRE_UINT(ack.id, UINT64_MAX)}},
    [WIRE_MSG_MBOX_MSG] = {"mbox_msg", false, 4,
        {WIRE_ID(deliver.id), WIRE_UINT(deliver.seq, UINT64_MAX),
            WIRE_UINT(deliver.time_s, UINT64_MAX), WIRE_ENV(deliver.envelope)}},
    [WIRE_MSG_PREKEY_PUB] = {"prekey_pub", true, 4,
        {WIRE_REQ(prekey_pub.req), WIRE_ID(prekey_pub.mbox),
            WIRE_BIN(prekey_pub.bundle, 0, PROTO_BUNDLE_MAX),
            WIRE_BIN_UNITS(prekey_pub.otks, PROTO_KEY_LEN,
                PROTO_KEY_LEN *PROTO_OTK_BATCH_MAX)}},
    [WIRE_MSG_PREKEY_GET] = {"prekey_get", true, 2,
        {WIRE_REQ(id_req.req), WIRE_ID(id_req.id)}},
    [WIRE_MSG_PREKEY] = {"prekey", false, 3,
        {WIRE_REQ(prekey.req), WIRE_BIN(prekey.bundle, 1, PROTO_BUNDLE_MAX),
            WIRE_BIN_UNITS(prekey.otk, PROTO_KEY_LEN, PROTO_KEY_LEN)}},
    [WIRE_MSG_ESCROW_PUT] = {"escrow_put", true, 5,
        {WIRE_REQ(escrow_put.req), WIRE_ID(escrow_put.cancel_hash),
            WIRE_ID(escrow_put.mbox),
            WIRE_UINT(escrow_put.release_s, UINT64_MAX),
            WIRE_ENV(escrow_put.envelope)}},
    [WIRE_MSG_ESCROW_CANCEL] = {"escrow_cancel", true, 2,
        {WIRE_REQ(escrow.req), WIRE_ID(escrow.token)}},
    [WIRE_MSG_ESCROW_EXTEND] = {"escrow_extend", true, 3,
        {WIRE_REQ(escrow.req), WIRE_ID(escrow.token),
            WIRE_UINT(escrow.release_s, UINT64_MAX)}},
};

/* What a msgpack type byte starts, for wire_check(). */
enum wire_head_kind {
	WIRE_HEAD_DATA,  /* value bytes of payload: ints, floats, str, bin */
	WIRE_HEAD_EXT,   /* a type byte, then value bytes of data */
	WIRE_HEAD_ARRAY, /* value elements */
	WIRE_HEAD_MAP,   /* value key-value pairs */
};

struct wire_head {
	enum wire_head_kind kind;
	size_t width; /* if > 0, value is this many big-endian bytes next */
	uint64_t value;
};

/* Where msgpack_packer's bytes go during wire_encode(). */
struct wire_sink {
	struct buf *b;
	int rc;
};

static int wire_on_write(void *data, const char *p, size_t len);

static const struct wire_schema *
wire_schema_of(uint64_t type)
{
	if (type > WIRE_MSG_TYPE_MAX || wire_schemas[type].name == NULL)
		return NULL;
	return &wire_schemas[type];
}

static uint64_t *
wire_field_uint(struct wire_msg *m, const struct wire_field *f)
{
	return (uint64_t *)(void *)((char *)m + f->offset);
}

static struct wire_bytes *
wire_field_bytes(struct wire_msg *m, const struct wire_field *f)
{
	return (struct wire_bytes *)(void *)((char *)m + f->offset);
}

static const uint64_t *
wire_field_cuint(const struct wire_msg *m, const struct wire_field *f)
{
	return (const uint64_t *)(const void *)((const char *)m + f->offset);
}

static const struct wire_bytes *
wire_field_cbytes(const struct wire_msg *m, const struct wire_field *f)
{
	return (const struct wire_bytes *)(const void *)((const char *)m +
	                                                 f->offset);
}

/* Reads the n-byte big-endian unsigned integer at p. */
static uint64_t
wire_load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Classifies the msgpack type byte b into *h. Returns 0, or
 * ERR_WIRE_MALFORMED for 0xc1, the one byte msgpack never uses.
 */
static int
wire_head(uint8_t b, struct wire_head *h)
{
	h->kind = WIRE_HEAD_DATA;
	h->width = 0;
	h->value = 0;
	if (b <= 0x7f || b >= 0xe0)
		return 0; /* fixint */
	if (b <= 0x8f) {
		h->kind = WIRE_HEAD_MAP;
		h->value = b & 0x0f;
		return 0;
	}
	if (b <= 0x9f) {
		h->kind = WIRE_HEAD_ARRAY;
		h->value = b & 0x0f;
		return 0;
	}
	if (b <= 0xbf) {
		h->value = b & 0x1f; /* fixstr */
		return 0;
	}
	switch (b) {
	case 0xc0: /* nil, false, true */
	case 0xc2:
	case 0xc3:
		return 0;
	case 0xc4: /* bin 8, 16, 32 */
	case 0xc5:
	case 0xc6:
		h->width = (size_t)1 << (b - 0xc4);
		return 0;
	case 0xc7: /* ext 8, 16, 32 */
	case 0xc8:
	case 0xc9:
		h->kind = WIRE_HEAD_EXT;
		h->width = (size_t)1 << (b - 0xc7);
		return 0;
	case 0xca: /* float 32, 64 */
	case 0xcb:
		h->value = (uint64_t)4 << (b - 0xca);
		return 0;
	case 0xcc: /* uint 8..64 */
	case 0xcd:
	case 0xce:
	case 0xcf:
		h->value = (uint64_t)1 << (b - 0xcc);
		return 0;
	case 0xd0: /* int 8..64 */
	case 0xd1:
	case 0xd2:
	case 0xd3:
		h->value = (uint64_t)1 << (b - 0xd0);
		return 0;
	case 0xd4: /* fixext 1..16 */
	case 0xd5:
	case 0xd6:
	case 0xd7:
	case 0xd8:
		h->kind = WIRE_HEAD_EXT;
		h->value = (uint64_t)1 << (b - 0xd4);
		return 0;
	case 0xd9: /* str 8, 16, 32 */
	case 0xda:
	case 0xdb:
		h->width = (size_t)1 << (b - 0xd9);
		return 0;
	case 0xdc: /* array 16, 32 */
	case 0xdd:
		h->kind = WIRE_HEAD_ARRAY;
		h->width = (size_t)2 << (b - 0xdc);
		return 0;
	case 0xde: /* map 16, 32 */
	case 0xdf:
		h->kind = WIRE_HEAD_MAP;
		h->width = (size_t)2 << (b - 0xde);
		return 0;
	default:
		return ERR_WIRE_MALFORMED;
	}
}

/*
 * Checks a byte field against its bounds and, for text, its encoding.
 * Shared by both directions so they agree on what is valid.
 */
static int
wire_check_bytes(const struct wire_field *f, const uint8_t *p, size_t len)
{
	if (len < f->min_len || len > f->max)
		return ERR_WIRE_SCHEMA;
	if (f->unit != 0 && len % f->unit != 0)
		return ERR_WIRE_SCHEMA;
	if (len > 0 && p == NULL)
		return ERR_WIRE_SCHEMA;
	if (f->kind == WIRE_FIELD_STR && !utf8_valid(p, len))
		return ERR_UTF8;
	return 0;
}

/*
 * Copies one msgpack field into *out after checking its type and bounds.
 * in[0..len) is the decoder's input: byte fields must lie inside it, since
 * the zone that msgpack-c built is gone once wire_decode() returns.
 */
static int
wire_get_field(const struct wire_field *f, const msgpack_object *o,
    const uint8_t *in, size_t len, struct wire_msg *out)
{
	const char *ptr;
	size_t size;
	uintptr_t start, base;
	int rc;

	switch (f->kind) {
	case WIRE_FIELD_UINT:
		/* Negative integers are the wrong type, not a small value. */
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return ERR_WIRE_SCHEMA;
		if (o->via.u64 > f->max)
			return ERR_WIRE_SCHEMA;
		*wire_field_uint(out, f) = o->via.u64;
		return 0;
	case WIRE_FIELD_STR:
		if (o->type != MSGPACK_OBJECT_STR)
			return ERR_WIRE_SCHEMA;
		ptr = o->via.str.ptr;
		size = o->via.str.size;
		break;
	case WIRE_FIELD_BYTES:
		if (o->type != MSGPACK_OBJECT_BIN)
			return ERR_WIRE_SCHEMA;
		ptr = o->via.bin.ptr;
		size = o->via.bin.size;
		break;
	default:
		return ERR_WIRE_SCHEMA;
	}
	/*
	 * msgpack-c 4.0 leaves the pointer of an empty str or bin unset, so
	 * give it one that is valid and inside the input: callers may pass
	 * it to memcpy().
	 */
	if (size == 0)
		ptr = (const char *)in;
	/*
	 * msgpack-c 4.0 points other str and bin objects into the input
	 * (template_callback_str/_bin). Should a later version copy them into
	 * the zone instead, returning the pointer would hand out freed
	 * memory, so refuse anything outside the input. Integer compare,
	 * because ordering unrelated pointers is undefined.
	 */
	start = (uintptr_t)ptr;
	base = (uintptr_t)in;
	if (start < base || start - base > len || size > len - (start - base))
		return ERR_WIRE_MALFORMED;
	rc = wire_check_bytes(f, (const uint8_t *)ptr, size);
	if (rc != 0)
		return rc;
	wire_field_bytes(out, f)->p = (const uint8_t *)ptr;
	wire_field_bytes(out, f)->len = size;
	return 0;
}

/* Checks the exact schema of a parsed message and copies it into *out. */
static int
wire_from_object(const msgpack_object *o, const uint8_t *in, size_t len,
    struct wire_msg *out)
{
	const struct wire_schema *s;
	const msgpack_object *item;
	int rc;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
		return ERR_WIRE_SCHEMA;
	item = o->via.array.ptr;
	/* A negative type is a type number nobody defines, not a bad field. */
	if (item[0].type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return ERR_WIRE_TYPE;
	if (item[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return ERR_WIRE_SCHEMA;
	s = wire_schema_of(item[0].via.u64);
	if (s == NULL)
		return ERR_WIRE_TYPE;
	if (o->via.array.size != 1 + s->nfields)
		return ERR_WIRE_SCHEMA;
	out->type = (enum wire_type)item[0].via.u64;
	for (size_t i = 0; i < s->nfields; i++) {
		rc = wire_get_field(&s->fields[i], &item[1 + i], in, len, out);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Parses p[0..len), which wire_check() has already bounded to exactly one
 * object, and checks its schema. The zone lives only inside this call.
 */
static int
wire_decode_span(const uint8_t *p, size_t len, struct wire_msg *out)
{
	msgpack_zone zone;
	msgpack_object obj;
	msgpack_unpack_return ret;
	size_t off = 0;
	int rc;

	if (!msgpack_zone_init(&zone, MSGPACK_ZONE_CHUNK_SIZE))
		return ERR_NOMEM;
	ret = msgpack_unpack((const char *)p, len, &off, &zone, &obj);
	if (ret == MSGPACK_UNPACK_NOMEM_ERROR) {
		rc = ERR_NOMEM;
		goto out;
	}
	/*
	 * wire_check() accepted exactly len bytes, so anything but success
	 * means msgpack-c and the walker disagree (or an allocation inside
	 * the parse failed, which msgpack-c also reports as a parse error):
	 * refuse rather than guess.
	 */
	if (ret != MSGPACK_UNPACK_SUCCESS || off != len) {
		rc = ERR_WIRE_MALFORMED;
		goto out;
	}
	rc = wire_from_object(&obj, p, len, out);
out:
	msgpack_zone_destroy(&zone);
	return rc;
}

static int
wire_on_write(void *data, const char *p, size_t len)
{
	struct wire_sink *sink = data;
	int rc;

	rc = buf_append(sink->b, p, len);
	if (rc != 0) {
		sink->rc = rc;
		return -1;
	}
	return 0;
}

/* Checks that m satisfies schema s, as the decoder would. */
static int
wire_validate(const struct wire_schema *s, const struct wire_msg *m)
{
	const struct wire_field *f;
	const struct wire_bytes *b;

	for (size_t i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		switch (f->kind) {
		case WIRE_FIELD_UINT:
			if (*wire_field_cuint(m, f) > f->max)
				return ERR_WIRE_SCHEMA;
			break;
		case WIRE_FIELD_STR:
		case WIRE_FIELD_BYTES:
			b = wire_field_cbytes(m, f);
			if (wire_check_bytes(f, b->p, b->len) != 0)
				return ERR_WIRE_SCHEMA;
			break;
		default:
			return ERR_WIRE_SCHEMA;
		}
	}
	return 0;
}

int
wire_check(const uint8_t *p, size_t len, size_t *obj_len)
{
	/* Elements still expected by each open container, outermost first. */
	uint64_t pending[PROTO_MSG_DEPTH_MAX];
	size_t off = 0, depth = 0, objects = 0;
	struct wire_head h;
	uint64_t n;
	int rc;

	*obj_len = 0;
	for (;;) {
		if (off == len)
			return ERR_TRUNCATED;
		if (++objects > PROTO_MSG_OBJECTS_MAX)
			return ERR_WIRE_LIMIT;
		rc = wire_head(p[off++], &h);
		if (rc != 0)
			return rc;
		n = h.value;
		if (h.width > 0) {
			if (len - off < h.width)
				return ERR_TRUNCATED;
			n = wire_load_be(p + off, h.width);
			off += h.width;
		}
		switch (h.kind) {
		case WIRE_HEAD_EXT:
			/* The ext type byte precedes the n data bytes. */
			n += 1;
			/* FALLTHROUGH */
		case WIRE_HEAD_DATA:
			if (len - off < n)
				return ERR_TRUNCATED;
			off += (size_t)n;
			break;
		case WIRE_HEAD_MAP:
			n *= 2;
			/* FALLTHROUGH */
		case WIRE_HEAD_ARRAY:
			/*
			 * Every element takes at least one byte, so a count
			 * past the bytes left is a lie meant to make the
			 * parser reserve memory for it.
			 */
			if (n > len - off)
				return ERR_WIRE_LIMIT;
			if (depth == PROTO_MSG_DEPTH_MAX)
				return ERR_WIRE_LIMIT;
			if (n > 0) {
				pending[depth++] = n;
				continue;
			}
			break;
		}
		/* One object ended: close every container it completes. */
		while (depth > 0 && --pending[depth - 1] == 0)
			depth--;
		if (depth == 0)
			break;
	}
	*obj_len = off;
	return 0;
}

int
wire_decode(const uint8_t *p, size_t len, struct wire_msg *out)
{
	size_t obj_len;
	int rc;

	memset(out, 0, sizeof *out);
	rc = wire_check(p, len, &obj_len);
	if (rc != 0)
		return rc;
	if (obj_len != len)
		return ERR_WIRE_TRAILING;
	rc = wire_decode_span(p, len, out);
	if (rc != 0)
		memset(out, 0, sizeof *out);
	return rc;
}

int
wire_next(const uint8_t *p, size_t len, size_t *used, struct wire_msg *out)
{
	size_t obj_len;
	int rc;

	*used = 0;
	memset(out, 0, sizeof *out);
	rc = wire_check(p, len, &obj_len);
	if (rc != 0)
		return rc;
	rc = wire_decode_span(p, obj_len, out);
	if (rc != 0) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	*used = obj_len;
	return 0;
}

int
wire_encode(struct buf *out, const struct wire_msg *m)
{
	const struct wire_schema *s;
	const struct wire_field *f;
	const struct wire_bytes *b;
	struct wire_sink sink = {out, 0};
	msgpack_packer pk;
	size_t saved = out->len;
	int rc;

	s = wire_schema_of((uint64_t)m->type);
	if (s == NULL)
		return ERR_WIRE_SCHEMA;
	rc = wire_validate(s, m);
	if (rc != 0)
		return rc;
	msgpack_packer_init(&pk, &sink, wire_on_write);
	/* msgpack_pack_uint64 picks the shortest form for each value. */
	rc = msgpack_pack_array(&pk, 1 + s->nfields);
	if (rc == 0)
		rc = msgpack_pack_uint64(&pk, (uint64_t)m->type);
	for (size_t i = 0; rc == 0 && i < s->nfields; i++) {
		f = &s->fields[i];
		switch (f->kind) {
		case WIRE_FIELD_UINT:
			rc = msgpack_pack_uint64(&pk, *wire_field_cuint(m, f));
			break;
		case WIRE_FIELD_STR:
			b = wire_field_cbytes(m, f);
			rc = msgpack_pack_str_with_body(&pk, b->p, b->len);
			break;
		case WIRE_FIELD_BYTES:
			b = wire_field_cbytes(m, f);
			rc = msgpack_pack_bin_with_body(&pk, b->p, b->len);
			break;
		default:
			rc = -1;
			sink.rc = ERR_WIRE_SCHEMA;
			break;
		}
	}
	if (rc != 0) {
		/* Drop the partial message: the caller's bytes stay intact. */
		out->len = saved;
		return sink.rc != 0 ? sink.rc : ERR_TOO_BIG;
	}
	return 0;
}

const char *
wire_type_name(unsigned type)
{
	const struct wire_schema *s = wire_schema_of(type);

	return s != NULL ? s->name : "unknown";
}

bool
wire_request_id(const struct wire_msg *m, uint64_t *req)
{
	const struct wire_schema *s = wire_schema_of((uint64_t)m->type);

	*req = 0;
	if (s == NULL || !s->request)
		return false;
	/* Every request's first field is its number (see wire.h). */
	*req = *wire_field_cuint(m, &s->fields[0]);
	return true;
}
