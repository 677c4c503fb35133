/* SPDX-License-Identifier: ISC */
#include "client/term.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

static bool term_on;
/* Inside a bracketed paste: Enter and Tab are text, not keys. */
static bool term_pasting;
static SCREEN *term_screen;

int
term_start(void)
{
	if (!isatty(0) || !isatty(1))
		return -1;
	term_screen = newterm(NULL, stdout, stdin);
	if (term_screen == NULL)
		return -1;
	term_on = true;
	cbreak();
	noecho();
	nonl();
	raw();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* Esc then a key is Alt and the key; a lone Esc waits this long. */
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
		/* Names (by fingerprint), then notices and errors. */
		init_pair(1, COLOR_RED, -1);
		init_pair(2, COLOR_GREEN, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_BLUE, -1);
		init_pair(5, COLOR_MAGENTA, -1);
		init_pair(6, COLOR_CYAN, -1);
		init_pair(7, COLOR_YELLOW, -1);
		init_pair(8, COLOR_RED, -1);
	}
	/* Pasted text comes bracketed, so a pasted line break cannot send
	 * half a message (or an invite cut in two). */
	fputs("\033[?2004h", stdout);
	fflush(stdout);
	return 0;
}

static bool
term_map(int rc, wint_t c, struct ui_key *k)
{
	memset(k, 0, sizeof *k);
	if (rc == KEY_CODE_YES) {
		switch (c) {
		case KEY_LEFT:
			k->code = UI_KEY_LEFT;
			break;
		case KEY_RIGHT:
			k->code = UI_KEY_RIGHT;
			break;
		case KEY_UP:
			k->code = UI_KEY_UP;
			break;
		case KEY_DOWN:
			k->code = UI_KEY_DOWN;
			break;
		case KEY_HOME:
			k->code = UI_KEY_HOME;
			break;
		case KEY_END:
			k->code = UI_KEY_END;
			break;
		case KEY_PPAGE:
			k->code = UI_KEY_PGUP;
			break;
		case KEY_NPAGE:
			k->code = UI_KEY_PGDN;
			break;
		case KEY_BACKSPACE:
			k->code = UI_KEY_BACKSPACE;
			break;
		case KEY_DC:
			k->code = UI_KEY_DELETE;
			break;
		case KEY_ENTER:
			k->code = UI_KEY_ENTER;
			break;
		case KEY_RESIZE:
			k->code = UI_KEY_RESIZE;
			break;
		default:
			if (c >= KEY_F(1) && c <= KEY_F(12))
				k->code = UI_KEY_F1 + (int)(c - KEY_F(1));
			/* Alt-Left and Alt-Right, as xterm and tmux send
			 * them (kLFT3, kRIT3). */
			else if (c == 0x220 || c == 0x21f)
				k->code = UI_KEY_LEFT, k->meta = true;
			else if (c == 0x22f || c == 0x22e)
				k->code = UI_KEY_RIGHT, k->meta = true;
			break;
		}
		return k->code != UI_KEY_NONE;
	}
	switch (c) {
	case '\r':
	case '\n':
		k->code = UI_KEY_ENTER;
		break;
	case '\t':
		k->code = UI_KEY_TAB;
		break;
	case 127:
	case 8:
		k->code = UI_KEY_BACKSPACE;
		break;
	case 27:
		k->code = UI_KEY_ESC;
		break;
	default:
		if (c >= 1 && c <= 26) {
			k->code = UI_KEY_CTRL;
			k->ch = 'a' + (uint32_t)c - 1;
		} else if (c >= 0x20 && c != 0x7f && c < 0x110000) {
			k->code = UI_KEY_CHAR;
			k->ch = (uint32_t)c;
		}
		break;
	}
	return k->code != UI_KEY_NONE;
}

/* After Esc [: reads "200~" or "201~" (paste start or end). */
static bool
term_paste_mark(void)
{
	wint_t c[4];
	int i;

	for (i = 0; i < 4; i++)
		if (get_wch(&c[i]) != OK)
			break;
	if (i == 4 && c[0] == '2' && c[1] == '0' && c[3] == '~' &&
	    (c[2] == '0' || c[2] == '1')) {
		term_pasting = c[2] == '0';
		return true;
	}
	/* Something else: what was read goes back, so nothing is lost. */
	while (i-- > 0)
		unget_wch((wchar_t)c[i]);
	return false;
}

bool
term_key(struct ui_key *k)
{
	wint_t c, c2;
	int rc, rc2;

	for (;;) {
		rc = get_wch(&c);
		if (rc == ERR)
			return false;
		if (rc == OK && c == 27) {
			/* Esc and another key at once: Alt with that key. */
			rc2 = get_wch(&c2);
			if (rc2 == OK && c2 == '[' && term_paste_mark())
				continue;
			if (rc2 != ERR && term_map(rc2, c2, k)) {
				k->meta = true;
				return true;
			}
		}
		if (!term_map(rc, c, k))
			continue;
		if (term_pasting) {
			/*
			 * Pasted text is text: its line breaks are spaces, and
			 * no control key in it is obeyed (a pasted Ctrl-Q,
			 * arrow or F12 must not act).
			 */
			if (k->code == UI_KEY_ENTER || k->code == UI_KEY_TAB) {
				k->code = UI_KEY_CHAR;
				k->ch = ' ';
			}
			if (k->code != UI_KEY_CHAR || k->meta)
				continue;
		}
		return true;
	}
}

void
term_size(int *cols, int *rows)
{
	*cols = COLS;
	*rows = LINES;
}

void
term_resize(int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	term_size(cols, rows);
}

void
term_bell(void)
{
	if (term_on)
		beep();
}

void
term_stop(void)
{
	if (!term_on)
		return;
	/* Nothing said may stay behind: clear before leaving. */
	erase();
	refresh();
	fputs("\033[?2004l", stdout);
	/* The panic path leaves with _exit: nothing may wait in stdio. */
	fflush(stdout);
	endwin();
	fflush(stdout);
	delscreen(term_screen);
	term_screen = NULL;
	term_on = false;
}
