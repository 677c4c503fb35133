/* SPDX-License-Identifier: ISC */
#include "client/layout.h"

#include <string.h>

/* The list is narrow on small screens and never wider than 24 columns. */
static int
layout_list_width(int cols)
{
	int w = cols / 5;

	if (w < 14)
		w = 14;
	if (w > 24)
		w = 24;
	return w;
}

void
layout_compute(int cols, int rows, struct layout *l)
{
	int lw;

	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->rows = rows;
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
		l->too_small = true;
		return;
	}
	lw = layout_list_width(cols);
	/* The list and the pane share the rows above the two bottom lines;
	 * one column between them holds the separator. */
	l->list = (struct layout_rect){0, 0, lw, rows - 2};
	l->title = (struct layout_rect){lw + 1, 0, cols - lw - 1, 1};
	l->msgs = (struct layout_rect){lw + 1, 1, cols - lw - 1, rows - 3};
	l->status = (struct layout_rect){0, rows - 2, cols, 1};
	l->input = (struct layout_rect){0, rows - 1, cols, 1};
}
