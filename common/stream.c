/* SPDX-License-Identifier: ISC */
/*
 * Framed Noise connection over libuv TCP: the handshake, batching of
 * outgoing messages into frames once per loop turn, in-place decryption of
 * incoming frames, limits on time and queued bytes, and an orderly close.
 */
#include "common/stream.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/secmem.h"
#include "common/xmalloc.h"

#define STREAM_RBUF_LEN (64 * 1024)
/* How long a failing stream may take to flush its last words. */
#define STREAM_GRACE_MS 2000
#define STREAM_HS1_LEN (1 + NOISE_HS_OVERHEAD)
#define STREAM_HS2_LEN (1 + NOISE_HS_OVERHEAD)
/*
 * Output beyond queue_max kept for the last error message, so a stream
 * failed for a full queue can still say why without dropping sealed frames
 * (whose nonces the peer expects in order).
 */
#define STREAM_RESERVE                                                         \
	(2 * (FRAME_HDR_LEN + NOISE_TAG_LEN) + PROTO_REASON_MAX + 64)

struct stream_keys {
	union {
		struct noise_hs hs;

		struct {
			struct noise_cipher tx;
			struct noise_cipher rx;
		} c;
	} u;
};

_Static_assert(sizeof(struct stream_keys) <= SECMEM_SLOT,
    "stream keys must fit a secmem slot");

/*
 * Every write owns one allocation: this header, then the bytes. Pending
 * output is built in place after a reserved header, so handing it to the
 * kernel needs no copy.
 */
struct stream_wreq {
	uv_write_t req;
	size_t len;
};

#define STREAM_WREQ_HDR ((sizeof(struct stream_wreq) + 15) / 16 * 16)

static void stream_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void stream_on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *b);
static void stream_on_write(uv_write_t *req, int status);
static void stream_on_connect(uv_connect_t *req, int status);
static void stream_on_shutdown(uv_shutdown_t *req, int status);
static void stream_on_timer(uv_timer_t *t);
static void stream_on_handle_close(uv_handle_t *h);
static void stream_on_flush(uv_prepare_t *p);
static void stream_open(struct stream *s);

int
stream_loop_init(struct stream_loop *sl, uv_loop_t *loop)
{
	int rc;

	memset(sl, 0, sizeof *sl);
	sl->loop = loop;
	rc = uv_prepare_init(loop, &sl->flush);
	if (rc != 0)
		return rc;
	sl->flush.data = sl;
	/* The hook alone must not keep the loop running. */
	uv_unref((uv_handle_t *)&sl->flush);
	sl->rbuf = xmalloc(STREAM_RBUF_LEN);
	return uv_prepare_start(&sl->flush, stream_on_flush);
}

void
stream_loop_release(struct stream_loop *sl)
{
	uv_prepare_stop(&sl->flush);
	uv_close((uv_handle_t *)&sl->flush, NULL);
	free(sl->rbuf);
	sl->rbuf = NULL;
}

static void
stream_base_init(struct stream *s, struct stream_loop *sl, enum noise_role role,
    const struct stream_limits *limits, const struct stream_ops *ops,
    void *data)
{
	memset(s, 0, sizeof *s);
	s->sl = sl;
	s->ops = ops;
	s->data = data;
	s->role = role;
	s->id = ++sl->next_id;
	s->limits = *limits;
	s->frame_start = SIZE_MAX;
	s->tcp.data = s;
	s->timer.data = s;
	buf_init(&s->out, STREAM_WREQ_HDR + limits->queue_max + STREAM_RESERVE);
	/* The relay answers in one frame of 1 + 48 bytes or a refusal of 2. */
	if (role == NOISE_RESPONDER)
		frame_reader_init(
		    &s->fr, STREAM_HS1_LEN, PROTO_PREAUTH_FRAME_MAX);
	else
		frame_reader_init(
		    &s->fr, PROTO_HS_REFUSAL_LEN, PROTO_PREAUTH_FRAME_MAX);
	s->keys = secmem_take(sizeof(struct stream_keys));
}

static struct stream_keys *
stream_keys(struct stream *s)
{
	return s->keys;
}

/* Writes one frame of raw bytes (handshake phase only). */
static int
stream_write_raw(struct stream *s, const uint8_t *p, size_t len)
{
	struct stream_wreq *w;
	uint8_t *base;
	uv_buf_t b;
	int rc;

	base = xmalloc(STREAM_WREQ_HDR + FRAME_HDR_LEN + len);
	w = (struct stream_wreq *)(void *)base;
	w->len = FRAME_HDR_LEN + len;
	frame_put_header(base + STREAM_WREQ_HDR, len);
	memcpy(base + STREAM_WREQ_HDR + FRAME_HDR_LEN, p, len);
	b = uv_buf_init((char *)base + STREAM_WREQ_HDR, (unsigned)w->len);
	rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, stream_on_write);
	if (rc != 0)
		free(base);
	return rc;
}

static void
stream_timer_arm(struct stream *s, uint64_t ms)
{
	if (ms > 0)
		uv_timer_start(&s->timer, stream_on_timer, ms, 0);
	else
		uv_timer_stop(&s->timer);
}

static int
stream_start_reading(struct stream *s)
{
	/* Batching already coalesces writes; Nagle would only add delay. */
	int rc = uv_tcp_nodelay(&s->tcp, 1);

	if (rc != 0)
		return rc;
	s->state = STREAM_HANDSHAKE;
	return uv_read_start(
	    (uv_stream_t *)&s->tcp, stream_on_alloc, stream_on_read);
}

/*
 * Everything accept and connect share: the struct, its secrets slot, both
 * handles and the handshake state. key is the responder's private key or
 * the initiator's pinned relay key.
 */
static int
stream_setup(struct stream *s, struct stream_loop *sl, enum noise_role role,
    const uint8_t key[static NOISE_DH_LEN], const struct stream_limits *limits,
    const struct stream_ops *ops, void *data)
{
	int rc;

	stream_base_init(s, sl, role, limits, ops, data);
	rc = uv_tcp_init(sl->loop, &s->tcp);
	if (rc != 0) {
		secmem_give(s->keys);
		s->keys = NULL;
		return rc;
	}
	uv_timer_init(sl->loop, &s->timer);
	s->handles = 2;
	if (role == NOISE_RESPONDER)
		noise_hs_init_responder(&stream_keys(s)->u.hs,
		    (const uint8_t *)PROTO_PROLOGUE, PROTO_PROLOGUE_LEN, key);
	else
		noise_hs_init_initiator(&stream_keys(s)->u.hs,
		    (const uint8_t *)PROTO_PROLOGUE, PROTO_PROLOGUE_LEN, key);
	return 0;
}

int
stream_accept(struct stream *s, struct stream_loop *sl, uv_stream_t *server,
    const uint8_t s_priv[static NOISE_DH_LEN],
    const struct stream_limits *limits, const struct stream_ops *ops,
    void *data)
{
	int rc;

	rc = stream_setup(s, sl, NOISE_RESPONDER, s_priv, limits, ops, data);
	if (rc != 0)
		return rc;
	rc = uv_accept(server, (uv_stream_t *)&s->tcp);
	if (rc == 0)
		rc = stream_start_reading(s);
	if (rc != 0) {
		stream_close(s, rc);
		return 0;
	}
	stream_timer_arm(s, limits->handshake_ms);
	return 0;
}

int
stream_connect_prepare(struct stream *s, struct stream_loop *sl,
    const uint8_t rs[static NOISE_DH_LEN], const struct stream_limits *limits,
    const struct stream_ops *ops, void *data)
{
	int rc;

	rc = stream_setup(s, sl, NOISE_INITIATOR, rs, limits, ops, data);
	if (rc != 0)
		return rc;
	s->state = STREAM_CONNECTING;
	/* One limit for the owner's part (a proxy) and the handshake. */
	stream_timer_arm(s, limits->handshake_ms);
	return 0;
}

int
stream_connect(struct stream *s, struct stream_loop *sl,
    const struct sockaddr *sa, const uint8_t rs[static NOISE_DH_LEN],
    const struct stream_limits *limits, const struct stream_ops *ops,
    void *data)
{
	int rc;

	rc = stream_connect_prepare(s, sl, rs, limits, ops, data);
	if (rc != 0)
		return rc;
	s->connect_req.data = s;
	rc = uv_tcp_connect(&s->connect_req, &s->tcp, sa, stream_on_connect);
	if (rc != 0) {
		/* Reported through on_close like any later failure. */
		stream_close(s, rc);
		return 0;
	}
	return 0;
}

static void
stream_on_connect(uv_connect_t *req, int status)
{
	struct stream *s = req->data;

	if (s->state == STREAM_CLOSING)
		return;
	if (status != 0) {
		stream_close(s, status);
		return;
	}
	stream_connect_ready(s);
}

void
stream_connect_ready(struct stream *s)
{
	uint8_t msg[STREAM_HS1_LEN];
	size_t n = 0;
	int rc;

	if (s->state != STREAM_CONNECTING)
		return;
	rc = stream_start_reading(s);
	msg[0] = WIRE_VERSION;
	if (rc == 0)
		rc = noise_hs_write(&stream_keys(s)->u.hs, NULL, 0, msg + 1,
		    sizeof msg - 1, &n);
	if (rc == 0)
		rc = stream_write_raw(s, msg, 1 + n);
	if (rc != 0)
		stream_close(s, rc);
}

static void
stream_dirty_remove(struct stream *s)
{
	struct stream **pp;

	if (!s->dirty)
		return;
	for (pp = &s->sl->dirty; *pp != NULL; pp = &(*pp)->dirty_next) {
		if (*pp == s) {
			*pp = s->dirty_next;
			break;
		}
	}
	s->dirty = false;
	s->dirty_next = NULL;
}

static void
stream_dirty_add(struct stream *s)
{
	if (s->dirty)
		return;
	s->dirty = true;
	s->dirty_next = s->sl->dirty;
	s->sl->dirty = s;
}

/*
 * Encrypts the open frame's plaintext, which ends at plain_end, in place;
 * the caller has made room for the tag right after it.
 */
static int
stream_seal(struct stream *s, size_t plain_end)
{
	uint8_t *hdr = s->out.data + s->frame_start;
	size_t plain_len = plain_end - s->frame_start - FRAME_HDR_LEN;
	int rc;

	rc = noise_cipher_encrypt(&stream_keys(s)->u.c.tx, NULL, 0,
	    hdr + FRAME_HDR_LEN, plain_len, hdr + FRAME_HDR_LEN);
	if (rc != 0)
		return rc;
	frame_put_header(hdr, plain_len + NOISE_TAG_LEN);
	s->frame_start = SIZE_MAX;
	return 0;
}

/* Seals pending output and hands it to the kernel in one write. */
static int
stream_flush(struct stream *s)
{
	struct stream_wreq *w;
	uint8_t *tag;
	uv_buf_t b;
	int rc;

	if (s->out.len == 0)
		return 0;
	if (s->frame_start != SIZE_MAX) {
		/* Room for the tag: the buffer's bound includes it. */
		if (buf_extend(&s->out, NOISE_TAG_LEN, &tag) != 0)
			return ERR_TOO_BIG;
		rc = stream_seal(s, s->out.len - NOISE_TAG_LEN);
		if (rc != 0)
			return rc;
	}
	w = (struct stream_wreq *)(void *)s->out.data;
	w->len = s->out.len - STREAM_WREQ_HDR;
	b = uv_buf_init(
	    (char *)s->out.data + STREAM_WREQ_HDR, (unsigned)w->len);
	/* The write owns the memory now; start a fresh buffer. */
	buf_init(&s->out, s->out.max);
	rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, stream_on_write);
	if (rc != 0)
		free(w);
	return rc;
}

static void
stream_on_flush(uv_prepare_t *p)
{
	stream_loop_flush(p->data);
}

void
stream_loop_flush(struct stream_loop *sl)
{
	struct stream *s;
	int rc;

	while ((s = sl->dirty) != NULL) {
		sl->dirty = s->dirty_next;
		s->dirty = false;
		s->dirty_next = NULL;
		if (s->state != STREAM_OPEN)
			continue;
		rc = stream_flush(s);
		if (rc != 0)
			stream_close(s, rc);
	}
}

size_t
stream_queued(const struct stream *s)
{
	size_t pending = s->out.len > 0 ? s->out.len - STREAM_WREQ_HDR : 0;

	return s->tcp.write_queue_size + pending;
}

/*
 * Encodes m, or copies the encoded message raw[0..raw_len) if m is NULL,
 * into the open frame of the pending output, leaving reserve bytes of the
 * buffer's bound unused. Returns 0 or ERR_TOO_BIG.
 */
static int
stream_queue(struct stream *s, const struct wire_msg *m, const uint8_t *raw,
    size_t raw_len, size_t reserve)
{
	const size_t max = s->out.max;
	size_t mark, msg_len;
	uint8_t *p;
	int rc;

	if (s->out.len == 0 && buf_extend(&s->out, STREAM_WREQ_HDR, &p) != 0)
		return ERR_TOO_BIG;
	if (s->frame_start == SIZE_MAX) {
		if (buf_extend(&s->out, FRAME_HDR_LEN, &p) != 0)
			return ERR_TOO_BIG;
		s->frame_start = s->out.len - FRAME_HDR_LEN;
	}
	mark = s->out.len;
	if (max - mark < reserve)
		return ERR_TOO_BIG;
	s->out.max = max - reserve;
	if (m != NULL)
		rc = wire_encode(&s->out, m);
	else
		rc = buf_append(&s->out, raw, raw_len);
	s->out.max = max;
	if (rc != 0)
		return rc;
	msg_len = s->out.len - mark;
	if (msg_len > PROTO_PLAIN_MAX) {
		s->out.len = mark;
		return ERR_TOO_BIG;
	}
	if (s->out.len - s->frame_start - FRAME_HDR_LEN > PROTO_PLAIN_MAX) {
		/*
		 * The message does not fit the open frame: seal the frame
		 * before it and move the message into a new one, making room
		 * for the tag and the new header in between.
		 */
		if (buf_extend(&s->out, NOISE_TAG_LEN + FRAME_HDR_LEN, &p) !=
		    0) {
			s->out.len = mark;
			return ERR_TOO_BIG;
		}
		memmove(s->out.data + mark + NOISE_TAG_LEN + FRAME_HDR_LEN,
		    s->out.data + mark, msg_len);
		rc = stream_seal(s, mark);
		if (rc != 0)
			return rc;
		s->frame_start = mark + NOISE_TAG_LEN;
	}
	return 0;
}

/* Queues m or raw bytes (see stream_queue) and marks the stream dirty. */
static int
stream_send_any(struct stream *s, const struct wire_msg *m, const uint8_t *raw,
    size_t raw_len)
{
	int rc;

	if (s->state != STREAM_OPEN)
		return ERR_PROTO;
	if (s->tcp.write_queue_size > s->limits.queue_max)
		rc = ERR_TOO_BIG;
	else
		rc = stream_queue(s, m, raw, raw_len, STREAM_RESERVE);
	if (rc == ERR_TOO_BIG) {
		stream_fail(s, ERR_TOO_BIG, PROTO_E_LIMIT,
		    "outbound queue limit: the client reads too slowly");
		return rc;
	}
	if (rc != 0)
		return rc;
	stream_dirty_add(s);
	return 0;
}

int
stream_send(struct stream *s, const struct wire_msg *m)
{
	return stream_send_any(s, m, NULL, 0);
}

int
stream_send_raw(struct stream *s, const uint8_t *msg, size_t len)
{
	if (len == 0 || len > PROTO_PLAIN_MAX)
		return ERR_TOO_BIG;
	return stream_send_any(s, NULL, msg, len);
}

void
stream_fail(struct stream *s, int err, unsigned proto_code, const char *reason)
{
	struct wire_msg m;
	uint8_t refusal[PROTO_HS_REFUSAL_LEN];
	int rc = -1;

	if (s->state == STREAM_CLOSING)
		return;
	s->close_err = err;
	if (s->state == STREAM_OPEN) {
		memset(&m, 0, sizeof m);
		m.type = WIRE_MSG_ERROR;
		m.u.error.code = proto_code;
		m.u.error.reason.p = (const uint8_t *)reason;
		m.u.error.reason.len = strnlen(reason, PROTO_REASON_MAX);
		rc = stream_queue(s, &m, NULL, 0, NOISE_TAG_LEN);
		if (rc == 0)
			rc = stream_flush(s);
	} else if (s->state == STREAM_HANDSHAKE && s->role == NOISE_RESPONDER &&
	           (proto_code == PROTO_E_BUSY ||
	               proto_code == PROTO_E_VERSION || err == ERR_HS_KEY)) {
		refusal[0] = proto_code == PROTO_E_BUSY      ? PROTO_HS_BUSY
		             : proto_code == PROTO_E_VERSION ? PROTO_HS_VERSION
		                                             : PROTO_HS_KEY;
		refusal[1] = WIRE_VERSION;
		rc = stream_write_raw(s, refusal, sizeof refusal);
	}
	if (rc != 0) {
		stream_close(s, err);
		return;
	}
	/* Let the last words reach the peer, but not for long. */
	s->state = STREAM_CLOSING;
	stream_dirty_remove(s);
	uv_read_stop((uv_stream_t *)&s->tcp);
	s->shutdown_req.data = s;
	if (uv_shutdown(&s->shutdown_req, (uv_stream_t *)&s->tcp,
	        stream_on_shutdown) != 0) {
		stream_close(s, err);
		return;
	}
	uv_timer_start(&s->timer, stream_on_timer, STREAM_GRACE_MS, 0);
}

void
stream_refuse(struct stream *s, unsigned proto_code)
{
	s->refuse = proto_code;
}

static void
stream_on_shutdown(uv_shutdown_t *req, int status)
{
	struct stream *s = req->data;

	(void)status;
	stream_close(s, s->close_err);
}

void
stream_close(struct stream *s, int err)
{
	if (s->handles == 0 || uv_is_closing((uv_handle_t *)&s->tcp))
		return;
	if (s->close_err == 0)
		s->close_err = err;
	s->state = STREAM_CLOSING;
	stream_dirty_remove(s);
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->tcp, stream_on_handle_close);
	uv_close((uv_handle_t *)&s->timer, stream_on_handle_close);
	secmem_give(s->keys);
	s->keys = NULL;
	frame_reader_release(&s->fr);
}

static void
stream_on_handle_close(uv_handle_t *h)
{
	struct stream *s = h->data;
	char *reason;

	if (--s->handles > 0)
		return;
	/* Pending writes were cancelled before this; the memory is free. */
	buf_release(&s->out);
	reason = s->close_reason;
	s->close_reason = NULL;
	s->ops->on_close(s, s->close_err, reason);
	free(reason);
}

static void
stream_on_write(uv_write_t *req, int status)
{
	struct stream *s = req->handle->data;

	free(req);
	if (status != 0 && s->state != STREAM_CLOSING)
		stream_close(s, status);
}

static void
stream_on_timer(uv_timer_t *t)
{
	struct stream *s = t->data;
	uint64_t idle;

	switch (s->state) {
	case STREAM_CONNECTING:
	case STREAM_HANDSHAKE:
		stream_close(s, ERR_TIMEOUT);
		break;
	case STREAM_OPEN:
		/* Reads only note the time; the timer decides here. */
		idle = uv_now(s->sl->loop) - s->last_read;
		if (idle >= s->limits.idle_ms)
			stream_fail(
			    s, ERR_TIMEOUT, PROTO_E_IDLE, "idle timeout");
		else
			stream_timer_arm(s, s->limits.idle_ms - idle);
		break;
	case STREAM_CLOSING:
		stream_close(s, s->close_err);
		break;
	}
}

static void
stream_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct stream *s = h->data;

	/*
	 * libuv calls read right after alloc, one stream at a time, so one
	 * buffer serves every stream: an idle stream holds no read memory.
	 */
	b->base = (char *)s->sl->rbuf;
	b->len = STREAM_RBUF_LEN;
}

static int
stream_refusal_err(uint8_t code)
{
	switch (code) {
	case PROTO_HS_VERSION:
		return ERR_HS_VERSION;
	case PROTO_HS_KEY:
		return ERR_HS_KEY;
	default:
		return ERR_HS_REFUSED;
	}
}

/* The responder's side of the handshake: one frame in, one frame out. */
static void
stream_hs_respond(struct stream *s, uint8_t *f, size_t len)
{
	struct stream_keys *k = stream_keys(s);
	uint8_t reply[STREAM_HS2_LEN];
	uint8_t payload[1];
	size_t n = 0;
	int rc;

	if (s->refuse != 0) {
		stream_fail(s, ERR_HS_REFUSED, s->refuse, "refused");
		return;
	}
	if (f[0] != WIRE_VERSION) {
		stream_fail(
		    s, ERR_HS_VERSION, PROTO_E_VERSION, "unsupported version");
		return;
	}
	rc = noise_hs_read(
	    &k->u.hs, f + 1, len - 1, payload, sizeof payload, &n);
	if (rc != 0 || n != 0) {
		stream_fail(s, ERR_HS_KEY, PROTO_E_MALFORMED, "handshake");
		return;
	}
	reply[0] = PROTO_HS_OK;
	rc = noise_hs_write(&k->u.hs, NULL, 0, reply + 1, sizeof reply - 1, &n);
	if (rc == 0)
		rc = stream_write_raw(s, reply, 1 + n);
	if (rc != 0) {
		stream_close(s, rc);
		return;
	}
	stream_open(s);
}

/* The initiator's side: the relay's answer to message 1. */
static void
stream_hs_finish(struct stream *s, uint8_t *f, size_t len)
{
	uint8_t payload[1];
	size_t n = 0;
	int rc;

	if (f[0] != PROTO_HS_OK) {
		stream_close(s, len == PROTO_HS_REFUSAL_LEN
		                    ? stream_refusal_err(f[0])
		                    : ERR_HS_REFUSED);
		return;
	}
	rc = noise_hs_read(
	    &stream_keys(s)->u.hs, f + 1, len - 1, payload, sizeof payload, &n);
	if (rc != 0 || n != 0) {
		/* Only someone without the relay's key answers like this. */
		stream_close(s, ERR_CRYPTO);
		return;
	}
	stream_open(s);
}

static void
stream_open(struct stream *s)
{
	struct stream_keys *k = stream_keys(s);
	struct noise_cipher tx, rx;
	int rc;

	rc = noise_hs_split(&k->u.hs, &tx, &rx, s->hs_hash);
	if (rc != 0) {
		stream_close(s, rc);
		return;
	}
	k->u.c.tx = tx;
	k->u.c.rx = rx;
	noise_cipher_wipe(&tx);
	noise_cipher_wipe(&rx);
	s->state = STREAM_OPEN;
	/* A frame carries at least one message of at least one byte. */
	frame_reader_limit(&s->fr, NOISE_TAG_LEN + 1,
	    s->limits.frame_max > NOISE_TAG_LEN &&
	            s->limits.frame_max < PROTO_FRAME_MAX
	        ? s->limits.frame_max
	        : PROTO_FRAME_MAX);
	s->last_read = uv_now(s->sl->loop);
	stream_timer_arm(s, s->limits.idle_ms);
	s->ops->on_open(s);
}

static unsigned
stream_proto_code(int err)
{
	return err == ERR_WIRE_TYPE ? PROTO_E_UNKNOWN_TYPE : PROTO_E_MALFORMED;
}

/* Decrypts one transport frame in place and delivers its messages. */
static void
stream_on_frame(struct stream *s, uint8_t *f, size_t len)
{
	struct wire_msg m;
	size_t off = 0, used, plain_len = len - NOISE_TAG_LEN;
	int rc;

	rc = noise_cipher_decrypt(&stream_keys(s)->u.c.rx, NULL, 0, f, len, f);
	if (rc != 0) {
		stream_close(s, rc);
		return;
	}
	while (off < plain_len && s->state == STREAM_OPEN) {
		rc = wire_next(f + off, plain_len - off, &used, &m);
		if (rc != 0) {
			stream_fail(s, rc, stream_proto_code(rc), err_str(rc));
			return;
		}
		off += used;
		if (m.type == WIRE_MSG_ERROR && s->close_reason == NULL) {
			s->close_reason = xmalloc(m.u.error.reason.len + 1);
			memcpy(s->close_reason, m.u.error.reason.p,
			    m.u.error.reason.len);
			s->close_reason[m.u.error.reason.len] = '\0';
		}
		s->ops->on_msg(s, &m);
	}
}

static void
stream_on_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *b)
{
	struct stream *s = h->data;
	uint8_t *p = (uint8_t *)b->base, *f;
	size_t off = 0, used, flen;
	int rc;

	if (s->state == STREAM_CLOSING)
		return;
	if (nread < 0) {
		stream_close(s, nread == UV_EOF ? ERR_CLOSED : (int)nread);
		return;
	}
	s->last_read = uv_now(s->sl->loop);
	while (off < (size_t)nread && s->state != STREAM_CLOSING) {
		rc = frame_reader_feed(
		    &s->fr, p + off, (size_t)nread - off, &used, &f, &flen);
		off += used;
		if (rc < 0) {
			stream_fail(
			    s, rc, PROTO_E_LIMIT, "frame length out of bounds");
			return;
		}
		if (rc == 0)
			break;
		if (s->state == STREAM_OPEN)
			stream_on_frame(s, f, flen);
		else if (s->role == NOISE_RESPONDER)
			stream_hs_respond(s, f, flen);
		else
			stream_hs_finish(s, f, flen);
	}
	/* An idle connection keeps no read memory. */
	if (s->state != STREAM_CLOSING && frame_reader_idle(&s->fr))
		buf_trim(&s->fr.body);
}
