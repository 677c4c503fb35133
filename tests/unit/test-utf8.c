/* SPDX-License-Identifier: ISC */
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"
#include "tests/unit/cm.h"

static bool
valid(const char *s, size_t len)
{
	return utf8_valid((const uint8_t *)s, len);
}

static void
test_accepts_real_text(void **state)
{
	const char *good[] = {
	    "",
	    "plain ascii",
	    "Привет, как ты?",
	    "مرحبا بك",
	    "你好",
	    "\xf0\x9f\x92\x9c heart",
	    "\xf4\x8f\xbf\xbf",
	    "\xee\x80\x80" /* U+E000, after the surrogates */,
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(valid(good[i], strlen(good[i])));
}

static void
test_rejects_malformed(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {"a\0b", 3},              /* NUL */
	    {"\x80", 1},              /* lone continuation */
	    {"\xc0\xaf", 2},          /* overlong '/' */
	    {"\xc1\xbf", 2},          /* overlong */
	    {"\xe0\x80\xaf", 3},      /* overlong */
	    {"\xf0\x80\x80\xaf", 4},  /* overlong */
	    {"\xed\xa0\x80", 3},      /* surrogate U+D800 */
	    {"\xf4\x90\x80\x80", 4},  /* U+110000 */
	    {"\xf5\x80\x80\x80", 4},  /* past the range */
	    {"\xff", 1}, {"\xd0", 1}, /* truncated 2-byte */
	    {"\xe2\x82", 2},          /* truncated 3-byte */
	    {"\xf0\x9f\x92", 3},      /* truncated 4-byte */
	    {"\xe2\x28\xa1", 3},      /* bad continuation */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(valid(bad[i].s, bad[i].len));
}

static void
test_truncation_never_reads_past_len(void **state)
{
	const char *s = "Ж";

	/* Cut inside the character: must fail on the cut, not read on. */
	assert_false(valid(s, 1));
	assert_true(valid(s, 2));
}

static bool
name_ok(const char *s)
{
	return utf8_name_ok((const uint8_t *)s, strlen(s));
}

static void
test_names(void **state)
{
	char long_name[UTF8_NAME_MAX + 2];

	/* Any script. */
	assert_true(name_ok("river"));
	assert_true(name_ok("\xd0\x9a\xd0\xb0\xd1\x82\xd1\x8f")); /* Катя */
	assert_true(name_ok("\xd9\x84\xd9\x8a\xd9\x84\xd9\x89")); /* ليلى */
	assert_true(name_ok("\xe5\xb0\x8f\xe8\x8a\xb1"));         /* 小花 */
	assert_true(name_ok("moon\xf0\x9f\x8c\x99"));             /* emoji */
	assert_true(name_ok("a.b-c_d"));
	/* Empty, too long, invalid UTF-8. */
	assert_false(name_ok(""));
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[UTF8_NAME_MAX] = '\0';
	assert_true(name_ok(long_name));
	long_name[UTF8_NAME_MAX] = 'a';
	long_name[UTF8_NAME_MAX + 1] = '\0';
	assert_false(name_ok(long_name));
	assert_false(name_ok("bad\xc3"));
	/* Blanks, controls, interface characters. */
	assert_false(name_ok("two words"));
	assert_false(name_ok("tab\there"));
	assert_false(name_ok("esc\x1b[31m"));
	assert_false(name_ok("cr\rlf"));
	assert_false(name_ok("del\x7f"));
	assert_false(name_ok("c1\xc2\x85"));     /* NEL */
	assert_false(name_ok("nbsp\xc2\xa0"));   /* no-break space */
	assert_false(name_ok("river#ABCD1234")); /* fake fingerprint */
	assert_false(name_ok("/quit"));
	assert_false(name_ok("a@b"));
	/* Invisible and bidirectional formatting. */
	assert_false(name_ok("zw\xe2\x80\x8bsp"));    /* U+200B */
	assert_false(name_ok("zwj\xe2\x80\x8d"));     /* U+200D */
	assert_false(name_ok("rlo\xe2\x80\xae"));     /* U+202E */
	assert_false(name_ok("lri\xe2\x81\xa6"));     /* U+2066 */
	assert_false(name_ok("alm\xd8\x9c"));         /* U+061C */
	assert_false(name_ok("bom\xef\xbb\xbf"));     /* U+FEFF */
	assert_false(name_ok("shy\xc2\xad"));         /* soft hyphen */
	assert_false(name_ok("hangul\xe3\x85\xa4"));  /* U+3164 filler */
	assert_false(name_ok("tag\xf3\xa0\x80\x81")); /* U+E0001 */
	assert_false(name_ok("ideo\xe3\x80\x80"));    /* U+3000 space */
	assert_false(name_ok("ogham\xe1\x9a\x80"));   /* U+1680 space */
}

/* U+FFFD REPLACEMENT CHARACTER. */
#define REP "\xef\xbf\xbd"

/* Encodes cp into b (5 bytes) and returns b: the tests' own encoder. */
static char *
enc(uint32_t cp, char b[static 5])
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		b[1] = '\0';
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		b[2] = '\0';
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		b[3] = '\0';
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		b[4] = '\0';
	}
	return b;
}

/* Sanitises s[0..len) with room to spare and checks the result. */
static void
expect_n(const char *s, size_t len, enum utf8_mode mode, const char *want)
{
	char out[256];
	size_t n;

	assert_true(UTF8_SANITIZE_MAX(len) <= sizeof out);
	n = utf8_sanitize(out, sizeof out, (const uint8_t *)s, len, mode);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void
expect(const char *s, enum utf8_mode mode, const char *want)
{
	expect_n(s, strlen(s), mode, want);
}

static void
test_next(void **state)
{
	uint32_t cp = 1;

	assert_int_equal(utf8_next((const uint8_t *)"", 0, &cp), 0);
	assert_int_equal(utf8_next((const uint8_t *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_next((const uint8_t *)"\xd0\x96", 2, &cp), 2);
	assert_int_equal(cp, 0x416);
	assert_int_equal(
	    utf8_next((const uint8_t *)"\xf0\x9f\x92\x9c", 4, &cp), 4);
	assert_int_equal(cp, 0x1f49c);
	/* Ill-formed: U+FFFD and the maximal subpart only. */
	assert_int_equal(utf8_next((const uint8_t *)"\xf0\x9f\x92"
	                                            "A",
	                     4, &cp),
	    3);
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(utf8_next((const uint8_t *)"\xed\xa0\x80", 3, &cp), 1);
	assert_int_equal(cp, 0xfffd);
	/* Never reads past len. */
	assert_int_equal(utf8_next((const uint8_t *)"\xd0\x96", 1, &cp), 1);
	assert_int_equal(cp, 0xfffd);
}

static void
test_sanitize_every_c0_and_del(void **state)
{
	char in[4], want[8], b[5];

	for (unsigned c = 0; c < 0x20; c++) {
		in[0] = 'a';
		in[1] = (char)c;
		in[2] = 'b';
		snprintf(want, sizeof want, "a%sb", enc(0x2400 + c, b));
		expect_n(in, 3, UTF8_TEXT, want);
		expect_n(in, 3, UTF8_NAME, want);
	}
	expect("a\x7f"
	       "b",
	    UTF8_TEXT,
	    "a\xe2\x90\xa1"
	    "b");                                     /* U+2421 */
	expect_n("\0", 1, UTF8_TEXT, "\xe2\x90\x80"); /* U+2400 */
}

static void
test_sanitize_cr_lf_bs_tab(void **state)
{
	/* ncurses acts on these: CR rewrites the line, LF fakes a speaker. */
	expect("hi\rmallory: bye", UTF8_TEXT, "hi\xe2\x90\x8dmallory: bye");
	expect("hi\n<river> trust me", UTF8_TEXT,
	    "hi\xe2\x90\x8a<river> trust me");
	expect("abc\b\b\bxyz", UTF8_TEXT,
	    "abc\xe2\x90\x88\xe2\x90\x88\xe2\x90\x88xyz");
	expect("a\tb", UTF8_TEXT,
	    "a\xe2\x90\x89"
	    "b");
}

static void
test_sanitize_escape_sequences(void **state)
{
	expect("\x1b[2J\x1b]0;title\x07", UTF8_TEXT,
	    "\xe2\x90\x9b[2J\xe2\x90\x9b]0;title\xe2\x90\x87");
	expect("\x1b[31mred\x1b[0m", UTF8_TEXT,
	    "\xe2\x90\x9b[31mred\xe2\x90\x9b[0m");
	/* The 8-bit CSI and OSC are C1 controls. */
	expect("\xc2\x9b"
	       "2J\xc2\x9d"
	       "0;t",
	    UTF8_TEXT, REP "2J" REP "0;t");
}

static void
expect_hidden(uint32_t cp)
{
	char in[16], b[5];

	snprintf(in, sizeof in, "x%sy", enc(cp, b));
	expect(in, UTF8_TEXT, "x" REP "y");
	expect(in, UTF8_NAME, "x" REP "y");
}

static void
test_sanitize_c1(void **state)
{
	for (uint32_t cp = 0x80; cp <= 0x9f; cp++)
		expect_hidden(cp);
}

static void
test_sanitize_bidi(void **state)
{
	static const uint32_t bidi[] = {0x61c, 0x200e, 0x200f, 0x202a, 0x202b,
	    0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069};

	for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++)
		expect_hidden(bidi[i]);
	/* The classic: a filename that reads backwards after U+202E. */
	expect(
	    "invoice\xe2\x80\xaegpj.exe", UTF8_TEXT, "invoice" REP "gpj.exe");
}

static void
test_sanitize_invisible(void **state)
{
	static const struct {
		uint32_t lo, hi;
	} hidden[] = {
	    {0xad, 0xad},       /* soft hyphen */
	    {0x34f, 0x34f},     /* combining grapheme joiner */
	    {0x115f, 0x1160},   /* Hangul fillers */
	    {0x17b4, 0x17b5},   /* Khmer inherent vowels */
	    {0x180b, 0x180f},   /* Mongolian selectors and separator */
	    {0x200b, 0x200d},   /* ZWSP, ZWNJ, ZWJ */
	    {0x2028, 0x2029},   /* line and paragraph separators */
	    {0x2060, 0x206f},   /* word joiner, invisible operators, ... */
	    {0x3164, 0x3164},   /* Hangul filler */
	    {0xfdd0, 0xfdef},   /* noncharacters */
	    {0xfe00, 0xfe0f},   /* variation selectors */
	    {0xfeff, 0xfeff},   /* BOM, zero-width no-break space */
	    {0xffa0, 0xffa0},   /* halfwidth Hangul filler */
	    {0xfff0, 0xfffb},   /* unassigned specials, annotation */
	    {0xfffe, 0xffff},   /* noncharacters */
	    {0x1bca0, 0x1bca3}, /* shorthand format controls */
	    {0x1d173, 0x1d17a}, /* musical symbol format controls */
	    {0x1fffe, 0x1ffff}, /* noncharacters, every plane */
	    {0x10fffe, 0x10ffff},
	    {0xe0000, 0xe0fff}, /* tags, variation selectors supplement */
	};

	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		for (uint32_t cp = hidden[i].lo; cp <= hidden[i].hi; cp++)
			expect_hidden(cp);
	/* A BOM at the start is no exception. */
	expect("\xef\xbb\xbfhi", UTF8_TEXT, REP "hi");
}

static void
test_sanitize_keeps_real_text(void **state)
{
	/* Russian, Arabic, Japanese, Korean, then emoji. */
	const char *keep[] = {
	    "plain ascii, with punctuation: #tag /cmd a@b ~!",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd9\x83",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",
	    "\xf0\x9f\x92\x9c \xf0\x9f\x98\x80",
	    /* Regional-indicator flag, thumbs up with a skin tone. */
	    "\xf0\x9f\x87\xba\xf0\x9f\x87\xa6",
	    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
	    /* e + combining acute. */
	    "e\xcc\x81",
	    /* Blanks are fine in text; so is the braille blank. */
	    "\xc2\xa0nbsp \xe3\x80\x80",
	    "\xe2\xa0\x80",
	    /* U+FFFC, U+FFFD, a control picture (U+241B). */
	    "\xef\xbf\xbc\xef\xbf\xbd",
	    "\xe2\x90\x9b",
	    /* Private use: U+E000, U+F0000, U+10FFFD. */
	    "\xee\x80\x80",
	    "\xf3\xb0\x80\x80",
	    "\xf4\x8f\xbf\xbd",
	    /* Either side of the noncharacters U+FDD0-FDEF. */
	    "\xef\xb7\x8f\xef\xb7\xb0",
	    "",
	};

	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		expect(keep[i], UTF8_TEXT, keep[i]);
}

static void
test_sanitize_emoji_joiners_replaced(void **state)
{
	/*
	 * The chosen rule: ZWJ and variation selectors are replaced even in
	 * emoji sequences (see utf8.h).
	 */
	expect("\xe2\x9d\xa4\xef\xb8\x8f", UTF8_TEXT, "\xe2\x9d\xa4" REP);
	expect("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", UTF8_TEXT,
	    "\xf0\x9f\x91\xa8" REP "\xf0\x9f\x91\xa9");
	/* Tags: a subdivision flag would smuggle invisible ASCII. */
	expect("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf", UTF8_TEXT,
	    "\xf0\x9f\x8f\xb4" REP REP);
}

static void
test_sanitize_ill_formed(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		const char *want;
	} cases[] = {
	    /* Unicode table 3-8, the maximal subpart example. */
	    {"a\xf1\x80\x80\xe1\x80\xc2"
	     "b\x80"
	     "c\x80\xbf"
	     "d",
	        13, "a" REP REP REP "b" REP "c" REP REP "d"},
	    {"\x80", 1, REP},
	    {"\xbf\x80", 2, REP REP},
	    /* Overlong forms. */
	    {"\xc0\xaf", 2, REP REP},
	    {"\xc1\xbf", 2, REP REP},
	    {"\xe0\x80\xaf", 3, REP REP REP},
	    {"\xf0\x80\x80\xaf", 4, REP REP REP REP},
	    {"\xf8\x88\x80\x80\x80", 5, REP REP REP REP REP},
	    /* Surrogates U+D800, U+DFFF, and a CESU-8 pair. */
	    {"\xed\xa0\x80", 3, REP REP REP},
	    {"\xed\xbf\xbf", 3, REP REP REP},
	    {"\xed\xa0\xbd\xed\xb2\x9c", 6, REP REP REP REP REP REP},
	    /* Past U+10FFFF, and bytes that never appear. */
	    {"\xf4\x90\x80\x80", 4, REP REP REP REP},
	    {"\xf5\x80\x80\x80", 4, REP REP REP REP},
	    {"\xfe\xff", 2, REP REP},
	    /* Truncated sequences followed by ASCII: the ASCII survives. */
	    {"\xd0"
	     "A",
	        2, REP "A"},
	    {"\xe2\x82"
	     "A",
	        3, REP "A"},
	    {"\xf0\x9f\x92"
	     "A",
	        4, REP "A"},
	    {"\xf0\x9f"
	     "A",
	        3, REP "A"},
	    {"\xe2\x82\x1b[2J", 6, REP "\xe2\x90\x9b[2J"},
	    {"\xe2\x82\r", 3, REP "\xe2\x90\x8d"},
	    /* ... and so does a following multibyte character. */
	    {"\xe2\x82\xd0\x96", 4, REP "\xd0\x96"},
	    {"\xf0\x9f\x92\xf0\x9f\x92\x9c", 7, REP "\xf0\x9f\x92\x9c"},
	    /* Truncated at the very end. */
	    {"ok\xf0\x9f\x92", 5, "ok" REP},
	    {"ok\xe2", 3, "ok" REP},
	    {"\xe2\x28\xa1", 3, REP "(" REP},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("case %zu\n", i);
		expect_n(cases[i].s, cases[i].len, UTF8_TEXT, cases[i].want);
	}
}

static void
test_sanitize_names(void **state)
{
	const char *good[] = {"river", "\xd0\x9a\xd0\xb0\xd1\x82\xd1\x8f",
	    "\xd9\x84\xd9\x8a\xd9\x84\xd9\x89", "\xe5\xb0\x8f\xe8\x8a\xb1",
	    "moon\xf0\x9f\x8c\x99", "a.b-c_d", "e\xcc\x81"};

	/* A name utf8_name_ok() accepts comes out as it went in. */
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_true(name_ok(good[i]));
		expect(good[i], UTF8_NAME, good[i]);
	}
	/* Blanks and separators, each one. */
	expect("two words", UTF8_NAME, "two" REP "words");
	expect("nb\xc2\xa0sp", UTF8_NAME, "nb" REP "sp");
	expect("em\xe2\x80\x83sp", UTF8_NAME, "em" REP "sp");
	expect("nn\xe2\x80\xafsp", UTF8_NAME, "nn" REP "sp");
	expect("mm\xe2\x81\x9fsp", UTF8_NAME, "mm" REP "sp");
	expect("id\xe3\x80\x80sp", UTF8_NAME, "id" REP "sp");
	expect("og\xe1\x9a\x80sp", UTF8_NAME, "og" REP "sp");
	expect("ls\xe2\x80\xa8ps\xe2\x80\xa9", UTF8_NAME, "ls" REP "ps" REP);
	/* Interface characters and blank-looking symbols. */
	expect("river#ABCD1234", UTF8_NAME, "river" REP "ABCD1234");
	expect("/quit", UTF8_NAME, REP "quit");
	expect("a@b", UTF8_NAME, "a" REP "b");
	expect("\xe2\xa0\x80", UTF8_NAME, REP);
	expect("\xef\xbf\xbc", UTF8_NAME, REP);
	/* A combining mark at the start has nothing to sit on. */
	expect("\xcc\x81"
	       "a",
	    UTF8_NAME, REP "a");
	/* Controls still show as pictures. */
	expect("a\tb", UTF8_NAME,
	    "a\xe2\x90\x89"
	    "b");
	/* And the same strings as text keep their blanks. */
	expect("two words", UTF8_TEXT, "two words");
	expect("river#ABCD1234", UTF8_TEXT, "river#ABCD1234");
}

static void
test_sanitize_cap(void **state)
{
	/* 1, 2, 3 and 4 bytes, then a 3-byte placeholder. */
	const char *in = "a\xd0\x96\xe6\x97\xa5\xf0\x9f\x98\x80\x01";
	const char *full = "a\xd0\x96\xe6\x97\xa5\xf0\x9f\x98\x80\xe2\x90\x81";
	/* Bytes of output after each whole character. */
	static const size_t ends[] = {0, 1, 3, 6, 10, 13};
	char out[32];
	size_t n, want;

	/* cap 0 writes nothing at all. */
	out[0] = 'X';
	assert_int_equal(
	    utf8_sanitize(out, 0, (const uint8_t *)in, strlen(in), UTF8_TEXT),
	    0);
	assert_int_equal(out[0], 'X');
	assert_int_equal(
	    utf8_sanitize(NULL, 0, (const uint8_t *)in, strlen(in), UTF8_TEXT),
	    0);
	for (size_t cap = 1; cap <= strlen(full) + 2; cap++) {
		memset(out, 'X', sizeof out);
		n = utf8_sanitize(
		    out, cap, (const uint8_t *)in, strlen(in), UTF8_TEXT);
		want = 0;
		for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++)
			if (ends[k] < cap)
				want = ends[k];
		print_message("cap %zu\n", cap);
		assert_int_equal(n, want);
		assert_int_equal(out[n], '\0');
		assert_memory_equal(out, full, n);
		assert_true(valid(out, n));
		/* Nothing past the NUL, nothing past cap. */
		for (size_t k = n + 1; k < sizeof out; k++)
			assert_int_equal(out[k], 'X');
	}
	/* Exactly enough, and one byte short. */
	n = utf8_sanitize(
	    out, strlen(full) + 1, (const uint8_t *)in, strlen(in), UTF8_TEXT);
	assert_int_equal(n, strlen(full));
	n = utf8_sanitize(
	    out, strlen(full), (const uint8_t *)in, strlen(in), UTF8_TEXT);
	assert_int_equal(n, 10);
	/* Empty input. */
	n = utf8_sanitize(out, 1, (const uint8_t *)"", 0, UTF8_TEXT);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
}

static void
test_sanitize_max_is_enough(void **state)
{
	uint8_t in[100];
	char out[UTF8_SANITIZE_MAX(sizeof in)];
	const uint8_t worst[] = {0x01, 0x7f, 0x80, 0xff, 0xc0, 0xed};

	for (size_t w = 0; w < sizeof worst; w++) {
		memset(in, worst[w], sizeof in);
		assert_int_equal(
		    utf8_sanitize(out, sizeof out, in, sizeof in, UTF8_TEXT),
		    sizeof out - 1);
	}
	/* Spaces in a name: one placeholder each. */
	memset(in, ' ', sizeof in);
	assert_int_equal(
	    utf8_sanitize(out, sizeof out, in, sizeof in, UTF8_NAME),
	    sizeof out - 1);
}

/* xorshift32: a fixed sequence, so a failure reproduces. */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Bidirectional and zero-width code points: the oracle's own list. */
static bool
oracle_hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) ||
	       (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

/* Appends a random piece: a byte, or a whole character worth testing. */
static size_t
random_piece(uint32_t *x, uint8_t *p)
{
	static const uint32_t cps[] = {0x0a, 0x0d, 0x1b, 0x20, 0x7f, 0x85, 0xa0,
	    0xad, 0x301, 0x416, 0x61c, 0x627, 0x200b, 0x200d, 0x202e, 0x2066,
	    0x2400, 0x2800, 0x3000, 0x65e5, 0xd7ff, 0xe000, 0xfdd0, 0xfe0f,
	    0xfeff, 0xfffd, 0xfffe, 0x1f49c, 0xe0041, 0x10ffff};
	uint32_t r = rnd(x);
	char b[5];

	switch (r % 4) {
	case 0:
		p[0] = (uint8_t)(r >> 8); /* any byte */
		return 1;
	case 1:
		p[0] = (uint8_t)(0x80 | (r >> 8 & 0x3f)); /* continuation */
		return 1;
	case 2:
		p[0] = (uint8_t)(0x20 + (r >> 8) % 0x5f); /* printable */
		return 1;
	default:
		enc(cps[(r >> 8) % (sizeof cps / sizeof cps[0])], b);
		memcpy(p, b, strlen(b));
		return strlen(b);
	}
}

static void
test_sanitize_random_property(void **state)
{
	uint32_t x = 0x2545f491, cp;
	uint8_t in[200];
	char out[UTF8_SANITIZE_MAX(sizeof in)], again[sizeof out];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 0, want = rnd(&x) % 40, n, m, k;

		while (len < want)
			len += random_piece(&x, in + len);
		for (int mode = UTF8_TEXT; mode <= UTF8_NAME; mode++) {
			n = utf8_sanitize(
			    out, sizeof out, in, len, (enum utf8_mode)mode);
			assert_int_equal(n, strlen(out));
			assert_true(n < UTF8_SANITIZE_MAX(len));
			assert_true(valid(out, n));
			for (k = 0; k < n; k++)
				assert_true((uint8_t)out[k] >= 0x20 &&
				            (uint8_t)out[k] != 0x7f);
			for (k = 0; k < n; k += m) {
				m = utf8_next(
				    (const uint8_t *)out + k, n - k, &cp);
				assert_false(oracle_hidden(cp));
			}
			/* Sanitising again changes nothing. */
			m = utf8_sanitize(again, sizeof again,
			    (const uint8_t *)out, n, UTF8_TEXT);
			assert_int_equal(m, n);
			assert_memory_equal(again, out, n);
			if (mode == UTF8_NAME && n > 0 && n <= UTF8_NAME_MAX)
				assert_true(name_ok(out));
		}
	}
}

static void
test_names_refuse_noncharacters(void **state)
{
	assert_false(name_ok("a\xef\xb7\x90"));     /* U+FDD0 */
	assert_false(name_ok("a\xef\xbf\xbe"));     /* U+FFFE */
	assert_false(name_ok("a\xf0\x9f\xbf\xbf")); /* U+1FFFF */
	assert_true(name_ok("a\xef\xbf\xbd"));      /* U+FFFD is visible */
}

/* Look-alikes of '#', '/' and '@' cannot fake a name#FINGERPRINT. */
static void
test_name_lookalikes(void **state)
{
	static const char *const bad[] = {
	    "alice\xef\xbc\x83K3J9XYZ2", /* U+FF03 */
	    "alice\xef\xb9\x9fK3J9XYZ2", /* U+FE5F */
	    "a\xef\xbc\x8f"
	    "b", /* U+FF0F */
	    "a\xef\xbc\xa0"
	    "b", /* U+FF20 */
	    "a\xef\xb9\xab"
	    "b", /* U+FE6B */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(
		    utf8_name_ok((const uint8_t *)bad[i], strlen(bad[i])));
	assert_true(utf8_name_ok((const uint8_t *)"alice", 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_lookalikes),
	    cmocka_unit_test(test_accepts_real_text),
	    cmocka_unit_test(test_rejects_malformed),
	    cmocka_unit_test(test_truncation_never_reads_past_len),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_names_refuse_noncharacters),
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_sanitize_every_c0_and_del),
	    cmocka_unit_test(test_sanitize_cr_lf_bs_tab),
	    cmocka_unit_test(test_sanitize_escape_sequences),
	    cmocka_unit_test(test_sanitize_c1),
	    cmocka_unit_test(test_sanitize_bidi),
	    cmocka_unit_test(test_sanitize_invisible),
	    cmocka_unit_test(test_sanitize_keeps_real_text),
	    cmocka_unit_test(test_sanitize_emoji_joiners_replaced),
	    cmocka_unit_test(test_sanitize_ill_formed),
	    cmocka_unit_test(test_sanitize_names),
	    cmocka_unit_test(test_sanitize_cap),
	    cmocka_unit_test(test_sanitize_max_is_enough),
	    cmocka_unit_test(test_sanitize_random_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
