/* SPDX-License-Identifier: ISC */
/*
 * Draws the model on the terminal (ncursesw): the only code that does.
 * It keeps nothing but the layout of the last draw.
 */
#ifndef HEARTH_CLIENT_VIEW_H
#define HEARTH_CLIENT_VIEW_H

#include "client/layout.h"
#include "client/model.h"

/* Draws everything for a terminal of cols x rows, and places the cursor
 * in the input line. */
void view_draw(const struct model *m, int cols, int rows);

/* The messages one page holds at that size (for PageUp and PageDown). */
size_t view_page(int cols, int rows);

#endif
