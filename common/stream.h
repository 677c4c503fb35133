/* SPDX-License-Identifier: ISC */
/*
 * The framed, encrypted connection over a libuv TCP handle, used by both
 * the relay (responder) and the client (initiator).
 *
 * Handshake: the client sends one frame, WIRE_VERSION then Noise message 1;
 * the relay answers PROTO_HS_OK then Noise message 2, or a two-byte refusal
 * (see proto.h). Frames are bounded by PROTO_PREAUTH_FRAME_MAX until then.
 *
 * Transport: every frame is u16 length | ChaCha20-Poly1305 ciphertext of one
 * or more messages back to back. stream_send() only encodes into the
 * stream's pending output; once per loop turn, stream_loop's prepare hook
 * seals what is pending into as few frames as fit and hands them to the
 * kernel in one write. So a burst of messages to one peer costs one
 * encryption and one system call, not one per message.
 *
 * Reading uses one buffer shared by every stream of the loop; a frame that
 * arrives whole is decrypted in place there, and only a frame split across
 * reads is copied into the stream's own buffer.
 *
 * Lifetime: the owner embeds struct stream, calls stream_accept(),
 * stream_connect() or stream_connect_prepare(), and frees it only from
 * ops->on_close, which runs once, after every handle is closed.
 */
#ifndef HEARTH_STREAM_H
#define HEARTH_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/buf.h"
#include "common/frame.h"
#include "common/noise.h"
#include "common/wire.h"

struct stream;

struct stream_ops {
	/* The handshake completed; the stream may send. */
	void (*on_open)(struct stream *s);
	/* One decoded message; m and its bytes are borrowed for the call. */
	void (*on_msg)(struct stream *s, const struct wire_msg *m);
	/*
	 * The stream is closed and all its handles are released: err is 0 for
	 * a close this side asked for, else why (ERR_CLOSED, ERR_TIMEOUT,
	 * ERR_HS_KEY, ...). reason is the peer's error text if it sent one,
	 * borrowed for the call, or NULL. The owner may free s here.
	 */
	void (*on_close)(struct stream *s, int err, const char *reason);
};

struct stream_limits {
	uint64_t handshake_ms; /* whole handshake, from accept or connect */
	uint64_t idle_ms;      /* no bytes received for this long; 0: none */
	size_t queue_max;      /* pending plus unsent output bytes */
	size_t frame_max;      /* largest frame body after the handshake;
	                          0: PROTO_FRAME_MAX */
};

/* Per-loop state shared by every stream: the read buffer, the flush hook. */
struct stream_loop {
	uv_loop_t *loop;
	uv_prepare_t flush;
	struct stream *dirty; /* streams with output to seal this turn */
	uint8_t *rbuf;        /* shared read buffer */
	bool rbuf_busy;
	uint64_t next_id;
};

enum stream_state {
	STREAM_CONNECTING,
	STREAM_HANDSHAKE,
	STREAM_OPEN,
	STREAM_CLOSING,
};

struct stream {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect_req;
	uv_shutdown_t shutdown_req;
	struct stream_loop *sl;
	const struct stream_ops *ops;
	void *data;         /* the owner's */
	uint64_t id;        /* process-local, for logs; never an address */
	uint64_t last_read; /* loop time of the last bytes received */
	enum noise_role role;
	enum stream_state state;
	int handles; /* open libuv handles */
	int close_err;
	unsigned refuse;    /* proto code to refuse the handshake with, or 0 */
	char *close_reason; /* peer's error text, owned */
	struct stream_limits limits;
	struct frame_reader fr;
	void *keys; /* secmem slot: handshake state, then the two ciphers */
	uint8_t hs_hash[NOISE_HASH_LEN];
	struct buf out;     /* pending output: frames, the last one open */
	size_t frame_start; /* offset of the open frame's header, or SIZE_MAX */
	struct stream *dirty_next;
	bool dirty;
};

/* Prepares the per-loop state. Returns 0 or a libuv error. */
int stream_loop_init(struct stream_loop *sl, uv_loop_t *loop);

/* Closes the flush hook; run the loop afterwards so it is released. */
void stream_loop_release(struct stream_loop *sl);

/*
 * Accepts a pending connection from server as the responder with the static
 * private key s_priv (copied). Calls no callback on failure, but the stream
 * still has to be released through on_close if it returns 0.
 */
int stream_accept(struct stream *s, struct stream_loop *sl, uv_stream_t *server,
    const uint8_t s_priv[static NOISE_DH_LEN],
    const struct stream_limits *limits, const struct stream_ops *ops,
    void *data);

/*
 * Connects to sa as the initiator, pinning the relay key rs. Returns 0 (then
 * exactly one on_close follows, sooner or later) or a libuv error (then no
 * callback is called and s is untouched by libuv).
 */
int stream_connect(struct stream *s, struct stream_loop *sl,
    const struct sockaddr *sa, const uint8_t rs[static NOISE_DH_LEN],
    const struct stream_limits *limits, const struct stream_ops *ops,
    void *data);

/*
 * For a connection the owner sets up itself, such as through a SOCKS5
 * proxy: inits s, its handles and the initiator's handshake state (pinning
 * rs) and arms the handshake timer, which from now on bounds the owner's
 * part and the handshake together. s->tcp is initialised but not
 * connected. The owner then connects s->tcp and talks over it with its own
 * callbacks, keeping s->tcp.data == s (reach the owner through s->data),
 * stops reading, and calls stream_connect_ready(). On failure at any point
 * it calls stream_close(), and on_close follows as usual. Returns 0 (then
 * exactly one on_close follows) or a libuv error (no callback).
 */
int stream_connect_prepare(struct stream *s, struct stream_loop *sl,
    const uint8_t rs[static NOISE_DH_LEN], const struct stream_limits *limits,
    const struct stream_ops *ops, void *data);

/*
 * After stream_connect_prepare(): s->tcp is connected to the relay (or a
 * tunnel to it) and the owner no longer reads it. Starts the Noise
 * handshake exactly as stream_connect() does once connected. Errors go to
 * on_close; a no-op if s is already closing.
 */
void stream_connect_ready(struct stream *s);

/*
 * Queues m for sending this loop turn. Returns 0, ERR_PROTO if the stream is
 * not open, or ERR_TOO_BIG if the queue is over limits.queue_max (the stream
 * is then failed with PROTO_E_LIMIT: a reader that cannot keep up).
 */
int stream_send(struct stream *s, const struct wire_msg *m);

/*
 * Like stream_send(), for a message already encoded with wire_encode():
 * msg[0..len) is copied. Lets a relay encode a fan-out message once for
 * all its recipients.
 */
int stream_send_raw(struct stream *s, const uint8_t *msg, size_t len);

/*
 * Seals and writes every stream's pending output now, instead of at the
 * loop's next prepare hook: for output queued from another prepare hook,
 * which may run after the stream's own.
 */
void stream_loop_flush(struct stream_loop *sl);

/*
 * Sends an error message (when open) and closes the stream once it is
 * written, or after a short grace time. on_close gets err.
 */
void stream_fail(
    struct stream *s, int err, unsigned proto_code, const char *reason);

/*
 * Responder only, before the handshake ends: answer the client's first
 * message with a refusal (PROTO_E_BUSY or PROTO_E_VERSION) and close.
 * Waiting for that message means the refusal never races the client's
 * write into a connection reset that would swallow it.
 */
void stream_refuse(struct stream *s, unsigned proto_code);

/* Closes the stream at once, dropping unsent output. Idempotent. */
void stream_close(struct stream *s, int err);

/* Bytes waiting in the kernel-facing queue plus pending output. */
size_t stream_queued(const struct stream *s);

#endif
