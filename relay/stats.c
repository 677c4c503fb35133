/* SPDX-License-Identifier: ISC */
/*
 * The operator's stats socket. The server side is a libuv pipe listener:
 * each connection gets the text the relay's fill callback builds, one
 * write, then a close; the client's bytes are never read, so a client
 * cannot make the relay parse anything. The client side (`hearth-relay
 * stats`) is a plain blocking Unix socket with a timeout: it runs outside
 * any loop.
 */
#include "relay/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* Pending connections the kernel holds for the listener. */
#define RELAY_STATS_BACKLOG 8

/* One stats connection: the handle, the write and the text it sends. */
struct relay_stats_conn {
	uv_pipe_t pipe;
	uv_write_t req;
	struct buf out;
	struct relay_stats_server *s;
};

static void relay_stats_on_connection(uv_stream_t *server, int status);
static void relay_stats_on_write(uv_write_t *req, int status);
static void relay_stats_on_conn_close(uv_handle_t *h);
static void relay_stats_on_listener_close(uv_handle_t *h);

int
relay_stats_add(struct buf *out, const char *name, uint64_t value)
{
	char line[128];
	int n = snprintf(
	    line, sizeof line, "%s %llu\n", name, (unsigned long long)value);

	if (n < 0 || (size_t)n >= sizeof line)
		return ERR_TOO_BIG;
	return buf_append(out, line, (size_t)n);
}

/* Fills sa with dir/stats.sock; ERR_TOO_BIG if it does not fit. */
static int
relay_stats_addr(const char *dir, struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	/* Older libuv truncates a long path silently; refuse it here. */
	n = snprintf(
	    sa->sun_path, sizeof sa->sun_path, "%s/%s", dir, RELAY_STATS_SOCK);
	return n < 0 || (size_t)n >= sizeof sa->sun_path ? ERR_TOO_BIG : 0;
}

/*
 * Makes way for a new socket at path: nothing there, or a socket nobody
 * answers on (its relay died without unlinking it), which is removed.
 */
static int
relay_stats_clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd = -1, rc;

	if (lstat(sa->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return UV_EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = 0;
	if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0)
		rc = UV_EADDRINUSE;
	else if (errno != ECONNREFUSED)
		rc = -errno;
	else if (unlink(sa->sun_path) != 0 && errno != ENOENT)
		rc = -errno;
	close(fd);
	return rc;
}

int
relay_stats_listen(struct relay_stats_server *s, uv_loop_t *loop,
    const char *dir, relay_stats_fill_cb *fill, void *arg)
{
	struct sockaddr_un sa;
	mode_t old;
	int rc;

	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->fill = fill;
	s->arg = arg;
	rc = relay_stats_addr(dir, &sa);
	if (rc == 0 && strlen(sa.sun_path) >= sizeof s->path)
		rc = ERR_TOO_BIG;
	if (rc == 0)
		rc = relay_stats_clear_stale(&sa);
	if (rc != 0)
		return rc;
	rc = uv_pipe_init(loop, &s->pipe, 0);
	if (rc != 0)
		return rc;
	s->pipe.data = s;
	s->listening = true;
	s->open = 1;
	/*
	 * The umask makes the socket 0600 from its creation, so there is no
	 * moment where others could connect; chmod then states it outright.
	 */
	old = umask(0177);
	rc = uv_pipe_bind(&s->pipe, sa.sun_path);
	umask(old);
	if (rc != 0)
		goto out;
	memcpy(s->path, sa.sun_path, strlen(sa.sun_path) + 1);
	if (chmod(s->path, 0600) != 0) {
		rc = -errno;
		goto out;
	}
	rc = uv_listen((uv_stream_t *)&s->pipe, RELAY_STATS_BACKLOG,
	    relay_stats_on_connection);
out:
	if (rc != 0)
		relay_stats_close(s);
	return rc;
}

void
relay_stats_close(struct relay_stats_server *s)
{
	if (s->listening) {
		s->listening = false;
		uv_close(
		    (uv_handle_t *)&s->pipe, relay_stats_on_listener_close);
	}
	if (s->path[0] != '\0') {
		if (unlink(s->path) != 0 && errno != ENOENT)
			log_warn("cannot remove the stats socket: %s",
			    err_str(-errno));
		s->path[0] = '\0';
	}
}

static void
relay_stats_on_listener_close(uv_handle_t *h)
{
	struct relay_stats_server *s = h->data;

	s->open--;
}

static void
relay_stats_conn_close(struct relay_stats_conn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, relay_stats_on_conn_close);
}

static void
relay_stats_on_connection(uv_stream_t *server, int status)
{
	struct relay_stats_server *s = server->data;
	struct relay_stats_conn *c;
	uv_buf_t b;

	if (!s->listening)
		return;
	if (status != 0) {
		log_warn("stats socket: %s", err_str(status));
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->s = s;
	buf_init(&c->out, RELAY_STATS_MAX);
	/* Cannot fail for a pipe on a live loop; accept needs a handle. */
	uv_pipe_init(s->loop, &c->pipe, 0);
	c->pipe.data = c;
	s->open++;
	s->conns++;
	/*
	 * Accept even the connections over the cap: one left pending would
	 * stop libuv from watching the listener. They are closed unanswered.
	 */
	if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0 ||
	    s->conns > RELAY_STATS_CONNS_MAX) {
		relay_stats_conn_close(c);
		return;
	}
	s->fill(s->arg, &c->out);
	if (c->out.len == 0) {
		relay_stats_conn_close(c);
		return;
	}
	/*
	 * The text fits the socket's send buffer, so the write completes at
	 * once even if the client never reads; the cap above bounds the rest.
	 */
	b = uv_buf_init((char *)c->out.data, (unsigned)c->out.len);
	if (uv_write(&c->req, (uv_stream_t *)&c->pipe, &b, 1,
	        relay_stats_on_write) != 0)
		relay_stats_conn_close(c);
}

static void
relay_stats_on_write(uv_write_t *req, int status)
{
	struct relay_stats_conn *c = req->handle->data;

	relay_stats_conn_close(c);
}

static void
relay_stats_on_conn_close(uv_handle_t *h)
{
	struct relay_stats_conn *c = h->data;

	c->s->open--;
	c->s->conns--;
	buf_release(&c->out);
	free(c);
}

int
relay_stats_query(const char *dir, struct buf *out)
{
	struct sockaddr_un sa;
	struct timeval tv = {RELAY_STATS_TIMEOUT_S, 0};
	char chunk[4096];
	ssize_t n;
	int fd = -1, rc;

	buf_reset(out);
	rc = relay_stats_addr(dir, &sa);
	if (rc != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The send timeout bounds connect() when the backlog is full. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
	    connect(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		rc = errno == EAGAIN || errno == EWOULDBLOCK ? ERR_TIMEOUT
		                                             : -errno;
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno == EAGAIN || errno == EWOULDBLOCK
			         ? ERR_TIMEOUT
			         : -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > RELAY_STATS_MAX) {
			rc = ERR_TOO_BIG;
			goto out;
		}
		rc = buf_append(out, chunk, (size_t)n);
		if (rc != 0)
			goto out;
	}
out:
	if (rc != 0)
		buf_reset(out);
	close(fd);
	return rc;
}
