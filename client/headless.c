/* SPDX-License-Identifier: ISC */
/*
 * Headless mode: standard input to the engine, engine events to JSON
 * lines. Input is read with blocking reads: the engine does nothing on its
 * own yet between commands (the network joins with the relay connections,
 * and with it a libuv stdin reader).
 */
#include "client/headless.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/engine.h"
#include "client/json.h"
#include "client/store.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"

/* Longest passphrase, with its NUL. */
#define HEADLESS_PASS_MAX 1024
/* A command line, its newline and a NUL. */
#define HEADLESS_LINE_MAX (CMDLINE_MAX + 2)

/* Writes one event as a JSON line on stdout. */
static void
headless_emit(void *arg, const struct engine_event *ev)
{
	static const char *const names[] = {
	    [ENGINE_EV_READY] = "ready",
	    [ENGINE_EV_PERSONA] = "persona",
	    [ENGINE_EV_HELP] = "help",
	    [ENGINE_EV_ERROR] = "error",
	    [ENGINE_EV_BYE] = "bye",
	};
	struct buf *out = arg;
	struct json j;

	buf_reset(out);
	json_begin(&j, out, names[ev->kind]);
	switch (ev->kind) {
	case ENGINE_EV_READY:
		json_uint(&j, "version", ENGINE_EVENTS_VERSION);
		if (ev->id != NULL)
			json_cstr(&j, "persona", ev->id);
		else
			json_null(&j, "persona");
		break;
	case ENGINE_EV_PERSONA:
		json_cstr(&j, "action", ev->action);
		json_cstr(&j, "name", ev->name);
		json_cstr(&j, "id", ev->id);
		json_bool(&j, "current", ev->current);
		break;
	case ENGINE_EV_HELP:
		json_cstr(&j, "command", ev->command);
		json_cstr(&j, "usage", ev->usage);
		json_cstr(&j, "summary", ev->summary);
		break;
	case ENGINE_EV_ERROR:
		json_cstr(&j, "command", ev->command);
		json_cstr(&j, "reason", ev->reason);
		break;
	case ENGINE_EV_BYE:
		break;
	}
	if (json_end(&j) != 0)
		return;
	fwrite(out->data, 1, out->len, stdout);
	fflush(stdout);
}

/*
 * Reads the passphrase: the first line of file (which others must not be
 * able to read), or HEARTH_PASSPHRASE. Returns its length, or -1 with
 * *why set.
 */
static long
headless_passphrase(const char *file, char *pass, size_t cap, const char **why)
{
	const char *env;
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if (file == NULL) {
		env = getenv("HEARTH_PASSPHRASE");
		if (env == NULL || env[0] == '\0') {
			*why = "headless mode needs the passphrase in "
			       "HEARTH_PASSPHRASE or --passphrase-file";
			return -1;
		}
		len = strlen(env);
		if (len >= cap) {
			*why = "the passphrase is too long";
			return -1;
		}
		memcpy(pass, env, len + 1);
		/*
		 * Out of the environment at once: it would stay readable in
		 * /proc/PID/environ and pass to any program started later.
		 */
		explicit_bzero((char *)env, len);
		unsetenv("HEARTH_PASSPHRASE");
		return (long)len;
	}
	fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*why = "cannot open the passphrase file";
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		*why = "the passphrase file must be a regular file that only "
		       "you can read (mode 0600)";
		return -1;
	}
	/* One byte more than fits, to tell "too long" from "just fits". */
	n = read(fd, pass, cap);
	close(fd);
	if (n <= 0) {
		*why = "the passphrase file is empty";
		return -1;
	}
	len = 0;
	while (len < (size_t)n && pass[len] != '\n' && pass[len] != '\r' &&
	       pass[len] != '\0')
		len++;
	if (len < (size_t)n && pass[len] == '\0') {
		explicit_bzero(pass, cap);
		*why = "the passphrase file holds a NUL byte";
		return -1;
	}
	if (len >= cap - 1) {
		explicit_bzero(pass, cap);
		*why = "the passphrase is too long";
		return -1;
	}
	pass[len] = '\0';
	explicit_bzero(pass + len, cap - len);
	if (len == 0) {
		*why = "the passphrase file is empty";
		return -1;
	}
	return (long)len;
}

int
headless_run(const char *home, const char *passphrase_file,
    const struct cstore_cost *cost)
{
	struct engine e;
	struct engine_event ev;
	struct buf out;
	char pass[HEADLESS_PASS_MAX], *line = NULL;
	const char *why = NULL;
	size_t n;
	long plen;
	int rc;

	buf_init(&out, 2 * CMDLINE_MAX + 4096);
	plen = headless_passphrase(passphrase_file, pass, sizeof pass, &why);
	if (plen < 0) {
		memset(&ev, 0, sizeof ev);
		ev.kind = ENGINE_EV_ERROR;
		ev.command = "";
		ev.reason = why;
		headless_emit(&out, &ev);
		buf_release(&out);
		return 2;
	}
	rc = engine_open(
	    &e, home, pass, (size_t)plen, cost, headless_emit, &out, &why);
	explicit_bzero(pass, sizeof pass);
	if (rc != 0) {
		memset(&ev, 0, sizeof ev);
		ev.kind = ENGINE_EV_ERROR;
		ev.command = "";
		ev.reason = why != NULL ? why : err_str(rc);
		headless_emit(&out, &ev);
		buf_release(&out);
		return 1;
	}
	line = xmalloc(HEADLESS_LINE_MAX);
	while (!e.quit && fgets(line, HEADLESS_LINE_MAX, stdin) != NULL) {
		n = strlen(line);
		if (n == HEADLESS_LINE_MAX - 1 && line[n - 1] != '\n') {
			/* Longer than any command: drop it to its end, say so.
			 */
			while (fgets(line, HEADLESS_LINE_MAX, stdin) != NULL &&
			       line[strlen(line) - 1] != '\n')
				;
			engine_error(&e, "", "the line is too long");
			continue;
		}
		/* Blank lines are a person's Enter key; nothing to say. */
		if (strspn(line, " \t\r\n") == n)
			continue;
		engine_command(&e, line, n);
	}
	/* The last lines typed may hold message text: wipe them. */
	explicit_bzero(line, HEADLESS_LINE_MAX);
	free(line);
	engine_close(&e);
	buf_release(&out);
	return 0;
}
