/* SPDX-License-Identifier: ISC */
/*
 * Mailbox owners online. Several connections may own one mailbox (a
 * person's two devices, or a reconnect racing the old connection's close);
 * each gets the push and acknowledges on its own.
 */
#include "relay/mbox.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire.h"
#include "common/xmalloc.h"
#include "relay/conn.h"
#include "relay/relay.h"

struct relay_owners {
	struct relay_conn **conns;
	size_t n, cap;
};

int
mbox_claim(struct relay *r, struct relay_conn *c,
    const uint8_t id[static PROTO_ID_LEN])
{
	struct relay_owners *o;

	if (relay_conn_has_claim(c, id))
		return 0;
	if (c->nclaims >= RELAY_CLAIMS_MAX)
		return ERR_QUOTA;
	o = idmap_get(&r->owners, id);
	if (o == NULL) {
		o = xcalloc(1, sizeof *o);
		idmap_put(&r->owners, id, o);
	}
	if (o->n == o->cap) {
		o->cap = o->cap == 0 ? 2 : o->cap * 2;
		o->conns = xreallocarray(o->conns, o->cap, sizeof *o->conns);
	}
	o->conns[o->n++] = c;
	memcpy(c->claims[c->nclaims++], id, PROTO_ID_LEN);
	return 0;
}

void
mbox_drop_conn(struct relay *r, struct relay_conn *c)
{
	struct relay_owners *o;

	for (unsigned k = 0; k < c->nclaims; k++) {
		o = idmap_get(&r->owners, c->claims[k]);
		if (o == NULL)
			continue;
		for (size_t i = 0; i < o->n; i++) {
			if (o->conns[i] == c) {
				o->conns[i] = o->conns[--o->n];
				break;
			}
		}
		if (o->n == 0) {
			idmap_del(&r->owners, c->claims[k]);
			free(o->conns);
			free(o);
		}
	}
	c->nclaims = 0;
}

void
mbox_push(struct relay *r, const uint8_t id[static PROTO_ID_LEN],
    uint64_t msg_id, uint64_t time_s, const uint8_t *env, size_t len)
{
	struct wire_msg m;

	/* Nobody to tell: skip the encoding. */
	if (idmap_get(&r->owners, id) == NULL)
		return;
	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_MBOX_MSG;
	m.u.deliver.id.p = id;
	m.u.deliver.id.len = PROTO_ID_LEN;
	m.u.deliver.seq = msg_id;
	m.u.deliver.time_s = time_s;
	m.u.deliver.envelope.p = env;
	m.u.deliver.envelope.len = len;
	buf_reset(&r->scratch);
	if (wire_encode(&r->scratch, &m) == 0)
		relay_defer_push(r, id, r->scratch.data, r->scratch.len);
}

size_t
mbox_send(struct relay *r, const uint8_t id[static PROTO_ID_LEN],
    const uint8_t *msg, size_t len)
{
	struct relay_owners *o = idmap_get(&r->owners, id);
	size_t n = 0;

	for (size_t i = 0; o != NULL && i < o->n; i++)
		if (stream_send_raw(&o->conns[i]->st, msg, len) == 0)
			n++;
	return n;
}
