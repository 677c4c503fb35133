/* SPDX-License-Identifier: ISC */
/* The relay's listener, signals and orderly shutdown. */
#include "relay/relay.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/secmem.h"
#include "relay/conn.h"

static void relay_on_connection(uv_stream_t *server, int status);
static void relay_on_signal(uv_signal_t *h, int signum);
static void relay_on_stats(void *arg, struct buf *out);

/* One line of the stats text. */
struct relay_stat {
	const char *name;
	uint64_t value;
};

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

int
relay_start(struct relay *r, uv_loop_t *loop, const struct relay_config *cfg,
    const uint8_t priv[static 32])
{
	int rc;

	memset(r, 0, sizeof *r);
	r->loop = loop;
	r->cfg = *cfg;
	r->s_priv = secmem_take(32);
	memcpy(r->s_priv, priv, 32);
	noise_pubkey(r->s_pub, r->s_priv);
	rc = stream_loop_init(&r->sl, loop);
	if (rc != 0)
		return rc;
	uv_tcp_init(loop, &r->server);
	r->server.data = r;
	uv_signal_init(loop, &r->sigint);
	uv_signal_init(loop, &r->sigterm);
	r->sigint.data = r->sigterm.data = r;
	uv_signal_start(&r->sigint, relay_on_signal, SIGINT);
	uv_signal_start(&r->sigterm, relay_on_signal, SIGTERM);
	rc = relay_bind(r);
	if (rc != 0) {
		relay_stop(r);
		return rc;
	}
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

void
relay_stop(struct relay *r)
{
	if (r->stopping)
		return;
	r->stopping = true;
	uv_close((uv_handle_t *)&r->server, NULL);
	uv_close((uv_handle_t *)&r->sigint, NULL);
	uv_close((uv_handle_t *)&r->sigterm, NULL);
	relay_stats_close(&r->stats);
	relay_conn_close_all(r);
	stream_loop_release(&r->sl);
	secmem_give(r->s_priv);
	r->s_priv = NULL;
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
	const struct relay *r = arg;
	const struct relay_stat stats[] = {
	    {"connections", r->nconns},
	    {"accepted", r->accepted},
	    {"refused_busy", r->refused_busy},
	    {"handshakes", r->handshakes},
	    {"failed", r->failed},
	};

	for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++)
		if (relay_stats_add(out, stats[i].name, stats[i].value) != 0)
			break;
}

static void
relay_on_signal(uv_signal_t *h, int signum)
{
	struct relay *r = h->data;

	log_info("signal %d: shutting down (%u connections, %llu accepted, "
	         "%llu handshakes)",
	    signum, r->nconns, (unsigned long long)r->accepted,
	    (unsigned long long)r->handshakes);
	relay_stop(r);
}
