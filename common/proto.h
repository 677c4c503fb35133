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

#define WIRE_VERSION 1

/* The Noise prologue; its last byte is WIRE_VERSION. */
#define PROTO_PROLOGUE "hearth wire v\x01"
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

/* Message types: a message is a msgpack array [type, fields...]. */
enum wire_type {
	WIRE_MSG_HELLO = 1,   /* c->r [1, version, features] */
	WIRE_MSG_WELCOME = 2, /* r->c [2, version, frame_max, idle_ms] */
	WIRE_MSG_PING = 3,    /* either way [3, token] */
	WIRE_MSG_PONG = 4,    /* either way [4, token] */
	WIRE_MSG_ERROR = 5,   /* either way [5, code, reason] */
	WIRE_MSG_TYPE_MAX = 5,
};

/* Error codes carried in WIRE_MSG_ERROR. Stable: never renumber. */
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
};

#endif
