/* SPDX-License-Identifier: ISC */
/*
 * The wire protocol's numbers: message types, limits and error codes.
 * man/hearth-protocol.7 specifies them in prose.
 *
 * Bump WIRE_VERSION when anything here or any message layout changes: the
 * version is bound into the Noise prologue, so peers of different versions
 * fail the handshake cleanly instead of misreading each other.
 */
#ifndef HEARTH_PROTO_H
#define HEARTH_PROTO_H

#define WIRE_VERSION 2

/* The Noise prologue; its last byte is WIRE_VERSION. */
#define PROTO_PROLOGUE "hearth wire v\x02"
#define PROTO_PROLOGUE_LEN (sizeof PROTO_PROLOGUE - 1)

/* Frames: u16 length, so at most 65535 bytes of body. */
#define PROTO_FRAME_MAX 65535
/* Bound on frames before the handshake completes (after redis). */
#define PROTO_PREAUTH_FRAME_MAX 1024
/* Largest plaintext in one transport frame: the frame less the AEAD tag. */
#define PROTO_PLAIN_MAX (PROTO_FRAME_MAX - 16)

/* Limits wire_check() enforces on every message before msgpack-c sees it. */
#define PROTO_MSG_DEPTH_MAX 4
#define PROTO_MSG_OBJECTS_MAX 1024
#define PROTO_REASON_MAX 256

/*
 * Handshake frames. The client's first frame is one version byte followed
 * by Noise message 1. The relay answers with PROTO_HS_OK followed by Noise
 * message 2, or with a two-byte refusal: a PROTO_HS_* code and the version
 * the relay speaks. The refusal is plaintext and unauthenticated: a client
 * treats it as a diagnosis, never as a reason to weaken anything.
 */
#define PROTO_HS_OK 0
#define PROTO_HS_VERSION 1 /* relay speaks another version */
#define PROTO_HS_KEY 2     /* message 1 did not decrypt: wrong pinned key */
#define PROTO_HS_BUSY 3    /* relay is at its connection limit */
#define PROTO_HS_REFUSAL_LEN 2

/* Limits of the relay operations' fields. */
#define PROTO_ID_LEN 32    /* room ids, mailbox ids, escrow hashes */
#define PROTO_KEY_LEN 32   /* Ed25519 and X25519 public keys */
#define PROTO_SIG_LEN 64   /* Ed25519 signatures */
#define PROTO_TOKEN_MAX 64 /* operator token */
#define PROTO_ENVELOPE_MAX (65536 - 1024) /* the largest padding bucket */
#define PROTO_BUNDLE_MAX 4096             /* a signed prekey bundle */
#define PROTO_OTK_BATCH_MAX 100           /* one-time prekeys in one publish */
#define PROTO_SOFTWARE_MAX 64             /* software name in INFO */
#define PROTO_REQ_MAX UINT32_MAX

/*
 * Message types: a message is a msgpack array [type, fields...] with a
 * fixed arity. Requests from a client carry a request number `req` that
 * the relay echoes in the one OK, FAIL, INFO or PREKEY that answers them;
 * ROOM_MSG and MBOX_MSG may come before that answer (a fetch's results)
 * or at any time (live delivery). man/hearth-protocol.7 has the details.
 */
enum wire_type {
	WIRE_MSG_HELLO = 1,   /* c->r [1, version, features] */
	WIRE_MSG_WELCOME = 2, /* r->c [2, version, frame_max, idle_ms] */
	WIRE_MSG_PING = 3,    /* either way [3, token] */
	WIRE_MSG_PONG = 4,    /* either way [4, token] */
	WIRE_MSG_ERROR = 5,   /* either way [5, code, reason]; then close */

	WIRE_MSG_INFO_GET = 10, /* c->r [10, req] */
	/* r->c [11, req, software, page_max, room_keep_count_max,
	 *       room_keep_age_max_s, mbox_ttl_s, mbox_quota_count,
	 *       mbox_quota_bytes, escrow_max_s] */
	WIRE_MSG_INFO = 11,
	WIRE_MSG_OK = 12,   /* r->c [12, req, value] */
	WIRE_MSG_FAIL = 13, /* r->c [13, req, code, reason]; stays open */

	/* c->r [20, req, room, access_pub, keep_count, keep_age_s, token] */
	WIRE_MSG_ROOM_CREATE = 20,
	WIRE_MSG_ROOM_SUB = 21,    /* c->r [21, req, room, sig] */
	WIRE_MSG_ROOM_UNSUB = 22,  /* c->r [22, req, room] */
	WIRE_MSG_ROOM_PUB = 23,    /* c->r [23, req, room, envelope] */
	WIRE_MSG_ROOM_FETCH = 24,  /* c->r [24, req, room, after, limit] */
	WIRE_MSG_ROOM_ROTATE = 25, /* c->r [25, req, room, new_pub, sig] */
	WIRE_MSG_ROOM_MSG = 26,    /* r->c [26, room, seq, time_s, envelope] */
	WIRE_MSG_ROOM_ENDED = 27,  /* r->c [27, room, code] */

	WIRE_MSG_MBOX_CLAIM = 30, /* c->r [30, req, mbox_pub, sig] */
	WIRE_MSG_MBOX_PUT = 31,   /* c->r [31, req, mbox, envelope] */
	WIRE_MSG_MBOX_FETCH = 32, /* c->r [32, req, mbox, after, limit] */
	WIRE_MSG_MBOX_ACK = 33,   /* c->r [33, req, mbox, id] */
	WIRE_MSG_MBOX_MSG = 34,   /* r->c [34, mbox, id, time_s, envelope] */

	WIRE_MSG_PREKEY_PUB = 40, /* c->r [40, req, mbox, bundle, otks] */
	WIRE_MSG_PREKEY_GET = 41, /* c->r [41, req, mbox] */
	WIRE_MSG_PREKEY = 42,     /* r->c [42, req, bundle, otk] */

	/* c->r [50, req, cancel_hash, mbox, release_s, envelope] */
	WIRE_MSG_ESCROW_PUT = 50,
	WIRE_MSG_ESCROW_CANCEL = 51, /* c->r [51, req, token] */
	WIRE_MSG_ESCROW_EXTEND = 52, /* c->r [52, req, token, release_s] */

	WIRE_MSG_TYPE_MAX = 52,
};

/*
 * Error codes, carried in ERROR (the connection then closes) and in FAIL
 * (one request failed; the connection stays open). Stable: never renumber.
 */
enum proto_error {
	PROTO_E_MALFORMED = 1,    /* bytes or fields invalid */
	PROTO_E_UNKNOWN_TYPE = 2, /* message type not known to this peer */
	PROTO_E_STATE = 3,        /* message not allowed in this state */
	PROTO_E_VERSION = 4,      /* version in HELLO not supported */
	PROTO_E_LIMIT = 5,        /* a configured limit was exceeded */
	PROTO_E_IDLE = 6,         /* idle timeout */
	PROTO_E_BUSY = 7,         /* too many connections */
	PROTO_E_SHUTDOWN = 8,     /* relay is shutting down */
	PROTO_E_INTERNAL = 9,     /* relay-side failure, not the client's */
	PROTO_E_NOT_FOUND = 10,   /* no such room, mailbox, bundle or escrow */
	PROTO_E_EXISTS = 11,      /* room id or escrow hash already taken */
	PROTO_E_DENIED = 12,      /* proof missing or invalid, or no token */
	PROTO_E_QUOTA = 13,       /* mailbox, prekey or escrow quota full */
	PROTO_E_RATE = 14,        /* request rate limit: slow down */
	PROTO_E_ROTATED = 15,     /* room access key changed: prove again */
	PROTO_E_BAD_VALUE = 16,   /* a field's value is out of range */
};

#endif
