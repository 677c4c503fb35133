/* SPDX-License-Identifier: ISC */
#include "client/keymap.h"

/* A key with Ctrl, as a table entry's code and ch. */
#define CTRL(c) UI_KEY_CTRL, (c)

const struct keymap_entry keymap_table[] = {
    {UI_KEY_ENTER, 0, false, UI_SUBMIT, "Enter",
        "send the line: a message, or a /command"},
    {UI_KEY_TAB, 0, false, UI_COMPLETE, "Tab",
        "complete a command, room or member name"},
    {UI_KEY_F1, 0, false, UI_HELP, "F1", "show or hide this help"},
    {CTRL('n'), false, UI_NEXT_CONV, "Ctrl-N, Alt-Right",
        "next room or conversation"},
    {UI_KEY_RIGHT, 0, true, UI_NEXT_CONV, NULL, NULL},
    {CTRL('p'), false, UI_PREV_CONV, "Ctrl-P, Alt-Left",
        "previous room or conversation"},
    {UI_KEY_LEFT, 0, true, UI_PREV_CONV, NULL, NULL},
    {UI_KEY_CHAR, 'a', true, UI_JUMP_UNREAD, "Alt-A",
        "go to the next one with unread messages"},
    {UI_KEY_PGUP, 0, false, UI_PAGE_UP, "PageUp, PageDown",
        "scroll the messages"},
    {UI_KEY_PGDN, 0, false, UI_PAGE_DOWN, NULL, NULL},
    {CTRL('f'), false, UI_SEARCH, "Ctrl-F",
        "search the messages shown (Enter: older match, Esc: stop)"},
    {UI_KEY_F12, 0, false, UI_PANIC, "F12, Ctrl-Q twice",
        "panic: clear the screen and leave at once"},
    {CTRL('q'), false, UI_PANIC_HALF, NULL, NULL},
    {UI_KEY_LEFT, 0, false, UI_LEFT, "Left, Right", "move in the line"},
    {UI_KEY_RIGHT, 0, false, UI_RIGHT, NULL, NULL},
    {UI_KEY_CHAR, 'b', true, UI_WORD_LEFT, "Alt-B, Alt-F", "move by a word"},
    {UI_KEY_CHAR, 'f', true, UI_WORD_RIGHT, NULL, NULL},
    {UI_KEY_HOME, 0, false, UI_HOME, "Home, End, Ctrl-A, Ctrl-E",
        "start or end of the line"},
    {UI_KEY_END, 0, false, UI_END, NULL, NULL},
    {CTRL('a'), false, UI_HOME, NULL, NULL},
    {CTRL('e'), false, UI_END, NULL, NULL},
    {UI_KEY_BACKSPACE, 0, false, UI_BACKSPACE, "Backspace, Delete",
        "delete a character"},
    {UI_KEY_DELETE, 0, false, UI_DELETE, NULL, NULL},
    {CTRL('h'), false, UI_BACKSPACE, NULL, NULL},
    {CTRL('d'), false, UI_DELETE, NULL, NULL},
    {CTRL('w'), false, UI_DELETE_WORD, "Ctrl-W", "delete the word before"},
    {CTRL('k'), false, UI_KILL_END, "Ctrl-K, Ctrl-U",
        "delete to the end, or the whole line"},
    {CTRL('u'), false, UI_KILL_LINE, NULL, NULL},
    {UI_KEY_UP, 0, false, UI_HISTORY_PREV, "Up, Down",
        "lines you sent before (kept in memory only)"},
    {UI_KEY_DOWN, 0, false, UI_HISTORY_NEXT, NULL, NULL},
    {CTRL('l'), false, UI_REDRAW, "Ctrl-L", "draw the screen again"},
    {UI_KEY_ESC, 0, false, UI_CANCEL, "Esc", "close help or search"},
    {UI_KEY_NONE, 0, false, UI_NONE, NULL, NULL},
};

enum ui_action_kind
keymap_find(const struct ui_key *k)
{
	for (const struct keymap_entry *e = keymap_table;
	     e->code != UI_KEY_NONE; e++) {
		/* The panic keys act with or without Alt: an Esc typed just
		 * before must not swallow them. */
		if (e->code != k->code ||
		    (e->meta != k->meta && e->action != UI_PANIC &&
		        e->action != UI_PANIC_HALF))
			continue;
		if ((e->code == UI_KEY_CHAR || e->code == UI_KEY_CTRL) &&
		    e->ch != k->ch)
			continue;
		return e->action;
	}
	if (k->code == UI_KEY_CHAR && !k->meta)
		return UI_INSERT;
	return UI_NONE;
}
