/* SPDX-License-Identifier: ISC */
/* The relay's settings and their defaults. */
#include "relay/config.h"

#include <string.h>

void
relay_config_defaults(struct relay_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	memcpy(cfg->host, "127.0.0.1", sizeof "127.0.0.1");
	cfg->port = ADDR_DEFAULT_PORT;
	cfg->ready_fd = -1;
	cfg->max_conns = 4096;
	cfg->max_conns_per_addr = 64;
	cfg->limits.handshake_ms = 10 * 1000;
	cfg->limits.idle_ms = 5 * 60 * 1000;
	cfg->limits.queue_max = 4 * 1024 * 1024;
	cfg->frame_max = 65535;
	cfg->rate_per_s = 1000;
	cfg->rate_burst = 4000;
	cfg->max_subs = 64;
	cfg->room_create = RELAY_ROOM_CREATE_ANYONE;
	cfg->room_keep_count = 1000;
	cfg->room_keep_count_max = 100000;
	cfg->room_keep_age_s = 7 * 86400;
	cfg->room_keep_age_max_s = 90 * 86400;
	cfg->page_max = 256;
	cfg->mbox_ttl_s = 30 * 86400;
	cfg->mbox_quota_count = 5000;
	cfg->mbox_quota_bytes = 64 * 1024 * 1024;
	cfg->otk_max = 200;
	cfg->escrow_max_s = 7 * 86400;
	cfg->escrow_max = 100000;
	cfg->sync_full = true;
	cfg->log_level = LOG_INFO;
}
