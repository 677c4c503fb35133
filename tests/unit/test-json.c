/* SPDX-License-Identifier: ISC */
/* The JSON line writer: escaping of hostile text, bounds. */
#include <string.h>

#include "client/json.h"
#include "common/err.h"
#include "common/utf8.h"
#include "tests/unit/cm.h"

static void
assert_line(struct buf *b, const char *want)
{
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(b->data, want, b->len);
}

static void
test_members(void **state)
{
	struct buf b;
	struct json j;

	buf_init(&b, 4096);
	json_begin(&j, &b, "ready");
	json_uint(&j, "version", 1);
	json_bool(&j, "locked", false);
	json_null(&j, "persona");
	json_cstr(&j, "name", "river");
	assert_int_equal(json_end(&j), 0);
	assert_line(&b, "{\"event\":\"ready\",\"version\":1,\"locked\":false,"
	                "\"persona\":null,\"name\":\"river\"}\n");
	buf_release(&b);
}

static void
test_hostile_text(void **state)
{
	/* Quote, backslash, newline, ESC, DEL, a bad byte, a cut sequence,
	 * a surrogate, then real Cyrillic. */
	static const char in[] = "a\"b\\c\nd\x1b[2Je\x7f\xff"
	                         "f\xe2\x82g\xed\xa0\x80h\xd0\x96";
	struct buf b;
	struct json j;

	buf_init(&b, 4096);
	json_begin(&j, &b, "message");
	json_str(&j, "text", in, sizeof in - 1);
	assert_int_equal(json_end(&j), 0);
	assert_line(&b,
	    "{\"event\":\"message\",\"text\":\"a\\\"b\\\\c\\u000ad"
	    "\\u001b[2Je\\u007f\\ufffdf\\ufffd\\ufffdg\\ufffd\\ufffd"
	    "\\ufffdh\xd0\x96\"}\n");
	/* Whatever went in, the line is valid UTF-8 with one newline. */
	assert_true(utf8_valid(b.data, b.len));
	assert_ptr_equal(memchr(b.data, '\n', b.len), b.data + b.len - 1);
	buf_release(&b);
}

/* Valid but active characters come out as escapes (review finding). */
static void
test_formatting_characters_escaped(void **state)
{
	/* C1 CSI, RLO, ZWSP, LRI, BOM, LINE SEPARATOR, then plain é. */
	static const char in[] = "\xc2\x9b\xe2\x80\xae\xe2\x80\x8b"
	                         "\xe2\x81\xa6\xef\xbb\xbf\xe2\x80\xa8\xc3\xa9";
	struct buf b;
	struct json j;

	buf_init(&b, 4096);
	json_begin(&j, &b, "m");
	json_str(&j, "t", in, sizeof in - 1);
	assert_int_equal(json_end(&j), 0);
	assert_line(&b, "{\"event\":\"m\",\"t\":\"\\u009b\\u202e\\u200b"
	                "\\u2066\\ufeff\\u2028\xc3\xa9\"}\n");
	buf_release(&b);
}

static void
test_too_big_leaves_buffer(void **state)
{
	char text[200];
	struct buf b;
	struct json j;

	memset(text, 'x', sizeof text);
	buf_init(&b, 100);
	json_begin(&j, &b, "ok");
	assert_int_equal(json_end(&j), 0);
	json_begin(&j, &b, "message");
	json_str(&j, "text", text, sizeof text);
	assert_int_equal(json_end(&j), ERR_TOO_BIG);
	assert_line(&b, "{\"event\":\"ok\"}\n");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_hostile_text),
	    cmocka_unit_test(test_formatting_characters_escaped),
	    cmocka_unit_test(test_too_big_leaves_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
