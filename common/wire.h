/* SPDX-License-Identifier: ISC */
/*
 * The message codec. A message is a msgpack array [type, fields...] with a
 * fixed arity per type; a transport frame's plaintext holds one or more
 * messages back to back.
 *
 * Decoding is in two steps, because msgpack-c reserves memory for a
 * container's declared count before any element arrives (five bytes can
 * ask it for gigabytes):
 *   1. wire_check() walks one message without allocating and rejects counts
 *      larger than the bytes left, nesting deeper than PROTO_MSG_DEPTH_MAX,
 *      more than PROTO_MSG_OBJECTS_MAX objects, str/bin/ext lengths past the
 *      end, and bytes that are not msgpack at all;
 *   2. only then wire_decode() lets msgpack-c parse it and checks the exact
 *      schema: known type, exact arity, each field's msgpack type, integer
 *      range, byte length and UTF-8 validity of text.
 * Unknown types, extra or missing fields and trailing bytes are errors; a
 * peer that sends one is disconnected (see man/hearth-protocol.7).
 * Only this file includes <msgpack.h>.
 */
#ifndef HEARTH_WIRE_H
#define HEARTH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/proto.h"

/* Bytes inside a decoded message: borrowed from the decoder's input. */
struct wire_bytes {
	const uint8_t *p;
	size_t len;
};

struct wire_hello {
	uint64_t version;
	uint64_t features;
};

struct wire_welcome {
	uint64_t version;
	uint64_t frame_max;
	uint64_t idle_ms;
};

struct wire_ping {
	uint64_t token;
};

struct wire_error {
	uint64_t code;            /* enum proto_error, at most 65535 */
	struct wire_bytes reason; /* UTF-8, at most PROTO_REASON_MAX bytes */
};

struct wire_req {
	uint64_t req;
};

struct wire_info {
	uint64_t req;
	struct wire_bytes software; /* UTF-8, "hearth-relay 0.2.0" */
	uint64_t page_max;
	uint64_t room_keep_count_max;
	uint64_t room_keep_age_max_s;
	uint64_t mbox_ttl_s;
	uint64_t mbox_quota_count;
	uint64_t mbox_quota_bytes;
	uint64_t escrow_max_s;
};

struct wire_ok {
	uint64_t req;
	uint64_t value; /* what the request's reply carries; see proto.h */
};

struct wire_fail {
	uint64_t req;
	uint64_t code;            /* enum proto_error */
	struct wire_bytes reason; /* UTF-8, at most PROTO_REASON_MAX bytes */
};

struct wire_room_create {
	uint64_t req;
	struct wire_bytes room;       /* PROTO_ID_LEN */
	struct wire_bytes access_pub; /* PROTO_KEY_LEN, Ed25519 */
	uint64_t keep_count;          /* 0: the relay's default */
	uint64_t keep_age_s;          /* 0: the relay's default */
	struct wire_bytes token;      /* 0..PROTO_TOKEN_MAX */
};

/* ROOM_SUB and MBOX_CLAIM: an id or key and a proof over it. */
struct wire_proof {
	uint64_t req;
	struct wire_bytes id;  /* room id, or mailbox public key */
	struct wire_bytes sig; /* PROTO_SIG_LEN */
};

/* ROOM_UNSUB and PREKEY_GET: a request about one id. */
struct wire_id_req {
	uint64_t req;
	struct wire_bytes id;
};

/* ROOM_PUB and MBOX_PUT. */
struct wire_put {
	uint64_t req;
	struct wire_bytes id;       /* room or mailbox */
	struct wire_bytes envelope; /* 1..PROTO_ENVELOPE_MAX */
};

/* ROOM_FETCH and MBOX_FETCH. */
struct wire_fetch {
	uint64_t req;
	struct wire_bytes id;
	uint64_t after; /* sequence number or message id */
	uint64_t limit; /* 1..; the relay caps it at its page_max */
};

struct wire_room_rotate {
	uint64_t req;
	struct wire_bytes room;
	struct wire_bytes new_pub;
	struct wire_bytes sig; /* by the current access key */
};

/* ROOM_MSG and MBOX_MSG. */
struct wire_deliver {
	struct wire_bytes id; /* room or mailbox */
	uint64_t seq;         /* room sequence number or mailbox message id */
	uint64_t time_s;      /* when the relay accepted it */
	struct wire_bytes envelope;
};

struct wire_room_ended {
	struct wire_bytes room;
	uint64_t code; /* enum proto_error */
};

struct wire_mbox_ack {
	uint64_t req;
	struct wire_bytes mbox;
	uint64_t id;
};

struct wire_prekey_pub {
	uint64_t req;
	struct wire_bytes mbox;
	struct wire_bytes bundle; /* 0 (keep) ..PROTO_BUNDLE_MAX */
	struct wire_bytes
	    otks; /* n * PROTO_KEY_LEN, n <= PROTO_OTK_BATCH_MAX */
};

struct wire_prekey {
	uint64_t req;
	struct wire_bytes bundle;
	struct wire_bytes otk; /* empty or PROTO_KEY_LEN */
};

struct wire_escrow_put {
	uint64_t req;
	struct wire_bytes cancel_hash; /* PROTO_ID_LEN */
	struct wire_bytes mbox;
	uint64_t release_s;
	struct wire_bytes envelope;
};

/* ESCROW_CANCEL and ESCROW_EXTEND. */
struct wire_escrow_token {
	uint64_t req;
	struct wire_bytes token; /* PROTO_ID_LEN; its hash names the escrow */
	uint64_t release_s;      /* EXTEND only */
};

struct wire_msg {
	enum wire_type type;

	union {
		struct wire_hello hello;
		struct wire_welcome welcome;
		struct wire_ping ping; /* PING and PONG */
		struct wire_error error;
		struct wire_req req; /* INFO_GET */
		struct wire_info info;
		struct wire_ok ok;
		struct wire_fail fail;
		struct wire_room_create room_create;
		struct wire_proof proof;   /* ROOM_SUB, MBOX_CLAIM */
		struct wire_id_req id_req; /* ROOM_UNSUB, PREKEY_GET */
		struct wire_put put;       /* ROOM_PUB, MBOX_PUT */
		struct wire_fetch fetch;   /* ROOM_FETCH, MBOX_FETCH */
		struct wire_room_rotate rotate;
		struct wire_deliver deliver; /* ROOM_MSG, MBOX_MSG */
		struct wire_room_ended ended;
		struct wire_mbox_ack ack;
		struct wire_prekey_pub prekey_pub;
		struct wire_prekey prekey;
		struct wire_escrow_put escrow_put;
		struct wire_escrow_token escrow; /* ESCROW_CANCEL, _EXTEND */
	} u;
};

/*
 * The request number of a client request (the second element of every
 * request type), or false for a type that is not a request.
 */
bool wire_request_id(const struct wire_msg *m, uint64_t *req);

/*
 * Walks the one msgpack object that starts at p[0..len) without allocating
 * and stores its encoded length in *obj_len. Returns 0, ERR_TRUNCATED if the
 * object runs past len, ERR_WIRE_LIMIT for depth, object count or a declared
 * count larger than the bytes left, ERR_WIRE_MALFORMED for a byte that
 * starts no msgpack object (0xc1).
 */
int wire_check(const uint8_t *p, size_t len, size_t *obj_len);

/*
 * Decodes the single message that occupies exactly p[0..len) into *out
 * (cleared first). Calls wire_check() itself. Byte fields in *out point into
 * p. Returns 0, an error of wire_check(), ERR_WIRE_TRAILING if bytes follow
 * the message, ERR_WIRE_TYPE for an unknown type, ERR_WIRE_SCHEMA for wrong
 * arity, field types, ranges or lengths, ERR_UTF8 for bad text, ERR_NOMEM.
 */
int wire_decode(const uint8_t *p, size_t len, struct wire_msg *out);

/*
 * Decodes the first message of a batch p[0..len) into *out and stores in
 * *used the bytes it took, so a caller loops until the batch is consumed.
 * Returns as wire_decode(), never ERR_WIRE_TRAILING.
 */
int wire_next(const uint8_t *p, size_t len, size_t *used, struct wire_msg *out);

/*
 * Appends the encoding of m to out. Returns 0, ERR_TOO_BIG if out's bound
 * would be passed (out is then unchanged), or ERR_WIRE_SCHEMA if m does not
 * satisfy its own schema (a programming error: encode only valid messages).
 */
int wire_encode(struct buf *out, const struct wire_msg *m);

/* Returns the name of a message type, e.g. "ping", or "unknown". */
const char *wire_type_name(unsigned type);

#endif
