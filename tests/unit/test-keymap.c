/* SPDX-License-Identifier: ISC */
/*
 * The key table: the documented defaults (F1 help, F12 and Ctrl-Q panic),
 * typing, no key bound twice, every action reachable, and help text for
 * every group of keys.
 */
#include <string.h>

#include "client/keymap.h"
#include "tests/unit/cm.h"

static enum ui_action_kind
find(enum ui_key_code code, uint32_t ch, bool meta)
{
	struct ui_key k = {code, ch, meta};

	return keymap_find(&k);
}

static void
test_defaults(void **state)
{
	assert_int_equal(find(UI_KEY_F1, 0, false), UI_HELP);
	assert_int_equal(find(UI_KEY_F12, 0, false), UI_PANIC);
	assert_int_equal(find(UI_KEY_CTRL, 'q', false), UI_PANIC_HALF);
	assert_int_equal(find(UI_KEY_ENTER, 0, false), UI_SUBMIT);
	assert_int_equal(find(UI_KEY_TAB, 0, false), UI_COMPLETE);
	assert_int_equal(find(UI_KEY_PGUP, 0, false), UI_PAGE_UP);
	assert_int_equal(find(UI_KEY_CTRL, 'w', false), UI_DELETE_WORD);
	assert_int_equal(find(UI_KEY_RIGHT, 0, true), UI_NEXT_CONV);
	assert_int_equal(find(UI_KEY_RIGHT, 0, false), UI_RIGHT);
	/* An Esc just before must not swallow the panic keys. */
	assert_int_equal(find(UI_KEY_F12, 0, true), UI_PANIC);
	assert_int_equal(find(UI_KEY_CTRL, 'q', true), UI_PANIC_HALF);
}

static void
test_typing(void **state)
{
	/* Any character, in any script, is typed. */
	assert_int_equal(find(UI_KEY_CHAR, 'a', false), UI_INSERT);
	assert_int_equal(find(UI_KEY_CHAR, 0x0436, false), UI_INSERT);
	assert_int_equal(find(UI_KEY_CHAR, 0x0645, false), UI_INSERT);
	assert_int_equal(find(UI_KEY_CHAR, 0x1F600, false), UI_INSERT);
	/* With Alt it is a command or nothing, never text. */
	assert_int_equal(find(UI_KEY_CHAR, 'a', true), UI_JUMP_UNREAD);
	assert_int_equal(find(UI_KEY_CHAR, 'z', true), UI_NONE);
	assert_int_equal(find(UI_KEY_CTRL, 'z', false), UI_NONE);
	assert_int_equal(find(UI_KEY_NONE, 0, false), UI_NONE);
}

static void
test_table(void **state)
{
	bool reached[UI_CANCEL + 1] = {false};
	const struct keymap_entry *a, *b;

	for (a = keymap_table; a->code != UI_KEY_NONE; a++) {
		reached[a->action] = true;
		/* A help line names its keys and says what they do. */
		assert_true((a->keys == NULL) == (a->note == NULL));
		for (b = a + 1; b->code != UI_KEY_NONE; b++)
			assert_false(a->code == b->code && a->ch == b->ch &&
			             a->meta == b->meta);
	}
	/* The first entry of the table has help. */
	assert_non_null(keymap_table[0].note);
	for (int k = UI_SUBMIT; k <= UI_CANCEL; k++)
		if (!reached[k])
			fail_msg("action %d has no key", k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_typing),
	    cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
