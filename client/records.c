/* SPDX-License-Identifier: ISC */
#include "client/records.h"

#include <string.h>

#include <sodium.h>

#include "client/codec.h"
#include "common/err.h"
#include "common/pad.h"

/* Ends a load: ERR_TRUNCATED, ERR_TOO_BIG for bytes left, or 0. */
static int
records_end(const struct rd *r)
{
	if (r->bad)
		return ERR_TRUNCATED;
	return rd_left(r) != 0 ? ERR_TOO_BIG : 0;
}

static int
records_version(struct rd *r)
{
	unsigned ver = (unsigned)rd_uint(r, 1);

	if (r->bad)
		return ERR_TRUNCATED;
	return ver == RECORDS_VERSION ? 0 : ERR_VERSION;
}

static void
wr_name(struct wr *w, const char *name)
{
	size_t n = strlen(name);

	wr_uint(w, n, 1);
	wr_bytes(w, name, n);
}

/* A name: 1 byte of length, then a name utf8_name_ok accepts. */
static int
rd_name(struct rd *r, char out[UTF8_NAME_MAX + 1])
{
	size_t n = (size_t)rd_uint(r, 1);
	const uint8_t *p = rd_take(r, n);

	out[0] = '\0';
	if (p == NULL)
		return ERR_TRUNCATED;
	if (!utf8_name_ok(p, n))
		return ERR_PROTO;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static void
wr_relay(struct wr *w, const char *relay)
{
	size_t n = strlen(relay);

	wr_uint(w, n, 2);
	wr_bytes(w, relay, n);
}

/* A relay address: 2 bytes of length, then what addr_parse accepts. */
static int
rd_relay(struct rd *r, char out[ADDR_STR_MAX])
{
	size_t n = (size_t)rd_uint(r, 2);
	const uint8_t *p = rd_take(r, n);
	struct addr a;

	out[0] = '\0';
	if (p == NULL)
		return ERR_TRUNCATED;
	if (n >= ADDR_STR_MAX || addr_parse((const char *)p, n, &a) != 0)
		return ERR_PROTO;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
records_out(const struct wr *w, size_t *out_len)
{
	if (w->bad)
		return ERR_TOO_BIG;
	*out_len = w->off;
	return 0;
}

int
room_rec_save(
    const struct room_rec *rm, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t own[SENDERKEY_OWN_LEN];
	struct wr w;

	*out_len = 0;
	senderkey_own_save(&rm->own, own);
	wr_init(&w, out, cap);
	wr_uint(&w, RECORDS_VERSION, 1);
	wr_uint(&w, rm->flags & ROOM_REC_FLAGS, 1);
	wr_bytes(&w, rm->secret, sizeof rm->secret);
	wr_uint(&w, rm->epoch, 4);
	wr_uint(&w, rm->last_seq, 8);
	wr_uint(&w, rm->expire_s, 4);
	wr_bytes(&w, own, sizeof own);
	wr_bytes(&w, rm->owner, sizeof rm->owner);
	wr_relay(&w, rm->relay);
	wr_name(&w, rm->name);
	sodium_memzero(own, sizeof own);
	return records_out(&w, out_len);
}

int
room_rec_load(struct room_rec *rm, const uint8_t *in, size_t len)
{
	const uint8_t *own;
	struct rd r;
	int rc;

	memset(rm, 0, sizeof *rm);
	rd_init(&r, in, len);
	if ((rc = records_version(&r)) != 0)
		return rc;
	rm->flags = (uint8_t)rd_uint(&r, 1);
	rd_copy(&r, rm->secret, sizeof rm->secret);
	rm->epoch = (uint32_t)rd_uint(&r, 4);
	rm->last_seq = rd_uint(&r, 8);
	rm->expire_s = (uint32_t)rd_uint(&r, 4);
	own = rd_take(&r, SENDERKEY_OWN_LEN);
	rd_copy(&r, rm->owner, sizeof rm->owner);
	if (r.bad)
		rc = ERR_TRUNCATED;
	else if ((rm->flags & ~ROOM_REC_FLAGS) != 0 ||
	         rm->expire_s > CONTENT_EXPIRE_MAX)
		rc = ERR_PROTO;
	else
		rc = senderkey_own_load(&rm->own, own, SENDERKEY_OWN_LEN);
	if (rc == 0 && rm->own.epoch != rm->epoch)
		rc = ERR_PROTO;
	if (rc == 0)
		rc = rd_relay(&r, rm->relay);
	if (rc == 0)
		rc = rd_name(&r, rm->name);
	if (rc == 0)
		rc = records_end(&r);
	if (rc != 0)
		sodium_memzero(rm, sizeof *rm);
	return rc;
}

int
member_rec_save(
    const struct member_rec *m, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t sk[SENDERKEY_PEER_MAX];
	size_t sklen = 0;
	struct wr w;

	*out_len = 0;
	if (m->has_sk &&
	    senderkey_peer_save(&m->sk, sk, sizeof sk, &sklen) != 0)
		return ERR_TOO_BIG;
	wr_init(&w, out, cap);
	wr_uint(&w, RECORDS_VERSION, 1);
	wr_uint(&w, m->flags & MEMBER_REC_FLAGS, 1);
	wr_uint(&w, sklen, 2);
	wr_bytes(&w, sk, sklen);
	sodium_memzero(sk, sizeof sk);
	return records_out(&w, out_len);
}

int
member_rec_load(struct member_rec *m, const uint8_t *in, size_t len)
{
	const uint8_t *sk;
	size_t sklen;
	struct rd r;
	int rc;

	memset(m, 0, sizeof *m);
	rd_init(&r, in, len);
	if ((rc = records_version(&r)) != 0)
		return rc;
	m->flags = (uint8_t)rd_uint(&r, 1);
	sklen = (size_t)rd_uint(&r, 2);
	sk = rd_take(&r, sklen);
	if ((rc = records_end(&r)) != 0)
		return rc;
	if ((m->flags & ~MEMBER_REC_FLAGS) != 0)
		return ERR_PROTO;
	if (sklen > 0) {
		if ((rc = senderkey_peer_load(&m->sk, sk, sklen)) != 0) {
			memset(m, 0, sizeof *m);
			return rc;
		}
		m->has_sk = true;
	}
	return 0;
}

int
contact_rec_save(
    const struct contact_rec *c, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr w;

	*out_len = 0;
	wr_init(&w, out, cap);
	wr_uint(&w, RECORDS_VERSION, 1);
	wr_uint(&w, c->flags & CONTACT_REC_FLAGS, 1);
	wr_uint(&w, c->time_s, 8);
	wr_uint(&w, c->expire_s, 4);
	wr_bytes(&w, c->mbox_pk, sizeof c->mbox_pk);
	wr_bytes(&w, c->bundle, sizeof c->bundle);
	wr_relay(&w, c->relay);
	wr_name(&w, c->name);
	return records_out(&w, out_len);
}

int
contact_rec_load(struct contact_rec *c, const uint8_t *in, size_t len)
{
	struct x3dh_bundle b;
	struct rd r;
	int rc;

	memset(c, 0, sizeof *c);
	rd_init(&r, in, len);
	if ((rc = records_version(&r)) != 0)
		return rc;
	c->flags = (uint8_t)rd_uint(&r, 1);
	c->time_s = rd_uint(&r, 8);
	c->expire_s = (uint32_t)rd_uint(&r, 4);
	rd_copy(&r, c->mbox_pk, sizeof c->mbox_pk);
	rd_copy(&r, c->bundle, sizeof c->bundle);
	if (r.bad)
		rc = ERR_TRUNCATED;
	else if ((c->flags & ~CONTACT_REC_FLAGS) != 0 ||
	         c->expire_s > CONTENT_EXPIRE_MAX)
		rc = ERR_PROTO;
	else
		rc = x3dh_bundle_decode(&b, c->bundle, sizeof c->bundle);
	if (rc == 0)
		rc = rd_relay(&r, c->relay);
	if (rc == 0)
		rc = rd_name(&r, c->name);
	if (rc == 0)
		rc = records_end(&r);
	if (rc != 0)
		memset(c, 0, sizeof *c);
	return rc;
}

int
outbox_rec_save(
    const struct outbox_rec *o, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr w;

	*out_len = 0;
	wr_init(&w, out, cap);
	wr_uint(&w, RECORDS_VERSION, 1);
	wr_uint(&w, o->op, 1);
	wr_uint(&w, o->report ? 1 : 0, 1);
	wr_bytes(&w, o->msgid, sizeof o->msgid);
	wr_bytes(&w, o->target, sizeof o->target);
	wr_bytes(&w, o->about, sizeof o->about);
	wr_relay(&w, o->relay);
	wr_bytes(&w, o->env, o->env_len);
	return records_out(&w, out_len);
}

int
outbox_rec_load(struct outbox_rec *o, const uint8_t *in, size_t len)
{
	unsigned report;
	struct rd r;
	int rc;

	memset(o, 0, sizeof *o);
	rd_init(&r, in, len);
	if ((rc = records_version(&r)) != 0)
		return rc;
	o->op = (enum outbox_op)rd_uint(&r, 1);
	report = (unsigned)rd_uint(&r, 1);
	rd_copy(&r, o->msgid, sizeof o->msgid);
	rd_copy(&r, o->target, sizeof o->target);
	rd_copy(&r, o->about, sizeof o->about);
	if (r.bad)
		return ERR_TRUNCATED;
	if (o->op < OUTBOX_ROOM_PUB || o->op > OUTBOX_ESCROW_EXTEND ||
	    report > 1)
		rc = ERR_PROTO;
	o->report = report == 1;
	if (rc == 0)
		rc = rd_relay(&r, o->relay);
	o->env_len = rd_left(&r);
	o->env = in + r.off;
	/* A relay takes envelopes of 1 to PAD_BUCKET_MAX bytes. */
	if (rc == 0 && (o->env_len == 0 || o->env_len > PAD_BUCKET_MAX))
		rc = ERR_PROTO;
	if (rc != 0)
		memset(o, 0, sizeof *o);
	return rc;
}

int
history_rec_save(
    const struct history_rec *h, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t clen = 0;
	struct wr w;
	int rc;

	*out_len = 0;
	wr_init(&w, out, cap);
	wr_uint(&w, RECORDS_VERSION, 1);
	wr_uint(&w, h->mine ? 1 : 0, 1);
	wr_bytes(&w, h->sender, sizeof h->sender);
	if (w.bad)
		return ERR_TOO_BIG;
	rc = content_encode(&h->c, out + w.off, cap - w.off, &clen);
	if (rc != 0)
		return rc;
	*out_len = w.off + clen;
	return 0;
}

int
history_rec_load(struct history_rec *h, const uint8_t *in, size_t len)
{
	unsigned mine;
	struct rd r;
	int rc;

	memset(h, 0, sizeof *h);
	rd_init(&r, in, len);
	if ((rc = records_version(&r)) != 0)
		return rc;
	mine = (unsigned)rd_uint(&r, 1);
	rd_copy(&r, h->sender, sizeof h->sender);
	if (r.bad)
		return ERR_TRUNCATED;
	if (mine > 1)
		return ERR_PROTO;
	h->mine = mine == 1;
	rc = content_decode(&h->c, in + r.off, len - r.off);
	if (rc == 0 && h->c.type != CONTENT_TEXT && h->c.type != CONTENT_URGENT)
		rc = ERR_PROTO;
	if (rc != 0)
		memset(h, 0, sizeof *h);
	return rc;
}

int
pending_rec_save(
    const struct pending_rec *p, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr w;

	*out_len = 0;
	wr_init(&w, out, cap);
	wr_uint(&w, p->seq, 8);
	wr_uint(&w, p->time_s, 8);
	wr_bytes(&w, p->env, p->env_len);
	return records_out(&w, out_len);
}

int
pending_rec_load(struct pending_rec *p, const uint8_t *in, size_t len)
{
	struct rd r;

	memset(p, 0, sizeof *p);
	rd_init(&r, in, len);
	p->seq = rd_uint(&r, 8);
	p->time_s = rd_uint(&r, 8);
	if (r.bad)
		return ERR_TRUNCATED;
	p->env_len = rd_left(&r);
	p->env = in + r.off;
	if (p->env_len == 0 || p->env_len > PAD_BUCKET_MAX) {
		memset(p, 0, sizeof *p);
		return ERR_PROTO;
	}
	return 0;
}

int
timer_rec_save(
    const struct timer_rec *t, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr w;

	*out_len = 0;
	if (t->npeers == 0 || t->npeers > TIMER_REC_MAX_PEERS)
		return ERR_PROTO;
	wr_init(&w, out, cap);
	wr_uint(&w, RECORDS_VERSION, 1);
	wr_uint(&w, t->deadline_s, 8);
	wr_uint(&w, t->npeers, 1);
	for (size_t i = 0; i < t->npeers; i++) {
		wr_bytes(&w, t->peers[i].token, 32);
		wr_bytes(&w, t->peers[i].peer, 32);
		wr_relay(&w, t->peers[i].relay);
	}
	return records_out(&w, out_len);
}

int
timer_rec_load(struct timer_rec *t, const uint8_t *in, size_t len)
{
	struct rd r;
	int rc;

	memset(t, 0, sizeof *t);
	rd_init(&r, in, len);
	if ((rc = records_version(&r)) != 0)
		return rc;
	t->deadline_s = rd_uint(&r, 8);
	t->npeers = (size_t)rd_uint(&r, 1);
	if (r.bad)
		return ERR_TRUNCATED;
	if (t->npeers == 0 || t->npeers > TIMER_REC_MAX_PEERS)
		rc = ERR_PROTO;
	for (size_t i = 0; rc == 0 && i < t->npeers; i++) {
		rd_copy(&r, t->peers[i].token, 32);
		rd_copy(&r, t->peers[i].peer, 32);
		rc = rd_relay(&r, t->peers[i].relay);
	}
	if (rc == 0)
		rc = records_end(&r);
	if (rc != 0)
		sodium_memzero(t, sizeof *t);
	return rc;
}
