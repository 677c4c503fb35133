/* SPDX-License-Identifier: ISC */
/*
 * The stats socket: the server on a real loop, the blocking client on a
 * thread (it would otherwise wait for the loop it runs on), stale and
 * foreign files at the socket's path, the connection cap, and clients
 * that never read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "common/buf.h"
#include "common/err.h"
#include "relay/stats.h"
#include "tests/unit/cm.h"

#define LOOP_TURNS_MAX 10000

struct query {
	const char *dir;
	struct buf out;
	int rc;
	uv_async_t done;
	bool finished;
};

static char dir[] = "/tmp/test-stats.XXXXXX";
static char sock_path[128];
static unsigned fills;

static void
fill_counters(void *arg, struct buf *out)
{
	fills++;
	relay_stats_add(out, "connections", 3);
	relay_stats_add(out, "accepted", 18446744073709551615ull);
}

static void
fill_too_much(void *arg, struct buf *out)
{
	/* Stops at the buffer's bound, which is RELAY_STATS_MAX. */
	while (relay_stats_add(out, "padding_counter_name", 1234567890) == 0)
		;
}

static void
on_query_done(uv_async_t *h)
{
	struct query *q = h->data;

	q->finished = true;
	uv_close((uv_handle_t *)h, NULL);
}

static void *
query_thread(void *arg)
{
	struct query *q = arg;

	q->rc = relay_stats_query(q->dir, &q->out);
	uv_async_send(&q->done);
	return NULL;
}

/* Runs relay_stats_query() on a thread while the loop serves it. */
static int
query_on_loop(uv_loop_t *loop, struct buf *out)
{
	struct query q;
	pthread_t t;
	int turns = 0;

	memset(&q, 0, sizeof q);
	q.dir = dir;
	buf_init(&q.out, RELAY_STATS_MAX);
	assert_int_equal(uv_async_init(loop, &q.done, on_query_done), 0);
	q.done.data = &q;
	assert_int_equal(pthread_create(&t, NULL, query_thread, &q), 0);
	while (!q.finished && turns++ < LOOP_TURNS_MAX)
		uv_run(loop, UV_RUN_ONCE);
	assert_true(q.finished);
	assert_int_equal(pthread_join(t, NULL), 0);
	uv_run(loop, UV_RUN_NOWAIT);
	*out = q.out;
	return q.rc;
}

static void
close_and_drain(uv_loop_t *loop, struct relay_stats_server *s)
{
	relay_stats_close(s);
	relay_stats_close(s); /* idempotent */
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(s->open, 0);
	assert_int_equal(s->conns, 0);
	assert_int_equal(uv_loop_close(loop), 0);
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof sock_path, "%s/%s", dir, RELAY_STATS_SOCK);
	return 0;
}

static int
teardown(void **state)
{
	unlink(sock_path);
	return rmdir(dir);
}

/* Leaves a socket file at sock_path that nobody listens on. */
static void
make_stale_socket(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_serves_text_and_cleans_up(void **state)
{
	static const char want[] =
	    "connections 3\naccepted 18446744073709551615\n";
	struct relay_stats_server s;
	struct stat st;
	struct buf out;
	uv_loop_t loop;

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, dir, fill_counters, NULL), 0);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	fills = 0;
	assert_int_equal(query_on_loop(&loop, &out), 0);
	assert_int_equal(out.len, sizeof want - 1);
	assert_memory_equal(out.data, want, sizeof want - 1);
	assert_int_equal(fills, 1);
	buf_release(&out);
	close_and_drain(&loop, &s);
	assert_int_equal(lstat(sock_path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* Nobody there now. */
	buf_init(&out, RELAY_STATS_MAX);
	assert_int_equal(relay_stats_query(dir, &out), UV_ENOENT);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

static void
test_stale_socket_replaced(void **state)
{
	struct relay_stats_server s;
	struct buf out;
	uv_loop_t loop;

	make_stale_socket();
	buf_init(&out, RELAY_STATS_MAX);
	assert_int_equal(relay_stats_query(dir, &out), UV_ECONNREFUSED);
	buf_release(&out);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, dir, fill_counters, NULL), 0);
	assert_int_equal(query_on_loop(&loop, &out), 0);
	assert_true(out.len > 0);
	buf_release(&out);
	close_and_drain(&loop, &s);
}

static void
test_refuses_live_socket_and_other_files(void **state)
{
	struct relay_stats_server s, second;
	struct stat st;
	uv_loop_t loop;
	int fd;

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, dir, fill_counters, NULL), 0);
	/* A second relay on the same folder must not steal the socket. */
	assert_int_equal(
	    relay_stats_listen(&second, &loop, dir, fill_counters, NULL),
	    UV_EADDRINUSE);
	relay_stats_close(&second);
	assert_int_equal(lstat(sock_path, &st), 0);
	close_and_drain(&loop, &s);

	/* A regular file is never replaced. */
	fd = open(sock_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	assert_int_equal(close(fd), 0);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, dir, fill_counters, NULL), UV_EEXIST);
	relay_stats_close(&s);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 4);
	assert_int_equal(unlink(sock_path), 0);
}

static void
test_path_too_long(void **state)
{
	struct relay_stats_server s;
	struct buf out;
	uv_loop_t loop;
	char longdir[200];

	memset(longdir, 'x', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, longdir, fill_counters, NULL),
	    ERR_TOO_BIG);
	relay_stats_close(&s);
	assert_int_equal(uv_loop_close(&loop), 0);
	buf_init(&out, RELAY_STATS_MAX);
	assert_int_equal(relay_stats_query(longdir, &out), ERR_TOO_BIG);
	buf_release(&out);
}

static void
test_cap_and_silent_clients(void **state)
{
	enum { N = RELAY_STATS_CONNS_MAX + 2 };
	struct relay_stats_server s;
	struct sockaddr_un sa;
	uv_loop_t loop;
	char got[256];
	int fd[N], answered = 0, refused = 0, turns = 0;
	ssize_t n;

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, dir, fill_counters, NULL), 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	for (int i = 0; i < N; i++) {
		fd[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(fd[i] >= 0);
		assert_int_equal(
		    connect(fd[i], (struct sockaddr *)&sa, sizeof sa), 0);
	}
	/* Nobody reads, yet the relay answers, closes and forgets them all. */
	do
		uv_run(&loop, UV_RUN_NOWAIT);
	while ((s.conns > 0 || s.open != 1) && turns++ < LOOP_TURNS_MAX);
	assert_int_equal(s.conns, 0);
	assert_int_equal(s.open, 1);
	for (int i = 0; i < N; i++) {
		n = read(fd[i], got, sizeof got);
		if (n > 0)
			answered++;
		else if (n == 0)
			refused++;
		assert_int_equal(close(fd[i]), 0);
	}
	assert_int_equal(answered, RELAY_STATS_CONNS_MAX);
	assert_int_equal(refused, N - RELAY_STATS_CONNS_MAX);
	close_and_drain(&loop, &s);
}

static void
test_text_bounded(void **state)
{
	struct relay_stats_server s;
	struct buf out;
	uv_loop_t loop;

	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(
	    relay_stats_listen(&s, &loop, dir, fill_too_much, NULL), 0);
	assert_int_equal(query_on_loop(&loop, &out), 0);
	assert_true(out.len > RELAY_STATS_MAX - 64);
	assert_true(out.len <= RELAY_STATS_MAX);
	assert_int_equal(out.data[out.len - 1], '\n');
	buf_release(&out);
	close_and_drain(&loop, &s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_serves_text_and_cleans_up),
	    cmocka_unit_test(test_stale_socket_replaced),
	    cmocka_unit_test(test_refuses_live_socket_and_other_files),
	    cmocka_unit_test(test_path_too_long),
	    cmocka_unit_test(test_cap_and_silent_clients),
	    cmocka_unit_test(test_text_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
