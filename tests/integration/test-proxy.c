/* SPDX-License-Identifier: ISC */
/*
 * `hearth ping --proxy` against a real SOCKS5 server (Debian's microsocks)
 * and a real relay, both on loopback, plus small fake proxies for replies
 * microsocks never sends. The client's own system calls are traced with
 * strace to show that, through a proxy, it never looks a relay name up:
 * no resolver file opened, no DNS socket, one connection, to the proxy.
 *
 * usage: test-proxy HEARTH_RELAY HEARTH MICROSOCKS STRACE
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/harness.h"
#include "tests/unit/cm.h"

#define RUN_LIMIT_MS 20000

static const char *hearth_bin;
static const char *microsocks_bin;
static const char *strace_bin;

struct proxy_proc {
	pid_t pid;
	uint16_t port;
};

/* What one client run printed, and how it ended. */
struct run {
	int status; /* exit status, or -1 */
	char out[4096];
	char err[4096];
};

static struct relay_proc relay;
static struct proxy_proc open_proxy, auth_proxy;

static void
ms_sleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/*
 * A loopback port nobody listens on right now: bound, read, closed. The
 * kernel does not hand it out again at once, which is all a test needs.
 */
static uint16_t
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/*
 * Starts microsocks on a free loopback port, with credentials if user is
 * not NULL, and waits (5 s at most) until it accepts connections: it has
 * no way to say it is ready.
 */
static int
proxy_start(struct proxy_proc *pp, const char *user, const char *pass)
{
	char port[8];
	char *argv[12];
	int argc = 0, fd = -1;

	pp->port = free_port();
	snprintf(port, sizeof port, "%u", (unsigned)pp->port);
	argv[argc++] = (char *)microsocks_bin;
	argv[argc++] = "-i";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "-p";
	argv[argc++] = port;
	if (user != NULL) {
		argv[argc++] = "-u";
		argv[argc++] = (char *)user;
		argv[argc++] = "-P";
		argv[argc++] = (char *)pass;
	}
	argv[argc] = NULL;
	pp->pid = fork();
	if (pp->pid < 0)
		return -1;
	if (pp->pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	for (int waited = 0; waited < 5000 && fd < 0; waited += 20) {
		if (waitpid(pp->pid, NULL, WNOHANG) != 0) {
			fprintf(stderr,
			    "test-proxy: %s did not start (install it: "
			    "scripts/deps.sh test)\n",
			    microsocks_bin);
			pp->pid = 0;
			return -1;
		}
		fd = raw_connect(pp->port);
		if (fd < 0)
			ms_sleep(20);
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void
proxy_stop(struct proxy_proc *pp)
{
	int st;

	if (pp->pid <= 0)
		return;
	kill(pp->pid, SIGTERM);
	for (int waited = 0; waited < 5000; waited += 10) {
		if (waitpid(pp->pid, &st, WNOHANG) == pp->pid) {
			pp->pid = 0;
			return;
		}
		ms_sleep(10);
	}
	kill(pp->pid, SIGKILL);
	waitpid(pp->pid, &st, 0);
	pp->pid = 0;
}

/* Appends what fd has to buf (cap bytes, NUL kept); -1 at EOF. */
static int
drain(int fd, char *buf, size_t cap, size_t *got)
{
	char junk[512];
	ssize_t n;

	if (*got < cap - 1)
		n = read(fd, buf + *got, cap - 1 - *got);
	else
		n = read(fd, junk, sizeof junk);
	if (n <= 0)
		return -1;
	if (*got < cap - 1)
		*got += (size_t)n;
	buf[*got] = '\0';
	return 0;
}

/* Runs argv to completion (RUN_LIMIT_MS) capturing stdout and stderr. */
static void
run(char *const argv[], struct run *r)
{
	int out[2], err[2], st, open_fds = 2;
	size_t got_out = 0, got_err = 0;
	struct pollfd pfd[2];
	pid_t pid;

	memset(r, 0, sizeof *r);
	r->status = -1;
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		close(out[1]);
		close(err[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	pfd[0] = (struct pollfd){out[0], POLLIN, 0};
	pfd[1] = (struct pollfd){err[0], POLLIN, 0};
	while (open_fds > 0) {
		if (poll(pfd, 2, RUN_LIMIT_MS) <= 0)
			break;
		if (pfd[0].revents != 0 && pfd[0].fd >= 0 &&
		    drain(out[0], r->out, sizeof r->out, &got_out) != 0) {
			pfd[0].fd = -1;
			open_fds--;
		}
		if (pfd[1].revents != 0 && pfd[1].fd >= 0 &&
		    drain(err[0], r->err, sizeof r->err, &got_err) != 0) {
			pfd[1].fd = -1;
			open_fds--;
		}
	}
	close(out[0]);
	close(err[0]);
	if (open_fds > 0) {
		fprintf(stderr, "test-proxy: %s ran too long\n", argv[0]);
		kill(pid, SIGKILL);
	}
	waitpid(pid, &st, 0);
	if (open_fds == 0 && WIFEXITED(st))
		r->status = WEXITSTATUS(st);
}

/* An address for the test relay's key at host:port. */
static void
relay_addr(char *out, size_t cap, const char *host, uint16_t port)
{
	char key[ADDR_KEY_B64_LEN + 1];

	addr_key_encode(relay.addr.key, key);
	snprintf(out, cap, "hearth://%s@%s:%u", key, host, (unsigned)port);
}

static void
proxy_url(char *out, size_t cap, const char *cred, uint16_t port)
{
	snprintf(out, cap, "socks5://%s%s127.0.0.1:%u", cred ? cred : "",
	    cred ? "@" : "", (unsigned)port);
}

/* hearth ping ADDRESS --count 1 [--proxy URL], traced if trace != NULL. */
static void
ping(struct run *r, const char *address, const char *proxy, const char *trace)
{
	char *argv[20];
	char asan[512];
	const char *old = getenv("ASAN_OPTIONS");
	int argc = 0;

	if (trace != NULL) {
		/*
		 * LeakSanitizer cannot work under ptrace and makes the run
		 * fail; leaks are still checked by every untraced run.
		 */
		snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s%sdetect_leaks=0",
		    old != NULL ? old : "", old != NULL ? ":" : "");
		argv[argc++] = (char *)strace_bin;
		argv[argc++] = "-E";
		argv[argc++] = asan;
		argv[argc++] = "-f";
		argv[argc++] = "-qq";
		argv[argc++] = "-e";
		argv[argc++] = "trace=open,openat,connect";
		argv[argc++] = "-o";
		argv[argc++] = (char *)trace;
	}
	argv[argc++] = (char *)hearth_bin;
	argv[argc++] = "ping";
	argv[argc++] = (char *)address;
	argv[argc++] = "--count";
	argv[argc++] = "1";
	if (proxy != NULL) {
		argv[argc++] = "--proxy";
		argv[argc++] = (char *)proxy;
	}
	argv[argc] = NULL;
	run(argv, r);
}

static void
expect_ok(const struct run *r)
{
	if (r->status != 0)
		fprintf(stderr, "# stdout: %s# stderr: %s", r->out, r->err);
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "relay key verified"));
	assert_non_null(strstr(r->out, "1 pings answered"));
}

static void
expect_fail(const struct run *r, const char *pattern)
{
	if (r->status != 1 || strstr(r->err, pattern) == NULL)
		fprintf(stderr, "# want '%s'; stdout: %s# stderr: %s", pattern,
		    r->out, r->err);
	assert_int_equal(r->status, 1);
	assert_non_null(strstr(r->err, pattern));
}

/* The strace output of one run, read whole. */
static char *
slurp(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	unlink(path);
	return buf;
}

/* Any sign in a trace that the process asked the system resolver. */
static const char *
resolver_trace(const char *trace)
{
	static const char *const signs[] = {"/etc/hosts", "/etc/resolv.conf",
	    "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "nscd",
	    "htons(53)", "systemd/resolve"};

	for (size_t i = 0; i < sizeof signs / sizeof signs[0]; i++)
		if (strstr(trace, signs[i]) != NULL)
			return signs[i];
	return NULL;
}

static void
trace_path(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/hearth-proxy-trace-%d", (int)getpid());
}

static void
test_ping_through_proxy(void **state)
{
	char url[64];
	struct run r;

	proxy_url(url, sizeof url, NULL, open_proxy.port);
	ping(&r, relay.addr_str, url, NULL);
	expect_ok(&r);
	assert_non_null(strstr(r.out, "connected to 127.0.0.1 port"));
}

/*
 * A relay given by name, through the proxy: it works, and the client's
 * trace shows no resolver at work and one connection, to the proxy. The
 * same name without a proxy shows the resolver, so the check can fail.
 */
static void
test_name_goes_to_proxy(void **state)
{
	char url[64], address[ADDR_STR_MAX], trace[64], want[64];
	const char *t, *sign;
	struct run r;

	trace_path(trace, sizeof trace);
	relay_addr(address, sizeof address, "localhost", relay.port);
	proxy_url(url, sizeof url, NULL, open_proxy.port);

	ping(&r, address, url, trace);
	expect_ok(&r);
	t = slurp(trace);
	sign = resolver_trace(t);
	if (sign != NULL)
		fprintf(stderr, "# resolver use (%s) in:\n%s", sign, t);
	assert_null(sign);
	snprintf(want, sizeof want, "htons(%u)", (unsigned)open_proxy.port);
	assert_non_null(strstr(t, want));
	snprintf(want, sizeof want, "htons(%u)", (unsigned)relay.port);
	assert_null(strstr(t, want));

	/* The control: directly, the client does ask the resolver. */
	ping(&r, address, NULL, trace);
	expect_ok(&r);
	t = slurp(trace);
	assert_non_null(resolver_trace(t));
	assert_non_null(strstr(t, want));
}

/*
 * A name no resolver can answer (RFC 6761 .invalid): the error is the
 * proxy's reply, not a local lookup failure, so the name went to the
 * proxy. microsocks answers a failed lookup with "general failure".
 */
static void
test_unresolvable_name_fails_at_proxy(void **state)
{
	char url[64], address[ADDR_STR_MAX];
	struct run r;

	relay_addr(address, sizeof address, "relay.invalid", relay.port);
	proxy_url(url, sizeof url, NULL, open_proxy.port);
	ping(&r, address, url, NULL);
	expect_fail(&r, "hearth: relay relay.invalid port");
	assert_non_null(strstr(r.err, "through the proxy at 127.0.0.1"));
	assert_non_null(strstr(r.err, "(general failure)"));
	assert_null(strstr(r.err, "unknown node"));
	assert_null(strstr(r.err, "cannot reach the proxy"));
}

static void
test_relay_refused_through_proxy(void **state)
{
	char url[64], address[ADDR_STR_MAX];
	struct run r;

	relay_addr(address, sizeof address, "127.0.0.1", free_port());
	proxy_url(url, sizeof url, NULL, open_proxy.port);
	ping(&r, address, url, NULL);
	expect_fail(&r, "the relay host refused the proxy's connection");
}

static void
test_proxy_with_credentials(void **state)
{
	char url[96];
	struct run r;

	proxy_url(url, sizeof url, "alice:s3cret", auth_proxy.port);
	ping(&r, relay.addr_str, url, NULL);
	expect_ok(&r);
	/* Percent-encoded, the same credentials. */
	proxy_url(url, sizeof url, "%61lice:s3cre%74", auth_proxy.port);
	ping(&r, relay.addr_str, url, NULL);
	expect_ok(&r);

	proxy_url(url, sizeof url, NULL, auth_proxy.port);
	ping(&r, relay.addr_str, url, NULL);
	expect_fail(&r, "the proxy wants a username and password");

	proxy_url(url, sizeof url, "alice:wrong", auth_proxy.port);
	ping(&r, relay.addr_str, url, NULL);
	expect_fail(&r, "the proxy rejected the username or password");
	/* The password is never echoed. */
	assert_null(strstr(r.err, "wrong"));
}

static void
test_proxy_down(void **state)
{
	char url[64], want[96];
	uint16_t port = free_port();
	struct run r;

	proxy_url(url, sizeof url, NULL, port);
	ping(&r, relay.addr_str, url, NULL);
	snprintf(want, sizeof want,
	    "hearth: cannot reach the proxy at 127.0.0.1 port %u: "
	    "connection refused",
	    (unsigned)port);
	expect_fail(&r, want);
}

/* A .onion relay without a proxy: refused before any lookup. */
static void
test_onion_needs_proxy(void **state)
{
	char address[ADDR_STR_MAX], trace[64];
	const char *t;
	struct run r;

	trace_path(trace, sizeof trace);
	relay_addr(address, sizeof address,
	    "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion",
	    7483);
	ping(&r, address, NULL, trace);
	expect_fail(&r, "needs --proxy (Tor)");
	t = slurp(trace);
	assert_null(resolver_trace(t));
	assert_null(strstr(t, "connect("));
}

/*
 * Through the proxy an onion name is just a name: microsocks cannot
 * resolve it, and says so, which shows it got there.
 */
static void
test_onion_through_proxy(void **state)
{
	char url[64], address[ADDR_STR_MAX];
	struct run r;

	relay_addr(address, sizeof address, "abcdefghijklmnop.onion", 7483);
	proxy_url(url, sizeof url, NULL, open_proxy.port);
	ping(&r, address, url, NULL);
	expect_fail(&r, "through the proxy at 127.0.0.1");
	assert_non_null(strstr(r.err, "(general failure)"));
}

/* What a fake proxy says, and when. */
struct fake_script {
	const char *method; /* sent after the greeting */
	size_t method_len;
	const char *reply; /* sent after the request, or NULL */
	size_t reply_len;
	bool hangup; /* close after reading the request */
	bool whole;  /* send the method reply in one write, not bytewise */
	const char *want;
};

/*
 * A one-connection fake proxy in a child, for replies microsocks never
 * sends: accepts, reads the greeting, sends the method reply one byte per
 * write; then reads the 10-byte CONNECT request for an IPv4 relay and
 * sends the reply the same way, or hangs up. Then it waits for the client
 * to close. Returns the port.
 */
static uint16_t
fake_proxy(pid_t *pid, const struct fake_script *fs)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	uint8_t greeting[3], request[10];
	int lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(10);
		fd = accept(lfd, NULL, NULL);
		if (fd < 0 || raw_read(fd, greeting, sizeof greeting) != 0)
			_exit(1);
		/*
		 * A write may fail because the client has already judged
		 * the first bytes and hung up, which is what it should do.
		 */
		if (raw_write(fd, fs->method, fs->method_len, !fs->whole) != 0)
			_exit(0);
		if (fs->hangup || fs->reply != NULL) {
			if (raw_read(fd, request, sizeof request) != 0)
				_exit(1);
			if (fs->hangup)
				_exit(0);
			if (raw_write(fd, fs->reply, fs->reply_len, 1) != 0)
				_exit(0);
		}
		_exit(raw_wait_closed(fd, 5000) == 0 ? 0 : 1);
	}
	close(lfd);
	return ntohs(sin.sin_port);
}

static void
test_fake_proxy_replies(void **state)
{
	static const struct fake_script cases[] = {
	    {"\x05\xff", 2, NULL, 0, false, false,
	        "the proxy wants a username and password"},
	    {"\x04\x5a", 2, NULL, 0, false, false,
	        "the proxy broke the SOCKS5 protocol"},
	    /*
	     * Out of turn: a reply before the request was sent. One write
	     * on loopback arrives in one read, which is where the client can
	     * tell; split over reads it would pass for a slow reply (and any
	     * junk after it would then fail the Noise handshake).
	     */
	    {"\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x50", 12, NULL, 0,
	        false, true, "the proxy broke the SOCKS5 protocol"},
	    {"\x05\x00", 2, NULL, 0, true, false, "connection closed by peer"},
	    /* Reply codes microsocks does not use, and a hostile ATYP. */
	    {"\x05\x00", 2, "\x05\x02\x00\x01\0\0\0\0\0\0", 10, false, false,
	        "the proxy's rules do not allow this connection"},
	    {"\x05\x00", 2, "\x05\x07\x00\x01\0\0\0\0\0\0", 10, false, false,
	        "the proxy does not support CONNECT"},
	    {"\x05\x00", 2, "\x05\x08\x00\x01\0\0\0\0\0\0", 10, false, false,
	        "the proxy does not support this kind of relay address"},
	    {"\x05\x00", 2, "\x05\x00\x00\x09\0\0\0\0\0\0", 10, false, false,
	        "the proxy broke the SOCKS5 protocol"},
	};
	char url[64];
	struct run r;
	pid_t pid;
	int st;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint16_t port = fake_proxy(&pid, &cases[i]);

		proxy_url(url, sizeof url, NULL, port);
		ping(&r, relay.addr_str, url, NULL);
		fprintf(stderr, "# fake proxy case %zu\n", i);
		expect_fail(&r, cases[i].want);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		/* The fake proxy got what it expected and saw us go. */
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

static void
test_bad_proxy_url(void **state)
{
	static const char *const bad[] = {"http://127.0.0.1:8080",
	    "socks5://127.0.0.1", "socks5://u@127.0.0.1:1",
	    "socks5://x.onion:9050"};
	struct run r;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ping(&r, relay.addr_str, bad[i], NULL);
		assert_int_equal(r.status, 2);
		assert_non_null(strstr(r.err, "--proxy: malformed proxy"));
	}
}

static int
setup(void **state)
{
	if (relay_proc_start(&relay, NULL) != 0)
		return -1;
	if (proxy_start(&open_proxy, NULL, NULL) != 0)
		return -1;
	return proxy_start(&auth_proxy, "alice", "s3cret");
}

static int
teardown(void **state)
{
	proxy_stop(&open_proxy);
	proxy_stop(&auth_proxy);
	return relay_proc_stop(&relay) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ping_through_proxy),
	    cmocka_unit_test(test_name_goes_to_proxy),
	    cmocka_unit_test(test_unresolvable_name_fails_at_proxy),
	    cmocka_unit_test(test_relay_refused_through_proxy),
	    cmocka_unit_test(test_proxy_with_credentials),
	    cmocka_unit_test(test_proxy_down),
	    cmocka_unit_test(test_onion_needs_proxy),
	    cmocka_unit_test(test_onion_through_proxy),
	    cmocka_unit_test(test_fake_proxy_replies),
	    cmocka_unit_test(test_bad_proxy_url),
	};

	if (argc != 5) {
		fprintf(stderr,
		    "usage: test-proxy HEARTH_RELAY HEARTH MICROSOCKS "
		    "STRACE\n");
		return 2;
	}
	harness_relay_bin = argv[1];
	hearth_bin = argv[2];
	microsocks_bin = argv[3];
	strace_bin = argv[4];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
