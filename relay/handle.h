/* SPDX-License-Identifier: ISC */
/*
 * Request handlers, one per message type, registered in relay/conn.c's
 * dispatch table. Each answers its request exactly once: OK, FAIL, INFO or
 * PREKEY, now or after the store's commit. m and its bytes are borrowed
 * for the call; the schema (common/wire.c) has already checked every
 * field's type and length.
 */
#ifndef HEARTH_RELAY_HANDLE_H
#define HEARTH_RELAY_HANDLE_H

#include <stdbool.h>

#include "common/wire.h"

struct relay_conn;

typedef void relay_handle_fn(struct relay_conn *c, const struct wire_msg *m);

/*
 * Shared by room and mailbox fetches (relay/handle-room.c): sends up to a
 * page of ROOM_MSG or MBOX_MSG, then OK with the last sequence number or id
 * sent, or the request's `after` if none.
 */
void handle__fetch(struct relay_conn *c, const struct wire_msg *m, bool room);

/* relay/handle-room.c */
relay_handle_fn handle_room_create, handle_room_sub, handle_room_unsub,
    handle_room_pub, handle_room_fetch, handle_room_rotate;

/* relay/handle-mbox.c */
relay_handle_fn handle_mbox_claim, handle_mbox_put, handle_mbox_fetch,
    handle_mbox_ack, handle_prekey_pub, handle_prekey_get;

/* relay/handle-escrow.c */
relay_handle_fn handle_escrow_put, handle_escrow_cancel, handle_escrow_extend;

#endif
