/* SPDX-License-Identifier: ISC */
/*
 * Headless mode: standard input to the engine, engine events to JSON
 * lines, on one libuv loop that the engine's relay connections will
 * share.
 */
#include "client/headless.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/engine.h"
#include "client/json.h"
#include "client/store.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"

/* A command line, its newline and a NUL. */
#define HEADLESS_LINE_MAX (CMDLINE_MAX + 2)

/* A message's conversation: "room" or "peer". */
static void
headless_where(struct json *j, const struct engine_event *ev)
{
	if (ev->room != NULL)
		json_cstr(j, "room", ev->room);
	else
		json_cstr(j, "peer", ev->peer != NULL ? ev->peer : "");
}

/* Writes one event as a JSON line on stdout. */
static void
headless_emit(void *arg, const struct engine_event *ev)
{
	static const char *const names[] = {
	    [ENGINE_EV_READY] = "ready",
	    [ENGINE_EV_PERSONA] = "persona",
	    [ENGINE_EV_HELP] = "help",
	    [ENGINE_EV_ERROR] = "error",
	    [ENGINE_EV_RELAY] = "relay",
	    [ENGINE_EV_BYE] = "bye",
	    [ENGINE_EV_ROOM] = "room",
	    [ENGINE_EV_MEMBER] = "member",
	    [ENGINE_EV_MESSAGE] = "message",
	    [ENGINE_EV_SENT] = "sent",
	    [ENGINE_EV_DELIVERED] = "delivered",
	    [ENGINE_EV_VERIFY] = "verify",
	    [ENGINE_EV_EXPIRED] = "expired",
	    [ENGINE_EV_SETTING] = "setting",
	    [ENGINE_EV_TIMER] = "timer",
	    [ENGINE_EV_ALERT] = "alert",
	    [ENGINE_EV_URGENT] = "urgent",
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
	case ENGINE_EV_RELAY:
		json_cstr(&j, "state", ev->action);
		json_cstr(&j, "host", ev->name);
		json_uint(&j, "port", ev->port);
		if (ev->reason != NULL)
			json_cstr(&j, "reason", ev->reason);
		if (strcmp(ev->action, "offline") == 0)
			json_uint(&j, "retry_ms", ev->retry_ms);
		if (strcmp(ev->action, "ready") == 0)
			json_uint(&j, "waiting", ev->count);
		break;
	case ENGINE_EV_BYE:
		break;
	case ENGINE_EV_ROOM:
		json_cstr(&j, "action", ev->action);
		json_cstr(&j, "room", ev->room);
		json_cstr(&j, "relay", ev->relay);
		if (ev->invite != NULL)
			json_cstr(&j, "invite", ev->invite);
		json_bool(&j, "history", ev->history);
		json_uint(&j, "expire_s", ev->expire_s);
		break;
	case ENGINE_EV_MEMBER:
		json_cstr(&j, "action", ev->action);
		json_cstr(&j, "room", ev->room);
		json_cstr(&j, "id", ev->id);
		json_bool(&j, "self", ev->mine);
		json_bool(&j, "key", ev->current);
		json_bool(&j, "verified", ev->verified);
		break;
	case ENGINE_EV_MESSAGE:
		headless_where(&j, ev);
		json_cstr(&j, "from", ev->from);
		json_str(&j, "text", ev->text, ev->text_len);
		json_cstr(&j, "id", ev->msgid);
		json_uint(&j, "time", ev->time_s);
		json_uint(&j, "expires", ev->expires_s);
		json_bool(&j, "mine", ev->mine);
		json_bool(&j, "stored", ev->stored);
		break;
	case ENGINE_EV_SENT:
	case ENGINE_EV_DELIVERED:
		headless_where(&j, ev);
		json_cstr(&j, "id", ev->msgid);
		if (ev->kind == ENGINE_EV_SENT) {
			json_str(&j, "text", ev->text, ev->text_len);
			json_uint(&j, "time", ev->time_s);
			json_uint(&j, "expires", ev->expires_s);
		}
		break;
	case ENGINE_EV_VERIFY:
		json_cstr(&j, "peer", ev->peer);
		json_cstr(&j, "safety_number", ev->safety);
		json_cstr(&j, "words", ev->words);
		json_bool(&j, "verified", ev->verified);
		break;
	case ENGINE_EV_EXPIRED:
		json_uint(&j, "count", ev->count);
		break;
	case ENGINE_EV_TIMER:
		json_cstr(&j, "action", ev->action);
		if (ev->time_s != 0)
			json_uint(&j, "deadline", ev->time_s);
		if (ev->peer != NULL)
			json_cstr(&j, "peer", ev->peer);
		break;
	case ENGINE_EV_URGENT:
		json_cstr(&j, "room", ev->room);
		json_cstr(&j, "from", ev->from);
		json_str(&j, "text", ev->text, ev->text_len);
		json_uint(&j, "time", ev->time_s);
		json_uint(&j, "expires", ev->expires_s);
		json_cstr(&j, "id", ev->msgid);
		break;
	case ENGINE_EV_ALERT:
		json_cstr(&j, "from", ev->from);
		json_uint(&j, "deadline", ev->time_s);
		json_str(&j, "note", ev->text, ev->text_len);
		json_cstr(&j, "id", ev->msgid);
		break;
	case ENGINE_EV_SETTING:
		if (strcmp(ev->action, "panic") == 0 ||
		    strcmp(ev->action, "notify") == 0) {
			json_cstr(&j, "setting", ev->action);
			json_cstr(&j, ev->action, ev->name);
			break;
		}
		if (strcmp(ev->action, "proxy") == 0) {
			json_cstr(&j, "setting", ev->action);
			if (ev->name != NULL) {
				json_cstr(&j, "host", ev->name);
				json_uint(&j, "port", ev->port);
			} else {
				json_null(&j, "host");
			}
			json_bool(&j, "from_flag", ev->current);
			break;
		}
		headless_where(&j, ev);
		json_cstr(&j, "setting", ev->action);
		json_bool(&j, "history", ev->history);
		json_uint(&j, "expire_s", ev->expire_s);
		break;
	}
	if (json_end(&j) != 0)
		return;
	fwrite(out->data, 1, out->len, stdout);
	fflush(stdout);
	/* It may hold a message's text. */
	sodium_memzero(out->data, out->len);
}

long
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

/*
 * Input: a pipe or terminal is read as a libuv stream; a file (or
 * /dev/null), which libuv cannot poll, is read a line per loop turn from
 * an idle handle. Either way lines are assembled in one bounded buffer.
 */
struct headless {
	struct engine e; /* owns the loop */

	union {
		uv_handle_t h;
		uv_stream_t s;
		uv_pipe_t pipe;
		uv_tty_t tty;
	} in;

	uv_idle_t file_reader;
	bool is_file;
	bool closing;
	bool discarding; /* inside a line too long to keep */
	char *line;      /* HEADLESS_LINE_MAX bytes */
	size_t len;
};

static void headless_stop(struct headless *h);

/* Runs one complete line (without its newline, len bytes). */
static void
headless_line(struct headless *h, char *line, size_t len)
{
	size_t i = 0;

	/* Blank lines are a person's Enter key; nothing to say. The line is
	 * not NUL-terminated: it is a slice of the input buffer. */
	while (
	    i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len)
		return;
	engine_command(&h->e, line, len);
	/* It may hold a message, an invite or a proxy password. */
	sodium_memzero(line, len);
	if (h->e.quit)
		headless_stop(h);
}

/*
 * Takes n new bytes at the end of h->line and runs every complete line,
 * keeping the unfinished rest at the front.
 */
static void
headless_feed(struct headless *h, size_t n)
{
	char *nl;
	size_t start = 0, end = h->len + n;

	h->len = end;
	while (!h->closing &&
	       (nl = memchr(h->line + start, '\n', end - start)) != NULL) {
		size_t linelen = (size_t)(nl - (h->line + start));

		if (h->discarding)
			h->discarding = false;
		else
			headless_line(h, h->line + start, linelen);
		start += linelen + 1;
	}
	memmove(h->line, h->line + start, end - start);
	h->len = end - start;
	/*
	 * A buffer full but for its last byte (fgets keeps that one for the
	 * NUL) holds more than CMDLINE_MAX without a line end.
	 */
	if (h->len >= HEADLESS_LINE_MAX - 1) {
		/* Longer than any command: drop it to its end, say so. */
		if (!h->discarding)
			engine_error(&h->e, "", "the line is too long");
		h->discarding = true;
		h->len = 0;
	}
}

static void
headless_on_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *b)
{
	struct headless *h = hd->data;

	*b = uv_buf_init(
	    h->line + h->len, (unsigned)(HEADLESS_LINE_MAX - h->len));
}

static void
headless_on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct headless *h = st->data;

	if (nread > 0) {
		headless_feed(h, (size_t)nread);
		return;
	}
	if (nread == 0)
		return;
	/* End of input (or an error reading it): the last line counts. */
	if (h->len > 0 && !h->discarding && !h->closing)
		headless_line(h, h->line, h->len);
	h->len = 0;
	headless_stop(h);
}

static void
headless_on_file(uv_idle_t *idle)
{
	struct headless *h = idle->data;
	size_t n;

	/*
	 * A chunk per loop turn, not a line: fgets() would hide a NUL byte
	 * and join two lines around it. The room left is at least 2 bytes
	 * (headless_feed keeps it so).
	 */
	n = fread(h->line + h->len, 1, HEADLESS_LINE_MAX - 1 - h->len, stdin);
	if (n > 0) {
		headless_feed(h, n);
		return;
	}
	if (h->len > 0 && !h->discarding && !h->closing)
		headless_line(h, h->line, h->len);
	h->len = 0;
	headless_stop(h);
}

static void
headless_stop(struct headless *h)
{
	if (h->closing)
		return;
	h->closing = true;
	/* No more commands: the network goes quiet, and the loop runs out. */
	engine_shutdown(&h->e);
	if (h->is_file) {
		uv_idle_stop(&h->file_reader);
		uv_close((uv_handle_t *)&h->file_reader, NULL);
	} else {
		uv_read_stop(&h->in.s);
		uv_close(&h->in.h, NULL);
	}
}

/* Starts reading standard input. 0 or a libuv error. */
static int
headless_input(struct headless *h)
{
	uv_handle_type t = uv_guess_handle(0);
	int rc;

	if (t == UV_TTY) {
		rc = uv_tty_init(&h->e.loop, &h->in.tty, 0, 1);
	} else if (t == UV_NAMED_PIPE || t == UV_TCP) {
		/* A socket (inetd, socat) is read like a pipe. */
		rc = uv_pipe_init(&h->e.loop, &h->in.pipe, 0);
		if (rc == 0) {
			rc = uv_pipe_open(&h->in.pipe, 0);
			if (rc != 0)
				uv_close(&h->in.h, NULL);
		}
	} else {
		h->is_file = true;
		uv_idle_init(&h->e.loop, &h->file_reader);
		h->file_reader.data = h;
		return uv_idle_start(&h->file_reader, headless_on_file);
	}
	if (rc != 0)
		return rc;
	h->in.h.data = h;
	return uv_read_start(&h->in.s, headless_on_alloc, headless_on_read);
}

int
headless_run(const char *home, const char *passphrase_file,
    const struct cstore_cost *cost, const struct socks5_proxy *proxy)
{
	struct headless *h;
	struct engine_event ev;
	struct buf out;
	char pass[HEADLESS_PASS_MAX];
	const char *why = NULL;
	long plen;
	int rc, status = 0;

	buf_init(&out, 2 * CMDLINE_MAX + 4096);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_ERROR;
	ev.command = "";
	plen = headless_passphrase(passphrase_file, pass, sizeof pass, &why);
	if (plen < 0) {
		ev.reason = why;
		headless_emit(&out, &ev);
		buf_release(&out);
		return 2;
	}
	h = xcalloc(1, sizeof *h);
	rc = engine_open(&h->e, home, pass, (size_t)plen, cost, proxy,
	    headless_emit, &out, &why);
	explicit_bzero(pass, sizeof pass);
	if (rc != 0) {
		ev.reason = why != NULL ? why : err_str(rc);
		headless_emit(&out, &ev);
		free(h);
		buf_release(&out);
		return 1;
	}
	h->line = xmalloc(HEADLESS_LINE_MAX);
	rc = headless_input(h);
	if (rc != 0) {
		engine_error(&h->e, "", "standard input cannot be read");
		engine_shutdown(&h->e);
		status = 1;
	}
	uv_run(&h->e.loop, UV_RUN_DEFAULT);
	/* The last lines typed may hold message text: wipe them. */
	explicit_bzero(h->line, HEADLESS_LINE_MAX);
	free(h->line);
	engine_close(&h->e);
	free(h);
	buf_release(&out);
	return status;
}
