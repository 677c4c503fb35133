/* SPDX-License-Identifier: ISC */
/* Real relay processes and raw sockets for the integration tests. */
#include "tests/integration/harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *harness_relay_bin;

static int
wait_status(pid_t pid, int ms)
{
	int st;

	for (int waited = 0; waited <= ms; waited += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0)
			return -1;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fprintf(
	    stderr, "harness: pid %d did not exit in %d ms\n", (int)pid, ms);
	return -1;
}

int
run_capture(char *const argv[], char *out, size_t cap)
{
	int fds[2];
	size_t got = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = {fds[0], POLLIN, 0};
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(fds[0], out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == cap - 1)
			break;
	}
	out[got] = '\0';
	close(fds[0]);
	return wait_status(pid, 10000);
}

/* Runs `hearth-relay init` on a fresh folder name in rp->dir. */
static int
relay_proc_init(struct relay_proc *rp)
{
	char *argv[8];
	char out[ADDR_STR_MAX + 256];
	int st;

	memset(rp, 0, sizeof *rp);
	snprintf(rp->dir, sizeof rp->dir, "/tmp/hearth-test-XXXXXX");
	if (mkdtemp(rp->dir) == NULL)
		return -1;
	/* init wants to make the folder itself, with its own mode. */
	rmdir(rp->dir);
	argv[0] = (char *)harness_relay_bin;
	argv[1] = "init";
	argv[2] = "--data";
	argv[3] = rp->dir;
	argv[4] = NULL;
	st = run_capture(argv, out, sizeof out);
	if (st != 0) {
		fprintf(stderr, "harness: relay init failed (%d)\n", st);
		return -1;
	}
	return 0;
}

int
relay_proc_launch(struct relay_proc *rp, const char *const *extra)
{
	char *argv[48];
	char port_arg[32], line[16];
	int fds[2], argc = 0;
	size_t got = 0;

	if (pipe(fds) != 0)
		return -1;
	argv[argc++] = (char *)harness_relay_bin;
	argv[argc++] = "run";
	argv[argc++] = "--data";
	argv[argc++] = rp->dir;
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--ready-fd";
	argv[argc++] = "3";
	for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 46; i++)
		argv[argc++] = (char *)extra[i];
	argv[argc] = NULL;
	rp->pid = fork();
	if (rp->pid < 0)
		return -1;
	if (rp->pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		/* A test that fails mid-way must not leave its relay behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		/* The port goes to fd 3; stdout's copy is not needed. */
		dup2(devnull, 1);
		/* The read end may itself be fd 3: close it before the dup. */
		close(fds[0]);
		if (fds[1] != 3) {
			dup2(fds[1], 3);
			close(fds[1]);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (got < sizeof line - 1) {
		struct pollfd pfd = {fds[0], POLLIN, 0};
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		n = read(fds[0], line + got, sizeof line - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got) != NULL)
			break;
	}
	close(fds[0]);
	line[got] = '\0';
	if (got == 0 || line[got - 1] != '\n') {
		fprintf(stderr, "harness: relay did not report its port\n");
		relay_proc_stop(rp);
		return -1;
	}
	rp->port = (uint16_t)strtoul(line, NULL, 10);
	snprintf(port_arg, sizeof port_arg, "127.0.0.1:%u", (unsigned)rp->port);
	argv[0] = (char *)harness_relay_bin;
	argv[1] = "address";
	argv[2] = "--data";
	argv[3] = rp->dir;
	argv[4] = "--listen";
	argv[5] = port_arg;
	argv[6] = NULL;
	if (run_capture(argv, rp->addr_str, sizeof rp->addr_str) != 0)
		return -1;
	rp->addr_str[strcspn(rp->addr_str, "\n")] = '\0';
	if (addr_parse(rp->addr_str, strlen(rp->addr_str), &rp->addr) != 0) {
		fprintf(stderr, "harness: bad address '%s'\n", rp->addr_str);
		return -1;
	}
	return 0;
}

int
relay_proc_start(struct relay_proc *rp, const char *const *extra)
{
	if (relay_proc_init(rp) != 0)
		return -1;
	return relay_proc_launch(rp, extra);
}

int
relay_proc_kill(struct relay_proc *rp)
{
	int st;

	if (rp->pid <= 0)
		return -1;
	kill(rp->pid, SIGKILL);
	waitpid(rp->pid, &st, 0);
	rp->pid = 0;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : -1;
}

int
relay_proc_halt(struct relay_proc *rp)
{
	int st = -1;

	if (rp->pid > 0) {
		kill(rp->pid, SIGTERM);
		st = wait_status(rp->pid, 10000);
		rp->pid = 0;
	}
	return st;
}

int
relay_proc_stop(struct relay_proc *rp)
{
	char path[512];
	struct dirent *e;
	DIR *d;
	int st = relay_proc_halt(rp);

	/* The folder holds only what init and run made: files, no folders. */
	d = opendir(rp->dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", rp->dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(rp->dir);
	return st;
}

int
raw_connect(uint16_t port)
{
	struct sockaddr_in sin;
	struct timeval tv = {5, 0};
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
raw_write(int fd, const void *p, size_t len, int bytewise)
{
	const uint8_t *b = p;

	while (len > 0) {
		ssize_t n = send(fd, b, bytewise ? 1 : len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
raw_read(int fd, void *p, size_t len)
{
	uint8_t *b = p;

	while (len > 0) {
		ssize_t n = recv(fd, b, len, 0);

		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

int
raw_wait_closed(int fd, int ms)
{
	uint8_t junk[4096];

	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&pfd, 1, ms) <= 0)
			return -1;
		n = recv(fd, junk, sizeof junk, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		if (n < 0 && errno != EAGAIN)
			return -1;
	}
}
