/* SPDX-License-Identifier: ISC */
/*
 * The interactive interface's loop: keys from the terminal go through the
 * key table to the model; lines to run go to the engine; engine events go
 * to the model; the view draws once per loop turn when something changed.
 */
#include "client/tui.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/engine.h"
#include "client/headless.h"
#include "client/model.h"
#include "client/store.h"
#include "client/term.h"
#include "client/view.h"
#include "common/err.h"
#include "common/xmalloc.h"

struct tui {
	struct engine e;
	struct model m;
	uv_poll_t in;
	uv_signal_t winch;
	uv_signal_t quits[4];
	uv_prepare_t draw;
	uv_timer_t clock;
	const char *home;
	int cols, rows;
	bool started; /* the handles are open */
	bool stopping;
	char line[CMDLINE_MAX + 64];
};

static void tui_on_key(uv_poll_t *p, int status, int events);
static void tui_on_winch(uv_signal_t *s, int signum);
static void tui_on_draw(uv_prepare_t *p);
static void tui_on_clock(uv_timer_t *t);

static void
tui_emit(void *arg, const struct engine_event *ev)
{
	struct tui *t = arg;

	model_on_event(&t->m, ev);
}

/* Closes the interface's handles; the loop then runs out. */
static void
tui_stop(struct tui *t)
{
	if (t->stopping)
		return;
	t->stopping = true;
	if (t->started) {
		uv_poll_stop(&t->in);
		uv_close((uv_handle_t *)&t->in, NULL);
		uv_signal_stop(&t->winch);
		uv_close((uv_handle_t *)&t->winch, NULL);
		for (size_t i = 0; i < 4; i++) {
			uv_signal_stop(&t->quits[i]);
			uv_close((uv_handle_t *)&t->quits[i], NULL);
		}
		uv_prepare_stop(&t->draw);
		uv_close((uv_handle_t *)&t->draw, NULL);
		uv_timer_stop(&t->clock);
		uv_close((uv_handle_t *)&t->clock, NULL);
	}
	engine_shutdown(&t->e);
}

/*
 * The panic key: the screen is cleared and the program leaves at once,
 * without a word on the terminal; if the person asked for it (/panic
 * wipe), the store and all its keys go first.
 */
static void
tui_panic(struct tui *t)
{
	term_stop();
	if (t->e.panic_wipe)
		(void)cstore_wipe(t->home);
	_exit(0);
}

static void
tui_on_key(uv_poll_t *p, int status, int events)
{
	struct tui *t = p->data;
	enum model_effect fx;
	struct ui_key k;

	if (status < 0 || (events & UV_DISCONNECT) != 0) {
		/* The terminal is gone: nobody is there to read. */
		tui_stop(t);
		return;
	}
	while (!t->stopping && term_key(&k)) {
		if (k.code == UI_KEY_RESIZE) {
			/* resizeterm (in tui_on_winch) queued it: the size is
			 * known already, and resizing again would queue
			 * another. */
			term_size(&t->cols, &t->rows);
			t->m.dirty = true;
			continue;
		}
		fx = model_apply(&t->m, keymap_find(&k), k.ch,
		    view_page(t->cols, t->rows), t->line, sizeof t->line);
		if (fx == MODEL_PANIC)
			tui_panic(t);
		if (fx == MODEL_RUN) {
			engine_command(&t->e, t->line, strlen(t->line));
			sodium_memzero(t->line, sizeof t->line);
			if (t->e.quit)
				tui_stop(t);
		}
	}
}

/* TERM, HUP, INT, QUIT: leave as /quit does, screen cleared. */
static void
tui_on_quit(uv_signal_t *s, int signum)
{
	struct tui *t = s->data;

	(void)signum;
	tui_stop(t);
}

static void
tui_on_winch(uv_signal_t *s, int signum)
{
	struct tui *t = s->data;

	(void)signum;
	term_resize(&t->cols, &t->rows);
	t->m.dirty = true;
}

static void
tui_on_draw(uv_prepare_t *p)
{
	struct tui *t = p->data;

	if (t->stopping)
		return;
	if (t->m.ring) {
		t->m.ring = false;
		term_bell();
	}
	if (!t->m.dirty)
		return;
	t->m.dirty = false;
	view_draw(&t->m, t->cols, t->rows);
}

static void
tui_on_clock(uv_timer_t *tm)
{
	struct tui *t = tm->data;

	/* Messages due to disappear leave the screen on time. */
	model_expire(&t->m, (uint64_t)time(NULL));
}

/* Reads a line from the terminal without echo. Returns its length or -1. */
static long
tui_ask(int fd, const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool aborted = false;
	size_t n = 0;
	char c;

	if (write(fd, prompt, strlen(prompt)) < 0 || tcgetattr(fd, &old) != 0)
		return -1;
	quiet = old;
	/* No echo; and Ctrl-C arrives as a byte, so that leaving here
	 * always turns the echo back on. */
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ISIG | ICANON);
	quiet.c_cc[VMIN] = 1;
	quiet.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return -1;
	/* Byte by byte, so Ctrl-C is seen at once; editing by hand. */
	while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
		if (c == 3 || (c == 4 && n == 0)) {
			/* Ctrl-C, or Ctrl-D on nothing: nothing typed counts.
			 */
			n = 0;
			aborted = true;
			break;
		}
		if (c == 0x7f || c == 8) {
			/* Backspace: one character, all its UTF-8 bytes. */
			while (n > 0 && (buf[--n] & 0xc0) == 0x80)
				;
			continue;
		}
		if (c == 0x15) { /* Ctrl-U */
			n = 0;
			continue;
		}
		if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = '\0';
	c = 0;
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (aborted) {
		sodium_memzero(buf, cap);
		(void)!write(fd, "\n", 1);
		return -1;
	}
	if (write(fd, "\n", 1) < 0)
		return -1;
	return (long)n;
}

/* The passphrase: from the environment or a file, else asked for. */
static long
tui_passphrase(const char *home, const char *file, char *pass, size_t cap)
{
	char again[HEADLESS_PASS_MAX], path[4096];
	const char *why = NULL;
	struct stat st;
	long n, m;
	int fd;

	if (file != NULL || getenv("HEARTH_PASSPHRASE") != NULL) {
		n = headless_passphrase(file, pass, cap, &why);
		if (n < 0)
			fprintf(stderr, "hearth: %s\n", why);
		return n;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
		    "hearth: no terminal to ask the passphrase "
		    "on; set HEARTH_PASSPHRASE or --passphrase-file\n");
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s", home, CSTORE_FILE);
	if (stat(path, &st) == 0) {
		n = tui_ask(fd, "Passphrase: ", pass, cap);
	} else {
		/* A new store: the passphrase is typed twice. */
		static const char intro[] =
		    "A new encrypted store. Choose a passphrase: nobody can "
		    "open the store\nwithout it, and nobody can recover it "
		    "for you.\n";

		if (write(fd, intro, sizeof intro - 1) < 0) {
			close(fd);
			return -1;
		}
		n = tui_ask(fd, "New passphrase: ", pass, cap);
		m = n < 0 ? -1 : tui_ask(fd, "Again: ", again, sizeof again);
		if (n < 0 || m < 0) {
			n = -1;
		} else if (n != m || memcmp(pass, again, (size_t)n) != 0) {
			fprintf(stderr, "hearth: the two were not the same\n");
			n = -1;
		} else if (n == 0) {
			fprintf(stderr, "hearth: an empty passphrase protects "
			                "nothing\n");
			n = -1;
		}
		sodium_memzero(again, sizeof again);
	}
	close(fd);
	return n;
}

int
tui_run(const char *home, const char *passphrase_file,
    const struct socks5_proxy *proxy)
{
	struct termios saved, quiet;
	bool have_tty;
	struct tui *t;
	char pass[HEADLESS_PASS_MAX];
	const char *why = NULL;
	long plen;
	int rc;

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "hearth: the interface needs a terminal; "
		                "scripts use --headless\n");
		return 2;
	}
	plen = tui_passphrase(home, passphrase_file, pass, sizeof pass);
	if (plen < 0)
		return 2;
	/*
	 * While the store opens (the key derivation takes a while), nothing
	 * typed is echoed, and then it is thrown away: a passphrase typed
	 * again must neither stay on the screen nor go to a room.
	 */
	have_tty = tcgetattr(0, &saved) == 0;
	if (have_tty) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		(void)tcsetattr(0, TCSANOW, &quiet);
	}
	t = xcalloc(1, sizeof *t);
	t->home = home;
	model_init(&t->m);
	rc = engine_open(
	    &t->e, home, pass, (size_t)plen, NULL, proxy, tui_emit, t, &why);
	sodium_memzero(pass, sizeof pass);
	if (have_tty) {
		(void)tcflush(0, TCIFLUSH);
		(void)tcsetattr(0, TCSANOW, &saved);
	}
	if (rc != 0) {
		fprintf(
		    stderr, "hearth: %s\n", why != NULL ? why : err_str(rc));
		model_free(&t->m);
		free(t);
		return 1;
	}
	/* Before curses: then ncurses leaves SIGWINCH to the loop. */
	uv_signal_init(&t->e.loop, &t->winch);
	t->winch.data = t;
	uv_signal_start(&t->winch, tui_on_winch, SIGWINCH);
	for (size_t i = 0; i < 4; i++) {
		static const int sigs[4] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};

		uv_signal_init(&t->e.loop, &t->quits[i]);
		t->quits[i].data = t;
		uv_signal_start(&t->quits[i], tui_on_quit, sigs[i]);
	}
	if (term_start() != 0) {
		fprintf(stderr, "hearth: this terminal cannot be used\n");
		uv_close((uv_handle_t *)&t->winch, NULL);
		for (size_t i = 0; i < 4; i++)
			uv_close((uv_handle_t *)&t->quits[i], NULL);
		engine_shutdown(&t->e);
		engine_close(&t->e);
		model_free(&t->m);
		free(t);
		return 1;
	}
	term_size(&t->cols, &t->rows);
	uv_poll_init(&t->e.loop, &t->in, 0);
	t->in.data = t;
	uv_poll_start(&t->in, UV_READABLE, tui_on_key);
	uv_prepare_init(&t->e.loop, &t->draw);
	t->draw.data = t;
	uv_prepare_start(&t->draw, tui_on_draw);
	uv_timer_init(&t->e.loop, &t->clock);
	t->clock.data = t;
	uv_timer_start(&t->clock, tui_on_clock, 1000, 1000);
	t->started = true;
	/* The rooms go into the list, and the first comes into view. */
	engine_command(&t->e, "/rooms", 6);
	t->m.bell = engine_notify_bell(&t->e);
	if (t->m.nconvs > 1) {
		t->m.cur = 1;
		t->m.convs[1]->unread = 0;
	}
	uv_run(&t->e.loop, UV_RUN_DEFAULT);
	term_stop();
	engine_close(&t->e);
	model_free(&t->m);
	sodium_memzero(t, sizeof *t);
	free(t);
	return 0;
}
