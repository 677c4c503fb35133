/* SPDX-License-Identifier: ISC */
/*
 * Where each part of the screen goes for a terminal of cols x rows: the
 * list of rooms and conversations on the left, the title line and the
 * messages on the right, the status line and the input line at the
 * bottom. Pure, so it is tested without a terminal.
 *
 *   +------------+--------------------------------+
 *   | rooms      | title                          |
 *   | and        | messages                       |
 *   | people     |                                |
 *   +------------+--------------------------------+
 *   | status                                      |
 *   | input                                       |
 *   +---------------------------------------------+
 */
#ifndef HEARTH_CLIENT_LAYOUT_H
#define HEARTH_CLIENT_LAYOUT_H

#include <stdbool.h>

/* The smallest terminal the interface is drawn in. */
#define LAYOUT_MIN_COLS 60
#define LAYOUT_MIN_ROWS 15

struct layout_rect {
	int x, y, w, h;
};

struct layout {
	bool too_small; /* below the minimum: only a notice is drawn */
	int cols, rows;
	struct layout_rect list;   /* w 0 when there is no room for it */
	struct layout_rect title;  /* one line above the messages */
	struct layout_rect msgs;   /* the message pane */
	struct layout_rect status; /* one line */
	struct layout_rect input;  /* one line */
};

/* Fills l for a terminal of cols x rows (any values, even 0 or less). */
void layout_compute(int cols, int rows, struct layout *l);

#endif
