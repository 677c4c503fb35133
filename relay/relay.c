/* SPDX-License-Identifier: ISC */
/*
 * The relay's listener, signals, the per-turn store commit with its
 * deferred replies, the escrow and prune timers, and orderly shutdown.
 */
#include "relay/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/secmem.h"
#include "common/wire.h"
#include "common/xmalloc.h"
#include "relay/conn.h"
#include "relay/mbox.h"
#include "relay/room.h"
#include "relay/store.h"

/* How often expired envelopes are deleted. */
#define RELAY_PRUNE_MS (60 * 1000)
/* The escrow timer never sleeps longer, in case the clock is changed. */
#define RELAY_ESCROW_NAP_MS (60 * 1000)
/* Bound on the encoded replies waiting for one commit. */
#define RELAY_DEFERRED_MAX (64 * 1024 * 1024)

static void relay_on_connection(uv_stream_t *server, int status);
static void relay_on_signal(uv_signal_t *h, int signum);
static void relay_on_commit(uv_prepare_t *p);
static void relay_on_escrow(uv_timer_t *t);
static void relay_on_prune(uv_timer_t *t);
static int relay_commit(struct relay *r);
static void relay_on_stats(void *arg, struct buf *out);

/* One gauge line of the stats text. */
struct relay_stat {
	const char *name;
	uint64_t value;
};

uint64_t
relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
relay_bind(struct relay *r)
{
	struct sockaddr_storage ss;
	int len = sizeof ss, rc;

	if (strchr(r->cfg.host, ':') != NULL)
		rc = uv_ip6_addr(
		    r->cfg.host, r->cfg.port, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(
		    r->cfg.host, r->cfg.port, (struct sockaddr_in *)&ss);
	if (rc != 0)
		return rc;
	rc = uv_tcp_bind(&r->server, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen(
		    (uv_stream_t *)&r->server, 511, relay_on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(
		    &r->server, (struct sockaddr *)&ss, &len);
	if (rc != 0)
		return rc;
	r->port = ntohs(ss.ss_family == AF_INET6
	                    ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                    : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

static void
relay_report_ready(struct relay *r)
{
	char line[16];
	int n;

	/* Scripts read the port from stdout; tests from the ready fd. */
	printf("%u\n", (unsigned)r->port);
	fflush(stdout);
	if (r->cfg.ready_fd < 0)
		return;
	n = snprintf(line, sizeof line, "%u\n", (unsigned)r->port);
	if (write(r->cfg.ready_fd, line, (size_t)n) != n)
		log_warn("could not write to the ready descriptor");
	close(r->cfg.ready_fd);
}

/* Pushes a released escrow to its mailbox's owners, if any are online. */
static void
relay_on_release(void *arg, const uint8_t mbox[RELAY_STORE_ID_LEN], uint64_t id,
    uint64_t time_s, const uint8_t *env, size_t len)
{
	struct relay *r = arg;

	r->ctr.escrow_releases++;
	mbox_push(r, mbox, id, time_s, env, len);
	/* mbox_push() defers the push until the release is committed. */
}

/*
 * After a store error the escrow timer tries again with a growing delay,
 * so that a failing disk neither stops safety alerts for good nor spins.
 */
#define RELAY_ESCROW_RETRY_MIN_MS 1000

static void
relay_escrow_retry(struct relay *r, int rc)
{
	r->ctr.store_errors++;
	log_error("escrows: %s; trying again", err_str(rc));
	r->escrow_backoff_ms = r->escrow_backoff_ms == 0
	                           ? RELAY_ESCROW_RETRY_MIN_MS
	                           : r->escrow_backoff_ms * 2;
	if (r->escrow_backoff_ms > RELAY_ESCROW_NAP_MS)
		r->escrow_backoff_ms = RELAY_ESCROW_NAP_MS;
	uv_timer_start(&r->escrow, relay_on_escrow, r->escrow_backoff_ms, 0);
}

/* Releases every escrow that is due, then sleeps until the next. */
static void
relay_escrow_release(struct relay *r)
{
	uint64_t released = 0;
	int rc;

	rc = relay_store_escrow_release(
	    r->store, relay_now_ms() / 1000, relay_on_release, r, &released);
	if (rc != 0) {
		relay_escrow_retry(r, rc);
		return;
	}
	if (released > 0)
		log_info("released %llu escrows", (unsigned long long)released);
	relay_escrow_arm(r);
}

void
relay_escrow_arm(struct relay *r)
{
	uint64_t release_s, now = relay_now_ms(), delay;
	int rc;

	if (r->stopping)
		return;
	rc = relay_store_escrow_next(r->store, &release_s);
	if (rc == ERR_NOTFOUND) {
		uv_timer_stop(&r->escrow);
		return;
	}
	if (rc != 0) {
		relay_escrow_retry(r, rc);
		return;
	}
	r->escrow_backoff_ms = 0;
	/* Wake just after the release second has begun. */
	delay = release_s * 1000 > now ? release_s * 1000 - now : 0;
	if (delay > RELAY_ESCROW_NAP_MS)
		delay = RELAY_ESCROW_NAP_MS;
	uv_timer_start(&r->escrow, relay_on_escrow, delay, 0);
}

static void
relay_on_escrow(uv_timer_t *t)
{
	relay_escrow_release(t->data);
}

static void
relay_prune_now(struct relay *r)
{
	uint64_t deleted = 0;
	int rc;

	rc = relay_store_prune(
	    r->store, relay_now_ms() / 1000, r->cfg.mbox_ttl_s, &deleted);
	if (rc != 0) {
		r->ctr.store_errors++;
		log_error("pruning expired envelopes failed: %s", err_str(rc));
	}
	r->ctr.pruned += deleted;
}

/*
 * Every prune also commits and truncates the write-ahead log, so deleted
 * envelopes do not stay readable in relay.db-wal for long.
 */
static void
relay_on_prune(uv_timer_t *t)
{
	struct relay *r = t->data;
	int rc;

	relay_prune_now(r);
	if (relay_commit(r) != 0)
		return;
	rc = relay_store_checkpoint(r->store);
	if (rc != 0) {
		r->ctr.store_errors++;
		log_error("checkpoint failed: %s", err_str(rc));
	}
}

/*
 * Takes an exclusive lock on DIR/relay.lock for as long as the process
 * lives: two relays on one folder would share one database and one stats
 * socket, and the second would fail in confusing ways much later.
 */
static int
relay_lock(struct relay *r, const char **msg)
{
	char path[RELAY_DATA_DIR_MAX + sizeof RELAY_LOCK_FILE + 1];
	int n;

	n = snprintf(
	    path, sizeof path, "%s/%s", r->cfg.data_dir, RELAY_LOCK_FILE);
	if (n < 0 || (size_t)n >= sizeof path)
		return ERR_TOO_BIG;
	r->lock_fd = open(
	    path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
	if (r->lock_fd < 0)
		return -errno;
	if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		*msg = "another hearth-relay is running with this data folder";
		return UV_EBUSY;
	}
	return 0;
}

int
relay_start(struct relay *r, uv_loop_t *loop, const struct relay_config *cfg,
    const uint8_t priv[static 32], const char **msg)
{
	int rc;

	memset(r, 0, sizeof *r);
	*msg = NULL;
	r->loop = loop;
	r->cfg = *cfg;
	r->lock_fd = -1;
	rc = relay_lock(r, msg);
	if (rc != 0) {
		relay_release(r);
		return rc;
	}
	rc = relay_store_open(&r->store, cfg->data_dir, cfg->sync_full, msg);
	if (rc != 0) {
		relay_release(r);
		return rc;
	}
	r->s_priv = secmem_take(32);
	memcpy(r->s_priv, priv, 32);
	noise_pubkey(r->s_pub, r->s_priv);
	idmap_init(&r->rooms);
	idmap_init(&r->owners);
	idmap_init(&r->addrs);
	buf_init(&r->deferred_bytes, RELAY_DEFERRED_MAX);
	buf_init(&r->scratch, PROTO_PLAIN_MAX);
	rc = stream_loop_init(&r->sl, loop);
	if (rc != 0) {
		relay_release(r);
		return rc;
	}
	uv_tcp_init(loop, &r->server);
	r->server.data = r;
	uv_signal_init(loop, &r->sigint);
	uv_signal_init(loop, &r->sigterm);
	r->sigint.data = r->sigterm.data = r;
	uv_signal_start(&r->sigint, relay_on_signal, SIGINT);
	uv_signal_start(&r->sigterm, relay_on_signal, SIGTERM);
	uv_prepare_init(loop, &r->commit);
	r->commit.data = r;
	uv_prepare_start(&r->commit, relay_on_commit);
	uv_unref((uv_handle_t *)&r->commit);
	uv_timer_init(loop, &r->escrow);
	r->escrow.data = r;
	uv_timer_init(loop, &r->prune);
	r->prune.data = r;
	rc = relay_bind(r);
	if (rc != 0) {
		relay_stop(r);
		return rc;
	}
	/* Escrows that fell due while the relay was down go out now. */
	relay_prune_now(r);
	relay_escrow_release(r);
	uv_timer_start(
	    &r->prune, relay_on_prune, RELAY_PRUNE_MS, RELAY_PRUNE_MS);
	log_info("listening on %s port %u", r->cfg.host, (unsigned)r->port);
	/* Before reporting ready, so whoever waits for it can ask for stats. */
	if (r->cfg.data_dir[0] != '\0') {
		rc = relay_stats_listen(
		    &r->stats, loop, r->cfg.data_dir, relay_on_stats, r);
		if (rc != 0)
			log_warn("running without the stats socket: %s",
			    err_str(rc));
	}
	relay_report_ready(r);
	return 0;
}

/* Sends one deferred item after a commit that returned rc. */
static void
relay_deliver(struct relay *r, const struct relay_deferred *d, int rc)
{
	const uint8_t *msg = r->deferred_bytes.data + d->off;
	struct relay_room *room;

	if (d->c != NULL)
		d->c->deferred = 0;
	switch (d->kind) {
	case RELAY_DEFER_DATA:
		if (d->c != NULL && rc == 0)
			(void)stream_send_raw(&d->c->st, msg, d->len);
		break;
	case RELAY_DEFER_REPLY:
		if (d->c == NULL)
			break;
		if (rc == 0)
			(void)stream_send_raw(&d->c->st, msg, d->len);
		else
			relay_conn_fail(d->c, d->req, PROTO_E_INTERNAL,
			    "relay store failed; nothing was stored");
		break;
	case RELAY_DEFER_ROOM:
		/* Gone if its last subscriber left meanwhile: nobody to tell.
		 */
		room = idmap_get(&r->rooms, d->id);
		if (rc == 0 && room != NULL)
			r->ctr.room_deliveries +=
			    room_fanout(room, d->skip_id, msg, d->len);
		break;
	case RELAY_DEFER_MBOX:
		if (rc == 0)
			r->ctr.mbox_pushes += mbox_send(r, d->id, msg, d->len);
		break;
	}
}

/*
 * Commits the store, then sends what waited for it: replies (or FAILs if
 * the commit failed) and deliveries (dropped if it failed). Returns the
 * commit's result.
 */
static int
relay_commit(struct relay *r)
{
	int rc = 0;

	if (relay_store_pending(r->store)) {
		rc = relay_store_commit(r->store);
		r->ctr.commits++;
		if (rc != 0) {
			r->ctr.store_errors++;
			log_error("commit failed: %s", err_str(rc));
		}
	}
	for (size_t i = 0; i < r->ndeferred; i++)
		relay_deliver(r, &r->deferred[i], rc);
	r->ndeferred = 0;
	buf_reset(&r->deferred_bytes);
	/* This hook may run after the streams' own: flush what it queued. */
	stream_loop_flush(&r->sl);
	return rc;
}

static void
relay_on_commit(uv_prepare_t *p)
{
	(void)relay_commit(p->data);
}

/*
 * Appends a deferred item and its bytes. Returns 0, or the result of the
 * commit it had to force to make room when that commit failed: the item's
 * write was in the lost batch, and the caller must report that.
 */
static int
relay_defer_add(struct relay *r, const struct relay_deferred *item,
    const uint8_t *msg, size_t len)
{
	struct relay_deferred *d;
	int rc;

	if (buf_append(&r->deferred_bytes, msg, len) != 0) {
		rc = relay_commit(r);
		if (rc != 0)
			return rc;
		if (buf_append(&r->deferred_bytes, msg, len) != 0)
			return ERR_TOO_BIG;
	}
	if (r->ndeferred == r->deferred_cap) {
		r->deferred_cap =
		    r->deferred_cap == 0 ? 64 : r->deferred_cap * 2;
		r->deferred = xreallocarray(
		    r->deferred, r->deferred_cap, sizeof *r->deferred);
	}
	d = &r->deferred[r->ndeferred++];
	*d = *item;
	d->off = r->deferred_bytes.len - len;
	d->len = len;
	if (d->c != NULL)
		d->c->deferred += len;
	return 0;
}

void
relay_defer_data(
    struct relay *r, struct relay_conn *c, const uint8_t *msg, size_t len)
{
	struct relay_deferred d;

	memset(&d, 0, sizeof d);
	d.kind = RELAY_DEFER_DATA;
	d.c = c;
	(void)relay_defer_add(r, &d, msg, len);
}

void
relay_defer_truncate(struct relay *r, size_t mark)
{
	if (mark >= r->ndeferred)
		return;
	for (size_t i = mark; i < r->ndeferred; i++)
		if (r->deferred[i].c != NULL)
			r->deferred[i].c->deferred -= r->deferred[i].len;
	r->deferred_bytes.len = r->deferred[mark].off;
	r->ndeferred = mark;
}

int
relay_commit_now(struct relay *r)
{
	return relay_commit(r);
}

bool
relay_defer_fits(const struct relay *r, size_t len)
{
	return len <= r->deferred_bytes.max - r->deferred_bytes.len;
}

void
relay_defer(struct relay *r, struct relay_conn *c, uint64_t req,
    const uint8_t *msg, size_t len)
{
	struct relay_deferred d;

	memset(&d, 0, sizeof d);
	d.kind = RELAY_DEFER_REPLY;
	d.c = c;
	d.req = req;
	if (relay_defer_add(r, &d, msg, len) != 0)
		relay_conn_fail(c, req, PROTO_E_INTERNAL,
		    "relay store failed; nothing was stored");
}

void
relay_defer_fanout(struct relay *r, const uint8_t id[static 32],
    uint64_t skip_id, const uint8_t *msg, size_t len)
{
	struct relay_deferred d;

	memset(&d, 0, sizeof d);
	d.kind = RELAY_DEFER_ROOM;
	d.skip_id = skip_id;
	memcpy(d.id, id, sizeof d.id);
	(void)relay_defer_add(r, &d, msg, len);
}

void
relay_defer_push(struct relay *r, const uint8_t id[static 32],
    const uint8_t *msg, size_t len)
{
	struct relay_deferred d;

	memset(&d, 0, sizeof d);
	d.kind = RELAY_DEFER_MBOX;
	memcpy(d.id, id, sizeof d.id);
	(void)relay_defer_add(r, &d, msg, len);
}

void
relay_defer_forget(struct relay *r, struct relay_conn *c)
{
	for (size_t i = 0; i < r->ndeferred; i++)
		if (r->deferred[i].c == c)
			r->deferred[i].c = NULL;
}

void
relay_stop(struct relay *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	uv_close((uv_handle_t *)&r->server, NULL);
	uv_close((uv_handle_t *)&r->sigint, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
	uv_close((uv_handle_t *)&r->escrow, NULL);
	uv_close((uv_handle_t *)&r->prune, NULL);
	/* Answer what the last turn stored before anyone is dropped. */
	(void)relay_commit(r);
	uv_close((uv_handle_t *)&r->commit, NULL);
	relay_stats_close(&r->stats);
	relay_conn_close_all(r);
	stream_loop_release(&r->sl);
}

void
relay_release(struct relay *r)
{
	secmem_give(r->s_priv);
	r->s_priv = NULL;
	relay_store_close(r->store);
	r->store = NULL;
	idmap_release(&r->rooms);
	idmap_release(&r->owners);
	idmap_release(&r->addrs);
	free(r->deferred);
	r->deferred = NULL;
	buf_release(&r->deferred_bytes);
	buf_release(&r->scratch);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->lock_fd = -1;
}

static void
relay_on_connection(uv_stream_t *server, int status)
{
	struct relay *r = server->data;

	if (r->stopping)
		return;
	if (status != 0) {
		log_warn("listener: %s", err_str(status));
		return;
	}
	relay_conn_accept(r);
}

/*
 * The stats text: one "name value" line per counter or gauge. Add new
 * ones to the table; nothing here may identify a client or a room.
 */
static void
relay_on_stats(void *arg, struct buf *out)
{
	relay_stats_text(arg, out);
}

static void
relay_on_signal(uv_signal_t *h, int signum)
{
	struct relay *r = h->data;

	log_info("signal %d: shutting down (%u connections, %llu accepted, "
	         "%llu handshakes)",
	    signum, r->nconns, (unsigned long long)r->ctr.accepted,
	    (unsigned long long)r->ctr.handshakes);
	relay_stop(r);
}

void
relay_stats_text(struct relay *r, struct buf *out)
{
	uint64_t rooms = 0, escrows = 0;

#define RELAY_COUNTER_LINE(name)                                               \
	if (relay_stats_add(out, #name, r->ctr.name) != 0)                     \
		return;
	RELAY_COUNTERS(RELAY_COUNTER_LINE)
#undef RELAY_COUNTER_LINE
	(void)relay_store_room_count(r->store, &rooms);
	(void)relay_store_escrow_count(r->store, &escrows);
	{
		const struct relay_stat gauges[] = {
		    {"connections", r->nconns},
		    {"rooms_active", r->rooms.count},
		    {"mailboxes_online", r->owners.count},
		    {"rooms_stored", rooms},
		    {"escrows_waiting", escrows},
		};

		for (size_t i = 0; i < sizeof gauges / sizeof gauges[0]; i++)
			if (relay_stats_add(
			        out, gauges[i].name, gauges[i].value) != 0)
				return;
	}
}
