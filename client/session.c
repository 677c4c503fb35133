/* SPDX-License-Identifier: ISC */
/*
 * A pairwise session (see session.h): X3DH to start a state, the Double
 * Ratchet to use it, and the bookkeeping that keeps two states and
 * refuses replayed initial messages. Every entry point starts by making
 * next a copy of cur and changes only next, so a failure can always be
 * undone by copying cur again.
 */
#include "client/session.h"

#include <string.h>

#include <sodium.h>

#include "common/err.h"

static void
session_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
session_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
session_empty(struct session *s, const uint8_t peer[static IDENT_PK_LEN])
{
	sodium_memzero(s, sizeof *s);
	memcpy(s->peer, peer, IDENT_PK_LEN);
}

void
session_copy(struct session *dst, const struct session *src)
{
	if (dst == src)
		return;
	memcpy(dst->peer, src->peer, IDENT_PK_LEN);
	dst->has_cur = src->has_cur;
	dst->has_prev = src->has_prev;
	/* ratchet_copy copies only the skipped keys in use, which is most
	 * of the saving over copying 70 KB. */
	ratchet_copy(&dst->cur, &src->cur);
	ratchet_copy(&dst->prev, &src->prev);
	memcpy(dst->cur_ek, src->cur_ek, X3DH_KEY_LEN);
	memcpy(dst->prev_ek, src->prev_ek, X3DH_KEY_LEN);
	dst->init_pending = src->init_pending;
	memcpy(dst->init, src->init, X3DH_INIT_LEN);
	dst->nseen = src->nseen;
	memcpy(dst->seen, src->seen, sizeof dst->seen);
}

void
session_wipe(struct session *s)
{
	sodium_memzero(s, sizeof *s);
}

/* True if a state started from ek (non-zero: a responder state) is the
 * one the initial message with ephemeral key m_ek started. */
static bool
session_ek_is(const uint8_t ek[static X3DH_KEY_LEN],
    const uint8_t m_ek[static X3DH_KEY_LEN])
{
	return !sodium_is_zero(ek, X3DH_KEY_LEN) &&
	       memcmp(ek, m_ek, X3DH_KEY_LEN) == 0;
}

static bool
session_seen(const struct session *s, const uint8_t ek[static X3DH_KEY_LEN])
{
	for (size_t i = 0; i < s->nseen; i++)
		if (memcmp(s->seen[i], ek, X3DH_KEY_LEN) == 0)
			return true;
	return false;
}

static void
session_seen_add(struct session *s, const uint8_t ek[static X3DH_KEY_LEN])
{
	/* The held states' keys are the newest accepted, so dropping the
	 * oldest never forgets one of them (SESSION_SEEN_MAX >= 2). */
	if (s->nseen == SESSION_SEEN_MAX) {
		memmove(s->seen[0], s->seen[1],
		    (SESSION_SEEN_MAX - 1) * sizeof s->seen[0]);
		s->nseen--;
	}
	memcpy(s->seen[s->nseen++], ek, X3DH_KEY_LEN);
}

/* Makes cur's current state (if any) next's previous one. */
static void
session_demote(const struct session *cur, struct session *next)
{
	if (cur->has_cur) {
		ratchet_copy(&next->prev, &cur->cur);
		memcpy(next->prev_ek, cur->cur_ek, X3DH_KEY_LEN);
	} else {
		ratchet_wipe(&next->prev);
		memset(next->prev_ek, 0, X3DH_KEY_LEN);
	}
	next->has_prev = cur->has_cur;
}

/* A state just decrypted a message: the peer knows it, so our initial
 * message, if any, has done its work. */
static void
session_received(struct session *next)
{
	next->init_pending = false;
	memset(next->init, 0, X3DH_INIT_LEN);
}

int
session_initiate(const struct session *cur, struct session *next,
    const struct ident *me, const struct x3dh_bundle *b)
{
	struct x3dh_init m;
	uint8_t sk[X3DH_SK_LEN], ad[X3DH_AD_LEN];
	int rc = ERR_PROTO;

	session_copy(next, cur);
	memset(sk, 0, sizeof sk);
	memset(ad, 0, sizeof ad);
	if (memcmp(b->ik, cur->peer, IDENT_PK_LEN) != 0)
		goto out;
	rc = x3dh_initiate(me, b, &m, sk, ad);
	if (rc < 0)
		goto out;
	/* The current state stays as the previous one: the peer may be
	 * answering on it right now. */
	session_demote(cur, next);
	rc = ratchet_init_initiator(&next->cur, sk, ad, b->spk);
	if (rc < 0)
		goto out;
	next->has_cur = true;
	memset(next->cur_ek, 0, X3DH_KEY_LEN);
	next->init_pending = true;
	x3dh_init_encode(&m, next->init);
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(ad, sizeof ad);
	if (rc < 0)
		session_copy(next, cur);
	return rc;
}

int
session_encrypt(const struct session *cur, struct session *next,
    const uint8_t *pt, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t hdr, n;
	int rc = ERR_PROTO;

	*out_len = 0;
	session_copy(next, cur);
	if (!cur->has_cur)
		goto out;
	hdr = SESSION_FRAME_HEADER + (cur->init_pending ? X3DH_INIT_LEN : 0);
	rc = ERR_TOO_BIG;
	if (cap < hdr)
		goto out;
	rc = ratchet_encrypt(
	    &cur->cur, &next->cur, pt, len, out + hdr, cap - hdr, &n);
	if (rc < 0)
		goto out;
	out[0] = SESSION_VERSION;
	out[1] = cur->init_pending ? SESSION_FLAG_INIT : 0;
	if (cur->init_pending)
		memcpy(out + SESSION_FRAME_HEADER, cur->init, X3DH_INIT_LEN);
	*out_len = hdr + n;
out:
	if (rc < 0)
		session_copy(next, cur);
	return rc;
}

/*
 * Decrypts msg on cur's current state, or its previous one if on_prev,
 * into next->cur; on success on the previous state, next->prev becomes
 * cur's current state (the two swap). On failure next->cur is wiped and
 * the caller restores next.
 */
static int
session_try(const struct session *cur, struct session *next, bool on_prev,
    const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	int rc;

	rc = ratchet_decrypt(on_prev ? &cur->prev : &cur->cur, &next->cur, msg,
	    len, out, cap, out_len);
	if (rc < 0)
		return rc;
	if (on_prev) {
		/* The peer uses this state now, so we answer on it. */
		ratchet_copy(&next->prev, &cur->cur);
		memcpy(next->cur_ek, cur->prev_ek, X3DH_KEY_LEN);
		memcpy(next->prev_ek, cur->cur_ek, X3DH_KEY_LEN);
	}
	session_received(next);
	return 0;
}

/* A frame without an initial message: current state, then previous. */
static int
session_on_msg(const struct session *cur, struct session *next,
    const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	int rc;

	if (!cur->has_cur)
		return ERR_PROTO;
	rc = session_try(cur, next, false, msg, len, out, cap, out_len);
	if (rc == 0 || !cur->has_prev)
		return rc;
	if (session_try(cur, next, true, msg, len, out, cap, out_len) == 0)
		return 0;
	return rc;
}

/* A frame with the (decoded, from the peer) initial message m. */
static int
session_on_init(const struct session *cur, struct session *next,
    const struct prekeys *pk_cur, struct prekeys *pk_next,
    const struct ident *me, const struct x3dh_init *m, const uint8_t *msg,
    size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct x3dh_prekey *spk, *opk = NULL;
	uint8_t sk[X3DH_SK_LEN], ad[X3DH_AD_LEN];
	int i, rc;

	/* The initiator repeats its initial message until we answer, so
	 * this is usually a later message on a state we already hold. */
	if (cur->has_cur && session_ek_is(cur->cur_ek, m->ek))
		return session_try(
		    cur, next, false, msg, len, out, cap, out_len);
	if (cur->has_prev && session_ek_is(cur->prev_ek, m->ek))
		return session_try(
		    cur, next, true, msg, len, out, cap, out_len);
	/* Accepted once and since dropped: a fresh copy of that state
	 * would accept its messages a second time. */
	if (session_seen(cur, m->ek))
		return ERR_REPLAY;
	spk = prekeys_spk(pk_cur, m->spk_id);
	if (spk == NULL)
		return ERR_NOTFOUND;
	if (m->has_opk) {
		i = prekeys_opk_find(pk_cur, m->opk_id);
		if (i < 0)
			return ERR_NOTFOUND;
		opk = &pk_cur->opk[i];
	}
	rc = x3dh_respond(me, spk, opk, m, sk, ad);
	if (rc < 0)
		goto out;
	/* next->prev is free until the end, so the new state starts there
	 * rather than in a second 35 KB state on the stack. */
	ratchet_init_responder(&next->prev, sk, ad, spk->priv, spk->pub);
	rc = ratchet_decrypt(
	    &next->prev, &next->cur, msg, len, out, cap, out_len);
	if (rc < 0)
		goto out;
	session_demote(cur, next);
	next->has_cur = true;
	memcpy(next->cur_ek, m->ek, X3DH_KEY_LEN);
	session_seen_add(next, m->ek);
	session_received(next);
	/* Deleted for good: a replay of m can no longer run X3DH. */
	if (opk != NULL)
		rc = prekeys_opk_del(pk_cur, pk_next, opk->id);
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(ad, sizeof ad);
	return rc;
}

int
session_decrypt(const struct session *cur, struct session *next,
    const struct prekeys *pk_cur, struct prekeys *pk_next,
    const struct ident *me, const uint8_t sender[static IDENT_PK_LEN],
    const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	struct x3dh_init m;
	uint8_t flags;
	int rc = ERR_PROTO;

	*out_len = 0;
	session_copy(next, cur);
	prekeys_copy(pk_next, pk_cur);
	/* The envelope's sender must be this session's peer: the ratchet's
	 * AD names both identities but is public, so it proves nothing. */
	if (memcmp(sender, cur->peer, IDENT_PK_LEN) != 0)
		goto out;
	rc = ERR_TRUNCATED;
	if (len < SESSION_FRAME_HEADER)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != SESSION_VERSION)
		goto out;
	flags = in[1];
	rc = ERR_PROTO;
	if ((flags & ~SESSION_FLAG_INIT) != 0)
		goto out;
	in += SESSION_FRAME_HEADER;
	len -= SESSION_FRAME_HEADER;
	if ((flags & SESSION_FLAG_INIT) == 0) {
		rc = session_on_msg(cur, next, in, len, out, cap, out_len);
		goto out;
	}
	rc = ERR_TRUNCATED;
	if (len < X3DH_INIT_LEN)
		goto out;
	rc = x3dh_init_decode(&m, in, X3DH_INIT_LEN);
	if (rc < 0)
		goto out;
	rc = ERR_PROTO;
	if (memcmp(m.ik, cur->peer, IDENT_PK_LEN) != 0)
		goto out;
	rc = session_on_init(cur, next, pk_cur, pk_next, me, &m,
	    in + X3DH_INIT_LEN, len - X3DH_INIT_LEN, out, cap, out_len);
out:
	if (rc < 0) {
		*out_len = 0;
		session_copy(next, cur);
		prekeys_copy(pk_next, pk_cur);
	}
	return rc;
}

size_t
session_saved_len(const struct session *s)
{
	size_t len = SESSION_SAVED_FIXED + (size_t)s->nseen * X3DH_KEY_LEN;

	if (s->has_cur)
		len += 4 + ratchet_saved_len(&s->cur);
	if (s->has_prev)
		len += 4 + ratchet_saved_len(&s->prev);
	return len;
}

/* Appends u32 length | state at *p, which has room (checked by the
 * caller against session_saved_len). */
static int
session_put_state(uint8_t **p, size_t *left, const struct ratchet *st)
{
	size_t n;
	int rc;

	rc = ratchet_save(st, *p + 4, *left - 4, &n);
	if (rc < 0)
		return rc;
	session_put32(*p, (uint32_t)n);
	*p += 4 + n;
	*left -= 4 + n;
	return 0;
}

int
session_save(const struct session *s, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t *p = out;
	size_t len = session_saved_len(s), left = len;
	int rc;

	*out_len = 0;
	if (cap < len)
		return ERR_TOO_BIG;
	*p++ = SESSION_VERSION;
	memcpy(p, s->peer, IDENT_PK_LEN);
	p += IDENT_PK_LEN;
	*p++ = (uint8_t)((s->has_cur ? 1 : 0) | (s->has_prev ? 2 : 0) |
	                 (s->init_pending ? 4 : 0));
	memcpy(p, s->cur_ek, X3DH_KEY_LEN);
	memcpy(p + X3DH_KEY_LEN, s->prev_ek, X3DH_KEY_LEN);
	p += 2 * X3DH_KEY_LEN;
	memcpy(p, s->init, X3DH_INIT_LEN);
	p += X3DH_INIT_LEN;
	*p++ = (uint8_t)(s->nseen >> 8);
	*p++ = (uint8_t)s->nseen;
	memcpy(p, s->seen, (size_t)s->nseen * X3DH_KEY_LEN);
	p += (size_t)s->nseen * X3DH_KEY_LEN;
	left -= (size_t)(p - out);
	if (s->has_cur) {
		rc = session_put_state(&p, &left, &s->cur);
		if (rc < 0)
			return rc;
	}
	if (s->has_prev) {
		rc = session_put_state(&p, &left, &s->prev);
		if (rc < 0)
			return rc;
	}
	*out_len = len;
	return 0;
}

/* Reads u32 length | state from *p (left bytes remain). */
static int
session_get_state(const uint8_t **p, size_t *left, struct ratchet *st)
{
	size_t n;
	int rc;

	if (*left < 4)
		return ERR_TRUNCATED;
	n = session_get32(*p);
	if (n > *left - 4)
		return ERR_TRUNCATED;
	rc = ratchet_load(st, *p + 4, n);
	if (rc < 0)
		return rc;
	*p += 4 + n;
	*left -= 4 + n;
	return 0;
}

/* True if the peer is one of the two identities in the state's AD. */
static bool
session_state_ok(const struct session *s, const struct ratchet *st)
{
	return memcmp(st->ad, s->peer, IDENT_PK_LEN) == 0 ||
	       memcmp(st->ad + IDENT_PK_LEN, s->peer, IDENT_PK_LEN) == 0;
}

/* The checks on a loaded record that its fields agree with each other. */
static bool
session_consistent(const struct session *s)
{
	struct x3dh_init m;
	bool cur_resp = !sodium_is_zero(s->cur_ek, X3DH_KEY_LEN);
	bool prev_resp = !sodium_is_zero(s->prev_ek, X3DH_KEY_LEN);

	if (s->has_prev && !s->has_cur)
		return false;
	if ((!s->has_cur && cur_resp) || (!s->has_prev && prev_resp))
		return false;
	if ((s->has_cur && !session_state_ok(s, &s->cur)) ||
	    (s->has_prev && !session_state_ok(s, &s->prev)))
		return false;
	/* Only a state we initiated has an initial message to send. */
	if (s->init_pending) {
		if (!s->has_cur || cur_resp ||
		    x3dh_init_decode(&m, s->init, X3DH_INIT_LEN) < 0)
			return false;
	} else if (!sodium_is_zero(s->init, X3DH_INIT_LEN))
		return false;
	/* Every accepted key is a real one, once; held states' keys are
	 * among them. */
	for (size_t i = 0; i < s->nseen; i++) {
		if (sodium_is_zero(s->seen[i], X3DH_KEY_LEN))
			return false;
		for (size_t j = 0; j < i; j++)
			if (memcmp(s->seen[i], s->seen[j], X3DH_KEY_LEN) == 0)
				return false;
	}
	if ((cur_resp && !session_seen(s, s->cur_ek)) ||
	    (prev_resp && !session_seen(s, s->prev_ek)))
		return false;
	if (cur_resp && prev_resp &&
	    memcmp(s->cur_ek, s->prev_ek, X3DH_KEY_LEN) == 0)
		return false;
	return true;
}

int
session_load(struct session *s, const uint8_t *in, size_t len)
{
	const uint8_t *p = in;
	size_t nseen, left;
	uint8_t flags;
	int rc = ERR_TRUNCATED;

	sodium_memzero(s, sizeof *s);
	if (len < SESSION_SAVED_FIXED)
		goto out;
	rc = ERR_TOO_BIG;
	if (len > SESSION_SAVED_MAX)
		goto out;
	rc = ERR_VERSION;
	if (in[0] != SESSION_VERSION)
		goto out;
	rc = ERR_PROTO;
	flags = in[1 + IDENT_PK_LEN];
	nseen = (size_t)in[SESSION_SAVED_FIXED - 2] << 8 |
	        in[SESSION_SAVED_FIXED - 1];
	if (flags > 7 || nseen > SESSION_SEEN_MAX)
		goto out;
	rc = ERR_TRUNCATED;
	if (len - SESSION_SAVED_FIXED < nseen * X3DH_KEY_LEN)
		goto out;
	p++;
	memcpy(s->peer, p, IDENT_PK_LEN);
	p += IDENT_PK_LEN + 1;
	s->has_cur = flags & 1;
	s->has_prev = flags & 2;
	s->init_pending = flags & 4;
	memcpy(s->cur_ek, p, X3DH_KEY_LEN);
	memcpy(s->prev_ek, p + X3DH_KEY_LEN, X3DH_KEY_LEN);
	p += 2 * X3DH_KEY_LEN;
	memcpy(s->init, p, X3DH_INIT_LEN);
	p += X3DH_INIT_LEN + 2;
	s->nseen = (uint16_t)nseen;
	memcpy(s->seen, p, nseen * X3DH_KEY_LEN);
	p += nseen * X3DH_KEY_LEN;
	left = len - (size_t)(p - in);
	if (s->has_cur) {
		rc = session_get_state(&p, &left, &s->cur);
		if (rc < 0)
			goto out;
	}
	if (s->has_prev) {
		rc = session_get_state(&p, &left, &s->prev);
		if (rc < 0)
			goto out;
	}
	rc = ERR_TOO_BIG;
	if (left != 0)
		goto out;
	rc = ERR_PROTO;
	if (!session_consistent(s))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		sodium_memzero(s, sizeof *s);
	return rc;
}
