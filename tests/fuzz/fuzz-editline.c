/* SPDX-License-Identifier: ISC */
/*
 * The input line's editing state driven by arbitrary operations. Each
 * input is a program: an opcode byte (taken modulo 20), then the
 * operation's arguments:
 *
 *   0  insert: a length byte (mod 64), then that many bytes to insert
 *   1  paste: a byte k; k mod 4 = 0 fills the line to EDITLINE_MAX with
 *      ASCII, k mod 4 = 1 pastes one byte more than that, and otherwise
 *      (k mod 70 + 1) KiB of Cyrillic
 *   2-12  left, right, word left, word right, home, end, backspace,
 *      delete, delete word, kill to end, kill line
 *   13 14  history previous, next
 *   15 take: a byte cap (255: a buffer of EDITLINE_MAX + 1)
 *   16 replace word: a length byte (mod 64), then the bytes
 *   17 view: a byte cols
 *   18 word
 *   19 wipe
 *
 * After each operation the text must be valid UTF-8 without controls
 * and the cursor at the start of a character; a refused insertion must
 * change nothing; take and view must keep their promises.
 */
#define _XOPEN_SOURCE 700

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "client/editline.h"
#include "common/err.h"
#include "common/utf8.h"
#include "tests/fuzz/fuzz.h"

#define PASTE_MAX (70 * 1024)

static struct editline fuzz_e;
static char fuzz_out[EDITLINE_MAX + 1];
static char fuzz_paste[PASTE_MAX];
static char fuzz_ascii[EDITLINE_MAX + 1];

/* Columns of s[0..n), which must be valid in the locale. */
static size_t
width(const char *s, size_t n)
{
	mbstate_t st;
	wchar_t wc;
	size_t i = 0, k, cols = 0;
	int w;

	memset(&st, 0, sizeof st);
	while (i < n) {
		k = mbrtowc(&wc, s + i, n - i, &st);
		if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
			abort();
		w = wcwidth(wc);
		cols += w < 0 ? 1 : (size_t)w;
		i += k;
	}
	return cols;
}

static bool
zero_width_at(const char *s, size_t n, size_t p)
{
	mbstate_t st;
	wchar_t wc;
	size_t k;

	memset(&st, 0, sizeof st);
	k = mbrtowc(&wc, s + p, n - p, &st);
	return k != (size_t)-1 && k != (size_t)-2 && k != 0 && wcwidth(wc) == 0;
}

static bool
boundary(const char *s, size_t n, size_t p)
{
	return p == 0 || p == n ||
	       (p < n && ((unsigned char)s[p] & 0xc0) != 0x80);
}

static void
check(void)
{
	size_t n, cur = editline_cursor(&fuzz_e);
	const char *t = editline_text(&fuzz_e, &n);
	const unsigned char *u = (const unsigned char *)t;

	if (n > EDITLINE_MAX || t[n] != '\0' || !utf8_valid(u, n))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			abort();
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] <= 0x9f)
			abort();
	}
	if (cur > n || !boundary(t, n, cur))
		abort();
	if (cur > 0 && cur < n && zero_width_at(t, n, cur))
		abort();
}

static void
check_view(size_t cols)
{
	size_t n, off, len, ccol, cur = editline_cursor(&fuzz_e);
	const char *t = editline_text(&fuzz_e, &n);

	editline_view(&fuzz_e, cols, &off, &len, &ccol);
	if (off > cur || cur > off + len || off + len > n)
		abort();
	if (!boundary(t, n, off) || !boundary(t, n, off + len))
		abort();
	if (cols < 2) {
		if (len != 0 || ccol != 0)
			abort();
		return;
	}
	if (ccol >= cols || ccol != width(t + off, cur - off) ||
	    width(t + off, len) > cols)
		abort();
	if (len > 0 && off + len < n && zero_width_at(t, n, off + len))
		abort();
}

/* Inserts (or replaces the word with) s[0..len): all or nothing. */
static void
insert(const char *s, size_t len, bool replace)
{
	size_t before, cur;
	int rc;

	editline_text(&fuzz_e, &before);
	cur = editline_cursor(&fuzz_e);
	if (replace)
		rc = editline_replace_word(&fuzz_e, s, len);
	else
		rc = editline_insert(&fuzz_e, s, len);
	editline_text(&fuzz_e, &len);
	if (rc == ERR_TOO_BIG) {
		if (len != before || editline_cursor(&fuzz_e) != cur)
			abort();
	} else if (rc != 0) {
		abort();
	} else if (len > EDITLINE_MAX ||
	           (!replace &&
	               (len < before || editline_cursor(&fuzz_e) < cur))) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	size_t i = 0, n, off, len, cap;
	unsigned op;

	if (!ready) {
		if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
			abort();
		for (size_t k = 0; k + 2 <= PASTE_MAX; k += 2)
			memcpy(fuzz_paste + k, "\xd0\xb6", 2);
		memset(fuzz_ascii, 'a', sizeof fuzz_ascii);
		ready = true;
	}
	editline_init(&fuzz_e);
	while (i < size) {
		op = data[i++] % 20;
		switch (op) {
		case 0:
		case 16:
			n = i < size ? data[i++] % 64 : 0;
			if (n > size - i)
				n = size - i;
			insert((const char *)data + i, n, op == 16);
			i += n;
			break;
		case 1:
			n = i < size ? data[i++] : 2;
			editline_text(&fuzz_e, &len);
			if (n % 4 < 2)
				insert(fuzz_ascii, EDITLINE_MAX - len + n % 4,
				    false);
			else
				insert(fuzz_paste, (n % 70 + 1) * 1024, false);
			break;
		case 2:
			editline_left(&fuzz_e);
			break;
		case 3:
			editline_right(&fuzz_e);
			break;
		case 4:
			editline_word_left(&fuzz_e);
			break;
		case 5:
			editline_word_right(&fuzz_e);
			break;
		case 6:
			editline_home(&fuzz_e);
			break;
		case 7:
			editline_end(&fuzz_e);
			break;
		case 8:
			editline_backspace(&fuzz_e);
			break;
		case 9:
			editline_delete(&fuzz_e);
			break;
		case 10:
			editline_delete_word(&fuzz_e);
			break;
		case 11:
			editline_kill_end(&fuzz_e);
			break;
		case 12:
			editline_kill_line(&fuzz_e);
			break;
		case 13:
			editline_history_prev(&fuzz_e);
			break;
		case 14:
			editline_history_next(&fuzz_e);
			break;
		case 15:
			cap = i < size ? data[i++] : 255;
			if (cap == 255)
				cap = sizeof fuzz_out;
			editline_text(&fuzz_e, &len);
			n = editline_take(&fuzz_e, fuzz_out, cap);
			if (cap > 0 &&
			    (n >= cap || n > len || fuzz_out[n] != '\0' ||
			        !utf8_valid((const uint8_t *)fuzz_out, n)))
				abort();
			if (cap > len && n != len)
				abort();
			editline_text(&fuzz_e, &len);
			if (len != 0 || editline_cursor(&fuzz_e) != 0)
				abort();
			break;
		case 17:
			check_view(i < size ? data[i++] : 80);
			break;
		case 18:
			editline_word(&fuzz_e, &off, &len);
			if (off + len != editline_cursor(&fuzz_e))
				abort();
			break;
		default:
			editline_wipe(&fuzz_e);
			break;
		}
		check();
	}
	return 0;
}
