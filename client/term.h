/* SPDX-License-Identifier: ISC */
/*
 * The terminal, through ncursesw: start it (alternate screen, no echo,
 * keys as struct ui_key), read keys, follow its size, and leave it
 * cleared so nothing said stays in the terminal's scrollback. Only this
 * file and client/view.c include curses.
 */
#ifndef HEARTH_CLIENT_TERM_H
#define HEARTH_CLIENT_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "client/keymap.h"

/* Starts the screen. 0, or -1 if standard input or output is no terminal
 * ncurses can drive. */
int term_start(void);

/* Reads one key if there is one: true with *k set, false when none is
 * waiting. */
bool term_key(struct ui_key *k);

/* The terminal's size changed: asks the kernel and tells ncurses. */
void term_resize(int *cols, int *rows);

/* The current size. */
void term_size(int *cols, int *rows);

/* Rings the terminal's bell (a flash if it has none). */
void term_bell(void);

/* Clears the screen and ends curses (the terminal is as before). */
void term_stop(void);

#endif
