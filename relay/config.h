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
/* Longest line of a configuration file, without its line ending. */
#define RELAY_CONFIG_LINE_MAX 1024
/* The configuration file's name in the data folder. */
#define RELAY_CONFIG_FILE "relay.conf"
/* Shortest operator token, in bytes: 128 bits. */
#define RELAY_TOKEN_MIN 16
/* Longest data folder path, with its NUL. */
#define RELAY_DATA_DIR_MAX 1024

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

	/* The data folder (for the stats socket); filled by main.c. */
	char data_dir[RELAY_DATA_DIR_MAX];
};

/* Fills cfg with the documented defaults (man/hearth-relay.8). */
void relay_config_defaults(struct relay_config *cfg);

/*
 * Applies the configuration text text[0..len) on top of *cfg: one
 * "key = value" per line, where key is the long name of a `hearth-relay
 * run` flag; blank lines and '#' comments (at the start of a line or after
 * whitespace) are ignored, and CRLF line endings are accepted. Then runs
 * relay_config_check(). Returns 0, or ERR_CONFIG with a message
 * "relay.conf line N: ..." in err (never quoting a value) and *cfg
 * unchanged. err may be NULL when errlen is 0. Never prints.
 */
int relay_config_parse(struct relay_config *cfg, const char *text, size_t len,
    char *err, size_t errlen);

/*
 * Reads the configuration file at path and applies it as
 * relay_config_parse() does, with path in place of "relay.conf" in the
 * message. Refuses symbolic links, anything but a regular file, files over
 * RELAY_CONFIG_FILE_MAX bytes, and files that set operator-token but are
 * readable by group or others. A missing file is an error (UV_ENOENT) only
 * if must_exist; otherwise it returns 0 and leaves *cfg alone. Returns 0,
 * ERR_CONFIG or a libuv error, with *cfg unchanged and a message in err on
 * failure.
 */
int relay_config_load(struct relay_config *cfg, const char *path,
    bool must_exist, char *err, size_t errlen);

/*
 * Sets one key (a configuration file key, which is also a flag's long name)
 * from the value value[0..len), with the same checks as the file. For the
 * command line: flags are applied after the file. Returns 0, or ERR_CONFIG
 * with a message "KEY ..." in err and *cfg unchanged.
 */
int relay_config_set(struct relay_config *cfg, const char *key,
    const char *value, size_t len, char *err, size_t errlen);

/*
 * Checks what no single key can: room-keep-count <= room-keep-count-max,
 * room-keep-age <= room-keep-age-max, and room-create token needs an
 * operator-token. Returns 0 or ERR_CONFIG with a message in err.
 */
int relay_config_check(
    const struct relay_config *cfg, char *err, size_t errlen);

#endif
