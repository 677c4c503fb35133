/* SPDX-License-Identifier: ISC */
/*
 * Integration test harness: runs the real hearth-relay on 127.0.0.1 with a
 * free port (reported on --ready-fd 3), and offers blocking raw sockets for
 * clients that misbehave on purpose. Every wait is bounded.
 */
#ifndef HEARTH_TESTS_HARNESS_H
#define HEARTH_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/addr.h"

struct relay_proc {
	pid_t pid;
	char dir[64];
	uint16_t port;
	struct addr addr; /* from `hearth-relay address` */
	char addr_str[ADDR_STR_MAX];
};

/* Path of the hearth-relay binary; set from argv by the test's main. */
extern const char *harness_relay_bin;

/*
 * Inits a data folder and starts the relay with the extra arguments
 * (NULL-terminated, may be NULL). Returns 0 or -1 with a message printed.
 */
int relay_proc_start(struct relay_proc *rp, const char *const *extra);

/*
 * Starts the relay again on rp's existing data folder (a new port: rp's
 * port and address are updated). Returns 0 or -1.
 */
int relay_proc_launch(struct relay_proc *rp, const char *const *extra);

/* Kills the relay with SIGKILL, keeping its data. 0 if it died of it. */
int relay_proc_kill(struct relay_proc *rp);

/* Sends SIGTERM and waits, keeping the data. Exit status, or -1. */
int relay_proc_halt(struct relay_proc *rp);

/*
 * Sends SIGTERM, waits up to 10 s, removes the data folder. Returns the
 * exit status, or -1 if it had to be killed or died by a signal.
 */
int relay_proc_stop(struct relay_proc *rp);

/*
 * Runs argv to completion (10 s limit) capturing up to cap-1 bytes of
 * stdout in out. Returns the exit status or -1.
 */
int run_capture(char *const argv[], char *out, size_t cap);

/* A blocking TCP socket to 127.0.0.1:port with a 5 s receive timeout. */
int raw_connect(uint16_t port);

/* Writes all of p, one byte per write() if bytewise. 0 or -1. */
int raw_write(int fd, const void *p, size_t len, int bytewise);

/* Reads exactly len bytes. 0, or -1 on error, timeout or EOF. */
int raw_read(int fd, void *p, size_t len);

/* Waits up to ms for the peer to close: 0 if it closed, -1 if not. */
int raw_wait_closed(int fd, int ms);

#endif
