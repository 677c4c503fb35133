/* SPDX-License-Identifier: ISC */
/*
 * Mailbox owners online: which connections have proven that they hold a
 * mailbox's key, so that new envelopes are pushed to them at once.
 */
#ifndef HEARTH_RELAY_MBOX_H
#define HEARTH_RELAY_MBOX_H

#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

struct relay;
struct relay_conn;

/*
 * Records that c owns mailbox id. Returns 0 (also if it already did) or
 * ERR_QUOTA past RELAY_CLAIMS_MAX claims on one connection.
 */
int mbox_claim(struct relay *r, struct relay_conn *c,
    const uint8_t id[static PROTO_ID_LEN]);

/* Forgets c's claims (c is closing). */
void mbox_drop_conn(struct relay *r, struct relay_conn *c);

/*
 * Queues a push of a stored envelope to every connection that owns mailbox
 * id, to go out once the store has committed it (relay_defer_push).
 */
void mbox_push(struct relay *r, const uint8_t id[static PROTO_ID_LEN],
    uint64_t msg_id, uint64_t time_s, const uint8_t *env, size_t len);

/*
 * Sends the encoded MBOX_MSG msg[0..len) to mailbox id's owners online.
 * Returns the number of pushes.
 */
size_t mbox_send(struct relay *r, const uint8_t id[static PROTO_ID_LEN],
    const uint8_t *msg, size_t len);

#endif
