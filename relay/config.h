/* SPDX-License-Identifier: ISC */
/*
 * The relay's settings: every limit the relay enforces, with the defaults
 * documented in man/hearth-relay.8. Settings come from the defaults, then
 * the configuration file (DIR/relay.conf, or --config FILE), then flags.
 */
#ifndef HEARTH_RELAY_CONFIG_H
#define HEARTH_RELAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/stream.h"

/* Longest operator token, in bytes. */
#define RELAY_TOKEN_MAX 64
/* Configuration files larger than this are refused before reading. */
#define RELAY_CONFIG_FILE_MAX (64 * 1024)

/* Who may create rooms. */
enum relay_room_create {
	RELAY_ROOM_CREATE_ANYONE, /* any connected client */
	RELAY_ROOM_CREATE_TOKEN,  /* clients that present the operator token */
};

struct relay_config {
	/* Where to listen. */
	char host[ADDR_HOST_MAX + 1]; /* numeric address */
	uint16_t port;                /* 0: any free port */
	int ready_fd;                 /* gets "PORT\n" once listening; -1 */

	/* Connections. */
	unsigned max_conns;          /* at once, in total */
	unsigned max_conns_per_addr; /* at once, from one source address */
	struct stream_limits limits; /* handshake, idle, slow-reader queue */
	size_t frame_max;            /* largest frame body accepted */

	/* Per-connection request rate: a token bucket. */
	uint32_t rate_per_s; /* requests added to the bucket each second */
	uint32_t rate_burst; /* bucket size */
	unsigned max_subs;   /* room subscriptions per connection */

	/* Rooms. */
	enum relay_room_create room_create;
	uint8_t token[RELAY_TOKEN_MAX]; /* operator token (raw bytes) */
	size_t token_len;               /* 0: no token configured */
	uint64_t room_keep_count;       /* default log length of a room */
	uint64_t room_keep_count_max;   /* most a creator may ask for */
	uint64_t room_keep_age_s;       /* default log age of a room */
	uint64_t room_keep_age_max_s;   /* most a creator may ask for */
	unsigned page_max;              /* envelopes per fetch reply */

	/* Mailboxes, prekeys and escrows. */
	uint64_t mbox_ttl_s;       /* envelopes expire after this */
	uint64_t mbox_quota_count; /* envelopes waiting in one mailbox */
	uint64_t mbox_quota_bytes; /* bytes waiting in one mailbox */
	unsigned otk_max;          /* one-time prekeys kept per mailbox */
	uint64_t escrow_max_s;     /* furthest release time from now */
	unsigned escrow_max;       /* escrows waiting in the whole relay */

	/* Durability: fsync every commit (true) or leave it to the OS. */
	bool sync_full;

	enum log_level log_level;

	char data_dir[1024]; /* where relay.key and relay.db live */
};

/* Fills cfg with the documented defaults (man/hearth-relay.8). */
void relay_config_defaults(struct relay_config *cfg);

#endif
