/* SPDX-License-Identifier: ISC */
/*
 * Keys and what they do: one table (after tmux's key-bindings.c) that the
 * interface reads keys through and /help and F1 list. No curses here:
 * client/term.c turns the terminal's keys into struct ui_key.
 */
#ifndef HEARTH_CLIENT_KEYMAP_H
#define HEARTH_CLIENT_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ui_key_code {
	UI_KEY_NONE = 0,
	UI_KEY_CHAR, /* ch: a character to type */
	UI_KEY_CTRL, /* ch: the letter, 'a' to 'z' */
	UI_KEY_ENTER,
	UI_KEY_TAB,
	UI_KEY_BACKSPACE,
	UI_KEY_DELETE,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_UP,
	UI_KEY_DOWN,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_ESC,
	UI_KEY_F1,
	UI_KEY_F12 = UI_KEY_F1 + 11,
	UI_KEY_RESIZE,
};

struct ui_key {
	enum ui_key_code code;
	uint32_t ch; /* CHAR: a code point; CTRL: a letter */
	bool meta;   /* Alt (or Esc before the key) */
};

enum ui_action_kind {
	UI_NONE,
	UI_INSERT, /* the key's character */
	UI_SUBMIT,
	UI_LEFT,
	UI_RIGHT,
	UI_WORD_LEFT,
	UI_WORD_RIGHT,
	UI_HOME,
	UI_END,
	UI_BACKSPACE,
	UI_DELETE,
	UI_DELETE_WORD,
	UI_KILL_END,
	UI_KILL_LINE,
	UI_HISTORY_PREV,
	UI_HISTORY_NEXT,
	UI_COMPLETE,
	UI_NEXT_CONV,
	UI_PREV_CONV,
	UI_PAGE_UP,
	UI_PAGE_DOWN,
	UI_JUMP_UNREAD,
	UI_SEARCH,
	UI_HELP,
	UI_PANIC,      /* at once */
	UI_PANIC_HALF, /* the first of two presses */
	UI_REDRAW,
	UI_CANCEL,
};

struct keymap_entry {
	enum ui_key_code code;
	uint32_t ch;
	bool meta;
	enum ui_action_kind action;
	const char *keys; /* for help: "Ctrl-W", or NULL if listed already */
	const char *note; /* for help: one plain line */
};

/* Every binding, in the order help lists them; ends with code NONE. */
extern const struct keymap_entry keymap_table[];

/*
 * The action of key k: a binding from the table, UI_INSERT for a
 * character without one, UI_NONE for anything else.
 */
enum ui_action_kind keymap_find(const struct ui_key *k);

#endif
