/* SPDX-License-Identifier: ISC */
/*
 * The screen layout at the smallest supported size, a common one and a
 * very large one: every part inside the screen, none overlapping, every
 * row and column used once; below the minimum, only the notice.
 */
#include <string.h>

#include "client/layout.h"
#include "tests/unit/cm.h"

/* Marks each cell a rectangle covers; fails on a cell covered twice. */
static void
cover(unsigned char *grid, int cols, int rows, const struct layout_rect *r)
{
	assert_true(r->x >= 0 && r->y >= 0 && r->w >= 0 && r->h >= 0);
	assert_true(r->x + r->w <= cols);
	assert_true(r->y + r->h <= rows);
	for (int y = r->y; y < r->y + r->h; y++)
		for (int x = r->x; x < r->x + r->w; x++) {
			assert_int_equal(grid[y * cols + x], 0);
			grid[y * cols + x] = 1;
		}
}

static void
check_size(int cols, int rows)
{
	static unsigned char grid[500 * 300];
	struct layout l;
	int uncovered = 0;

	layout_compute(cols, rows, &l);
	assert_false(l.too_small);
	memset(grid, 0, sizeof grid);
	cover(grid, cols, rows, &l.list);
	cover(grid, cols, rows, &l.title);
	cover(grid, cols, rows, &l.msgs);
	cover(grid, cols, rows, &l.status);
	cover(grid, cols, rows, &l.input);
	/* Only the separator column beside the list is left. */
	for (int i = 0; i < cols * rows; i++)
		uncovered += grid[i] == 0;
	assert_int_equal(uncovered, rows - 2);
	assert_int_equal(l.title.h, 1);
	assert_int_equal(l.status.h, 1);
	assert_int_equal(l.input.h, 1);
	assert_int_equal(l.input.y, rows - 1);
	assert_int_equal(l.status.y, rows - 2);
	assert_int_equal(l.input.w, cols);
	assert_true(l.list.w >= 14 && l.list.w <= 24);
	/* Room for a readable message line at every size. */
	assert_true(l.msgs.w >= 40);
	assert_true(l.msgs.h >= 10);
}

static void
test_sizes(void **state)
{
	check_size(LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
	check_size(80, 24);
	check_size(120, 40);
	check_size(500, 300);
}

static void
test_too_small(void **state)
{
	struct layout l;

	layout_compute(LAYOUT_MIN_COLS - 1, 40, &l);
	assert_true(l.too_small);
	layout_compute(200, LAYOUT_MIN_ROWS - 1, &l);
	assert_true(l.too_small);
	layout_compute(0, 0, &l);
	assert_true(l.too_small);
	layout_compute(-5, -5, &l);
	assert_true(l.too_small);
	assert_int_equal(l.msgs.w, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
