/* SPDX-License-Identifier: ISC */
/*
 * Drawing. Every text drawn was sanitised by the model; widths come from
 * client/wrap.c, which counts as ncursesw draws (wcwidth), so a line never
 * spills into the next part of the screen.
 */
#include "client/view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "client/wrap.h"

#define VIEW_PAIR_INFO 7
#define VIEW_PAIR_ERROR 8
/* Rows one message may take at most: a longer one shows its end. */
#define VIEW_WRAP_MAX 256

/* Draws s[0..len) at (y, x) in at most cols columns. Returns columns used. */
static int
view_put(int y, int x, const char *s, size_t len, int cols)
{
	size_t off = 0, n, w, used = 0;

	if (cols <= 0)
		return 0;
	while (off < len) {
		w = wrap_char(s + off, len - off, &n);
		if (n == 0 || used + w > (size_t)cols)
			break;
		off += n;
		used += w;
	}
	mvaddnstr(y, x, s, (int)off);
	return (int)used;
}

/*
 * Draws a name#FINGERPRINT in at most cols columns: when it does not fit
 * the name is shortened with an ellipsis, never the fingerprint, which is
 * what tells people apart (review finding). Returns columns used.
 */
static int
view_who(int y, int x, const char *who, int cols)
{
	size_t len = strlen(who), fp = len, fpw, nw;
	int used;

	if (wrap_width(who, len) <= (size_t)(cols > 0 ? cols : 0))
		return view_put(y, x, who, len, cols);
	for (size_t i = 0; i < len; i++)
		if (who[i] == '#')
			fp = i;
	fpw = wrap_width(who + fp, len - fp);
	if (fp == len || fpw + 2 > (size_t)cols)
		return view_put(y, x, who, len, cols);
	nw = (size_t)cols - fpw - 1;
	used = view_put(y, x, who, fp, (int)nw);
	used += view_put(y, x + used, "\u2026", strlen("\u2026"), 1);
	used += view_put(y, x + used, who + fp, len - fp, (int)fpw);
	return used;
}

static void
view_fill(int y, int x, int cols)
{
	for (int i = 0; i < cols; i++)
		mvaddch(y, x + i, ' ');
}

static void
view_list(const struct model *m, const struct layout_rect *r)
{
	char buf[64];
	int y = r->y;

	for (size_t i = 0; i < m->nconvs && y < r->y + r->h; i++, y++) {
		const struct model_conv *c = m->convs[i];
		int used;

		view_fill(y, r->x, r->w);
		if (i == m->cur)
			attron(A_REVERSE);
		used = view_put(
		    y, r->x, c->is_room || c->system ? " " : "@", 1, r->w);
		if (c->unread > 0) {
			snprintf(buf, sizeof buf, " %zu", c->unread);
			attron(A_BOLD);
		} else
			buf[0] = '\0';
		used += view_who(
		    y, r->x + used, c->name, r->w - used - (int)strlen(buf));
		view_put(y, r->x + used, buf, strlen(buf), r->w - used);
		attroff(A_BOLD | A_REVERSE);
	}
	for (; y < r->y + r->h; y++)
		view_fill(y, r->x, r->w);
	/* The separator. */
	for (y = r->y; y < r->y + r->h; y++)
		mvaddch(y, r->x + r->w, ACS_VLINE);
}

static void
view_title(const struct model *m, const struct layout_rect *r)
{
	const struct model_conv *c = m->convs[m->cur];
	char buf[128];
	int used;

	view_fill(r->y, r->x, r->w);
	if (m->alert_active) {
		/* Someone may need help: above everything, until Esc. */
		attron(COLOR_PAIR(8) | A_BOLD | A_REVERSE);
		view_fill(r->y, r->x, r->w);
		view_put(r->y, r->x, m->alert, strlen(m->alert), r->w);
		attroff(COLOR_PAIR(8) | A_BOLD | A_REVERSE);
		return;
	}
	attron(A_BOLD);
	used = view_who(r->y, r->x, c->name, r->w);
	attroff(A_BOLD);
	if (c->system)
		snprintf(buf, sizeof buf, "  notices and help");
	else if (c->is_room)
		snprintf(buf, sizeof buf, "  room, %zu member%s seen",
		    c->nmembers, c->nmembers == 1 ? "" : "s");
	else
		snprintf(buf, sizeof buf, "  %s",
		    c->verified ? "safety number checked"
		                : "not checked: /verify NAME#FP");
	view_put(r->y, r->x + used, buf, strlen(buf), r->w - used);
}

/* The header of a message: "12:34 name#FP ". */
static size_t
view_header(const struct model_line *l, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)l->time_s;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	return (size_t)snprintf(buf, cap, "%02d:%02d ", tm.tm_hour, tm.tm_min);
}

/*
 * Rows a message takes at width cols, and its wrapped text (after the
 * header on the first row when it fits, else below it).
 */
static size_t
view_wrap(const struct model_line *l, int cols, struct wrap_line *wl, size_t *n,
    bool *below)
{
	char head[16];
	size_t hw = view_header(l, head, sizeof head);

	if (l->from != NULL)
		hw += wrap_width(l->from, strlen(l->from)) + 1;
	/* Our own keep their last column for the delivery mark. */
	if (l->kind == MODEL_LINE_MINE && cols > 1)
		cols--;
	*below = false;
	*n = wrap_lines(l->text, l->text_len,
	    (size_t)cols > hw ? (size_t)cols - hw : 1, wl, VIEW_WRAP_MAX);
	if (*n <= 1 && hw < (size_t)cols)
		return 1;
	/* Longer: the text goes under the header, indented by two. */
	*below = true;
	*n = wrap_lines(l->text, l->text_len, cols > 2 ? (size_t)cols - 2 : 1,
	    wl, VIEW_WRAP_MAX);
	if (*n > VIEW_WRAP_MAX)
		*n = VIEW_WRAP_MAX;
	return 1 + *n;
}

/* Draws one message from row y (rows past the pane are skipped). */
static void
view_line(const struct model *m, const struct model_line *l,
    const struct layout_rect *r, int y, bool hit)
{
	static struct wrap_line wl[VIEW_WRAP_MAX];
	char head[16];
	size_t n, rows;
	int x = r->x, used;
	bool below;

	rows = view_wrap(l, r->w, wl, &n, &below);
	if (y >= r->y && y < r->y + r->h) {
		view_fill(y, r->x, r->w);
		view_header(l, head, sizeof head);
		attron(A_DIM);
		x += view_put(y, x, head, strlen(head), r->w);
		attroff(A_DIM);
		if (l->from != NULL) {
			int pair = 1 + model_color(l->from);

			attron(COLOR_PAIR(pair) | A_BOLD);
			used = view_who(y, x, l->from, r->x + r->w - x);
			attroff(COLOR_PAIR(pair) | A_BOLD);
			x += used + 1;
		}
		if (l->kind == MODEL_LINE_MINE)
			/* Stored by the relay, or still on its way. */
			view_put(y, r->x + r->w - 1,
			    l->delivered ? "\u2713" : "\u00b7",
			    strlen(l->delivered ? "\u2713" : "\u00b7"), 1);
	}
	if (l->kind == MODEL_LINE_INFO)
		attron(COLOR_PAIR(VIEW_PAIR_INFO));
	else if (l->kind == MODEL_LINE_ERROR)
		attron(COLOR_PAIR(VIEW_PAIR_ERROR) | A_BOLD);
	if (hit)
		attron(A_REVERSE);
	for (size_t i = 0; i < n; i++) {
		int row = below ? y + 1 + (int)i : y;
		int col = below ? r->x + 2 : x;

		if (row < r->y || row >= r->y + r->h)
			continue;
		if (below)
			view_fill(row, r->x, r->w);
		view_put(row, col, l->text + wl[i].off, wl[i].len,
		    r->x + r->w - col - (l->kind == MODEL_LINE_MINE ? 1 : 0));
	}
	attroff(COLOR_PAIR(VIEW_PAIR_INFO) | COLOR_PAIR(VIEW_PAIR_ERROR) |
	        A_BOLD | A_REVERSE);
	(void)rows;
	(void)m;
}

static void
view_help(const struct layout_rect *r)
{
	static const char help_title[] =
	    "Keys (Esc or F1 closes this; /help lists commands)";
	int y = r->y;

	for (int i = 0; i < r->h; i++)
		view_fill(r->y + i, r->x, r->w);
	attron(A_BOLD);
	view_put(y++, r->x, help_title, sizeof help_title - 1, r->w);
	attroff(A_BOLD);
	for (const struct keymap_entry *k = keymap_table;
	     k->code != UI_KEY_NONE && y < r->y + r->h; k++) {
		int used;

		if (k->keys == NULL)
			continue;
		attron(A_BOLD);
		used = view_put(y, r->x, k->keys, strlen(k->keys), r->w);
		attroff(A_BOLD);
		if (used + 2 + (int)wrap_width(k->note, strlen(k->note)) > r->w)
			y++, used = 0;
		if (y < r->y + r->h)
			view_put(y, r->x + used + 2, k->note, strlen(k->note),
			    r->w - used - 2);
		y++;
	}
}

static void
view_msgs(const struct model *m, const struct layout_rect *r)
{
	static struct wrap_line wl[VIEW_WRAP_MAX];
	const struct model_conv *c = m->convs[m->cur];
	size_t n, i;
	bool below;
	int y = r->y + r->h;

	if (m->help) {
		view_help(r);
		return;
	}
	for (int k = 0; k < r->h; k++)
		view_fill(r->y + k, r->x, r->w);
	/* From the newest shown, upwards, until the pane is full. */
	i = c->count > c->scroll ? c->count - c->scroll : 0;
	while (i-- > 0 && y > r->y) {
		const struct model_line *l = model_line_at(c, i);
		size_t rows = view_wrap(l, r->w, wl, &n, &below);

		y -= (int)rows;
		view_line(m, l, r, y,
		    m->search_found && m->searching && i == m->search_hit);
	}
}

static void
view_status(const struct model *m, const struct layout_rect *r)
{
	const struct model_conv *c = m->convs[m->cur];
	size_t ready = 0;
	char buf[MODEL_NAME_MAX + 128];
	int used;

	for (size_t i = 0; i < m->nrelays; i++)
		ready += strcmp(m->relays[i].state, "ready") == 0;
	attron(A_REVERSE);
	view_fill(r->y, r->x, r->w);
	if (m->nrelays == 0)
		snprintf(buf, sizeof buf, " %s | no relay",
		    m->persona[0] ? m->persona : "no persona");
	else if (m->nrelays == 1)
		snprintf(buf, sizeof buf, " %s | relay %s", m->persona,
		    m->relays[0].state);
	else
		snprintf(buf, sizeof buf, " %s | relays: %zu of %zu ready",
		    m->persona, ready, m->nrelays);
	used = view_put(r->y, r->x, buf, strlen(buf), r->w);
	if (m->searching)
		snprintf(
		    buf, sizeof buf, " | search: Enter finds older, Esc stops");
	else if (c->scroll > 0)
		snprintf(buf, sizeof buf, " | %zu newer below (PageDown)",
		    c->scroll);
	else if (!c->system)
		snprintf(buf, sizeof buf, " | end-to-end encrypted%s",
		    c->is_room ? "" : (c->verified ? ", checked" : ""));
	else
		buf[0] = '\0';
	used += view_put(r->y, r->x + used, buf, strlen(buf), r->w - used);
	if (m->timer_deadline != 0) {
		struct tm tm;
		time_t tt = (time_t)m->timer_deadline;

		if (localtime_r(&tt, &tm) != NULL) {
			snprintf(buf, sizeof buf, " | timer %02d:%02d (/safe)",
			    tm.tm_hour, tm.tm_min);
			view_put(
			    r->y, r->x + used, buf, strlen(buf), r->w - used);
		}
	}
	attroff(A_REVERSE);
}

static void
view_input(const struct model *m, const struct layout_rect *r)
{
	const char *prompt = m->searching ? "find: " : "> ";
	size_t off, len, col, tlen, pw = strlen(prompt);
	const char *text = editline_text(&m->input, &tlen);

	view_fill(r->y, r->x, r->w);
	view_put(r->y, r->x, prompt, pw, r->w);
	editline_view(&m->input, (size_t)r->w - pw, &off, &len, &col);
	view_put(r->y, r->x + (int)pw, text + off, len, r->w - (int)pw);
	move(r->y, r->x + (int)pw + (int)col);
}

size_t
view_page(int cols, int rows)
{
	struct layout l;

	layout_compute(cols, rows, &l);
	return l.too_small || l.msgs.h < 4 ? 1 : (size_t)l.msgs.h / 2;
}

void
view_draw(const struct model *m, int cols, int rows)
{
	struct layout l;

	layout_compute(cols, rows, &l);
	if (l.too_small) {
		erase();
		mvaddnstr(0, 0, "Make the window bigger: at least 60 x 15.",
		    cols > 0 ? cols : 0);
		refresh();
		return;
	}
	view_list(m, &l.list);
	view_title(m, &l.title);
	view_msgs(m, &l.msgs);
	view_status(m, &l.status);
	view_input(m, &l.input);
	refresh();
}
