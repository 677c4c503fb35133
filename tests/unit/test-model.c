/* SPDX-License-Identifier: ISC */
/*
 * The interface's model, without a terminal: sanitising every text on
 * the way in, conversations and unread counts, sending, scrollback at
 * and past its bound, search, completion, the panic keys, disappearing
 * messages, name colours, and freeing everything.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/model.h"
#include "common/utf8.h"
#include "tests/unit/cm.h"

/* Too big for the stack. */
static struct model M;
static char out[EDITLINE_MAX + 64];

#define FFFD "\xef\xbf\xbd"

static int
setup(void **state)
{
	(void)state;
	model_init(&M);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	model_free(&M);
	return 0;
}

static enum model_effect
act(enum ui_action_kind a)
{
	return model_apply(&M, a, 0, 10, out, sizeof out);
}

/* Types s, valid UTF-8, one code point at a time. */
static void
type(const char *s)
{
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_next((const uint8_t *)s + i, len - i, &cp);
		assert_int_equal(
		    model_apply(&M, UI_INSERT, cp, 10, out, sizeof out),
		    MODEL_NOTHING);
		i += n;
	}
}

static const char *
input(void)
{
	size_t len;

	return editline_text(&M.input, &len);
}

static void
room_ev(const char *action, const char *room)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_ROOM;
	ev.action = action;
	ev.room = room;
	ev.relay = "127.0.0.1:7000";
	if (strcmp(action, "created") == 0)
		ev.invite = "hearth:invite:secret";
	model_on_event(&M, &ev);
}

static void
msg_ev(const char *room, const char *peer, const char *from, const char *text,
    size_t len, bool stored, uint64_t expires)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_MESSAGE;
	ev.room = room;
	ev.peer = peer;
	ev.from = from;
	ev.text = text;
	ev.text_len = len;
	ev.msgid = "0123456789abcdef0123456789abcdef";
	ev.time_s = 1700000000;
	ev.expires_s = expires;
	ev.stored = stored;
	model_on_event(&M, &ev);
}

static void
say(const char *room, const char *text)
{
	msg_ev(room, NULL, "bob#BBBBBBBB", text, strlen(text), false, 0);
}

static void
member_ev(const char *room, const char *id)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_MEMBER;
	ev.action = "joined";
	ev.room = room;
	ev.id = id;
	ev.current = true;
	model_on_event(&M, &ev);
}

static struct model_conv *
conv(const char *name)
{
	for (size_t i = 0; i < M.nconvs; i++)
		if (strcmp(M.convs[i]->name, name) == 0)
			return M.convs[i];
	return NULL;
}

static const struct model_line *
last(const struct model_conv *c)
{
	assert_true(c->count > 0);
	return model_line_at(c, c->count - 1);
}

static bool
has(const char *s, const char *needle)
{
	return s != NULL && strstr(s, needle) != NULL;
}

/* Nothing a terminal would act on or hide. */
static void
assert_clean(const char *s)
{
	size_t len, i = 0, n;
	uint32_t cp;

	assert_non_null(s);
	len = strlen(s);
	assert_true(utf8_valid((const uint8_t *)s, len));
	for (size_t k = 0; k < len; k++) {
		assert_true((unsigned char)s[k] >= 0x20);
		assert_true((unsigned char)s[k] != 0x7f);
	}
	while (i < len) {
		n = utf8_next((const uint8_t *)s + i, len - i, &cp);
		assert_false(cp >= 0x80 && cp <= 0x9f);
		assert_false(cp >= 0x200b && cp <= 0x200f);
		assert_false(cp >= 0x202a && cp <= 0x202e);
		assert_false(cp >= 0x2060 && cp <= 0x2069);
		assert_false(cp == 0x061c || cp == 0xfeff);
		assert_false(cp == 0x2028 || cp == 0x2029);
		assert_false(cp >= 0xfe00 && cp <= 0xfe0f);
		assert_false(cp >= 0xe0000 && cp <= 0xe0fff);
		i += n;
	}
}

static void
assert_all_clean(void)
{
	for (size_t i = 0; i < M.nconvs; i++) {
		const struct model_conv *c = M.convs[i];

		assert_clean(c->name);
		for (size_t j = 0; j < c->count; j++) {
			const struct model_line *l = model_line_at(c, j);

			assert_clean(l->text);
			assert_int_equal(strlen(l->text), l->text_len);
			if (l->from != NULL)
				assert_clean(l->from);
		}
		for (size_t j = 0; j < c->nmembers; j++)
			assert_clean(c->members[j]);
	}
	assert_clean(M.persona);
}

static void
test_init(void **state)
{
	(void)state;
	assert_int_equal(M.nconvs, 1);
	assert_true(model_current(&M)->system);
	assert_string_equal(model_current(&M)->name, "hearth");
	assert_null(model_line_at(model_current(&M), 0));
}

static void
test_sanitise_text(void **state)
{
	static const char evil[] =
	    "a\rb\nc\bd\x1b[2Je\x1b]0;title\x07"
	    "f\xe2\x80\xaeg\xe2\x81\xa6h\xe2\x80\x8bi\xe2\x80\x8dj\xef\xbb\xbf"
	    "k\xff\xc0\xafl\xed\xa0\x80m\xe2\x82"
	    "n\x7fo\xc2\x9bp\0q";
	const struct model_line *l;

	(void)state;
	room_ev("joined", "cafe");
	msg_ev("cafe", NULL, "bob#BBBBBBBB", evil, sizeof evil - 1, false, 0);
	l = last(conv("cafe"));
	assert_int_equal(l->kind, MODEL_LINE_MSG);
	assert_clean(l->text);
	/* Each offending character shows as a placeholder, none dropped. */
	assert_true(has(l->text, "a\xe2\x90\x8d"
	                         "b")); /* CR */
	assert_true(has(l->text, "b\xe2\x90\x8a"
	                         "c")); /* LF */
	assert_true(has(l->text, "c\xe2\x90\x88"
	                         "d"));                    /* BS */
	assert_true(has(l->text, "d\xe2\x90\x9b[2Je"));    /* ESC */
	assert_true(has(l->text, "\xe2\x90\x9b]0;title")); /* OSC */
	assert_true(has(l->text, "title\xe2\x90\x87"
	                         "f")); /* BEL */
	assert_true(
	    has(l->text, "f" FFFD "g" FFFD "h" FFFD "i" FFFD "j" FFFD "k"));
	assert_true(has(l->text, "k" FFFD));
	assert_true(has(l->text, "n\xe2\x90\xa1o")); /* DEL */
	assert_true(has(l->text, "o" FFFD "p"));     /* C1 CSI */
	assert_true(has(l->text, "p\xe2\x90\x80q")); /* NUL */
	assert_true(has(l->text, "q"));
	assert_all_clean();
}

static void
test_sanitise_from(void **state)
{
	char longname[200];
	const struct model_line *l;
	const char *from;

	(void)state;
	room_ev("joined", "cafe");
	msg_ev("cafe", NULL, "ev\xe2\x80\xaeil#ABCDEFGH", "hi", 2, false, 0);
	from = last(conv("cafe"))->from;
	assert_non_null(from);
	assert_clean(from);
	assert_string_equal(from, "ev" FFFD "il#ABCDEFGH");

	/* A '#' in the name cannot pose as the fingerprint's. */
	msg_ev("cafe", NULL, "alice#AAAAAAAA#EVILEVIL", "hi", 2, false, 0);
	from = last(conv("cafe"))->from;
	assert_string_equal(from, "alice" FFFD "AAAAAAAA#EVILEVIL");

	/* However long and ugly the name, the fingerprint stays whole. */
	memset(longname, '\x01', sizeof longname);
	memcpy(longname + 150, "#ABCDEFGH", 10);
	msg_ev("cafe", NULL, longname, "hi", 2, false, 0);
	l = last(conv("cafe"));
	assert_clean(l->from);
	assert_true(strlen(l->from) < MODEL_NAME_MAX);
	assert_true(has(l->from, "#ABCDEFGH"));
	assert_int_equal(strcmp(l->from + strlen(l->from) - 9, "#ABCDEFGH"), 0);
	assert_all_clean();
}

static void
test_sanitise_names(void **state)
{
	static const char *const scripts[] = {
	    "Привет, как дела?",
	    "مرحبا كيف حالك",
	    "你好，世界。こんにちは",
	    "emoji \xf0\x9f\x91\x8b ok",
	};

	(void)state;
	/* Room and peer names are held to the rules of names. */
	room_ev("joined", "ca\xe2\x80\xae"
	                  "fe\x1b[1m");
	assert_int_equal(M.nconvs, 2);
	assert_clean(model_current(&M)->name);
	assert_true(has(model_current(&M)->name, FFFD));
	msg_ev(NULL,
	    "m\xe2\x81\xa6"
	    "allory#ABCDEFGH",
	    "x#ABCDEFGH", "hi", 2, false, 0);
	assert_int_equal(M.nconvs, 3);
	assert_string_equal(M.convs[2]->name, "m" FFFD "allory#ABCDEFGH");

	/* Other scripts are kept as they are. */
	room_ev("joined", "кафе");
	assert_string_equal(model_current(&M)->name, "кафе");
	for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		say("кафе", scripts[i]);
		assert_string_equal(last(model_current(&M))->text, scripts[i]);
	}
	msg_ev("кафе", NULL, "Алиса#ABCDEFGH", "x", 1, false, 0);
	assert_string_equal(last(model_current(&M))->from, "Алиса#ABCDEFGH");
	assert_all_clean();
}

static void
test_sanitise_events(void **state)
{
	struct engine_event ev;

	(void)state;
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_ERROR;
	ev.command = "/say";
	ev.reason = "bad\x1b[31m\rthing\xe2\x80\xae";
	model_on_event(&M, &ev);
	assert_int_equal(last(M.convs[0])->kind, MODEL_LINE_ERROR);
	assert_true(has(last(M.convs[0])->text, "/say: bad"));

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_READY;
	ev.id = "me\xe2\x80\xae#ABCDEFGH";
	model_on_event(&M, &ev);
	assert_string_equal(M.persona, "me" FFFD "#ABCDEFGH");

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_RELAY;
	ev.action = "offline";
	ev.name = "relay\x1b]0;x\x07.example";
	ev.port = 443;
	ev.reason = "refused\n\n\nfake line";
	ev.retry_ms = 1500;
	model_on_event(&M, &ev);
	assert_true(has(last(M.convs[0])->text, "trying again in 2 s"));

	room_ev("joined", "cafe");
	member_ev("cafe", "e\xe2\x80\xaeve\x1b#ABCDEFGH");
	assert_int_equal(conv("cafe")->nmembers, 1);
	assert_all_clean();
}

static void
test_relay_long_host(void **state)
{
	static const char *const states[] = {"connecting", "ready", "offline"};
	char host[100];
	struct engine_event ev;

	(void)state;
	memset(host, 'r', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	for (size_t i = 0; i < 3; i++) {
		memset(&ev, 0, sizeof ev);
		ev.kind = ENGINE_EV_RELAY;
		ev.action = states[i];
		ev.name = host;
		ev.port = 443;
		model_on_event(&M, &ev);
	}
	/* One relay, in its latest state, however long its name. */
	assert_int_equal(M.nrelays, 1);
	assert_string_equal(M.relays[0].state, "offline");
	ev.port = 444;
	model_on_event(&M, &ev);
	assert_int_equal(M.nrelays, 2);
}

static void
test_conversations(void **state)
{
	(void)state;
	room_ev("created", "cafe");
	assert_int_equal(M.nconvs, 2);
	assert_int_equal(M.cur, 1);
	assert_true(model_current(&M)->is_room);
	assert_string_equal(model_current(&M)->name, "cafe");
	/* The invite is shown in the room. */
	assert_string_equal(last(conv("cafe"))->text, "hearth:invite:secret");

	room_ev("joined", "garden");
	assert_int_equal(M.nconvs, 3);
	assert_string_equal(model_current(&M)->name, "garden");

	/* To the right room; unread where not in view. */
	say("cafe", "hello cafe");
	assert_string_equal(last(conv("cafe"))->text, "hello cafe");
	assert_int_equal(conv("cafe")->unread, 1);
	say("garden", "hello garden");
	assert_int_equal(conv("garden")->unread, 0);

	/* A new peer gets a conversation of its own. */
	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "psst", 4, false, 0);
	assert_int_equal(M.nconvs, 4);
	assert_false(conv("dana#DDDDDDDD")->is_room);
	assert_int_equal(conv("dana#DDDDDDDD")->unread, 1);
	assert_string_equal(last(conv("dana#DDDDDDDD"))->text, "psst");
	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "again", 5, false, 0);
	assert_int_equal(M.nconvs, 4);
	assert_int_equal(conv("dana#DDDDDDDD")->unread, 2);
	/* A room and a peer never share a conversation. */
	assert_true(conv("cafe")->is_room);

	/* History is not news. */
	say("cafe", "x");
	msg_ev("cafe", NULL, "bob#BBBBBBBB", "old", 3, true, 0);
	assert_int_equal(conv("cafe")->unread, 2);
	assert_string_equal(last(conv("cafe"))->text, "old");

	/* Showing a conversation reads it. */
	act(UI_NEXT_CONV);
	assert_string_equal(model_current(&M)->name, "dana#DDDDDDDD");
	assert_int_equal(model_current(&M)->unread, 0);
	act(UI_NEXT_CONV);
	assert_int_equal(M.cur, 0);
	act(UI_PREV_CONV);
	assert_int_equal(M.cur, 3);
	act(UI_JUMP_UNREAD);
	assert_string_equal(model_current(&M)->name, "cafe");
	assert_int_equal(conv("cafe")->unread, 0);
	/* Nothing unread: stays. */
	act(UI_JUMP_UNREAD);
	assert_string_equal(model_current(&M)->name, "cafe");

	/* Leaving a room before the one in view keeps the same in view. */
	act(UI_NEXT_CONV);
	act(UI_NEXT_CONV);
	assert_string_equal(model_current(&M)->name, "dana#DDDDDDDD");
	room_ev("left", "cafe");
	assert_int_equal(M.nconvs, 3);
	assert_null(conv("cafe"));
	assert_string_equal(model_current(&M)->name, "dana#DDDDDDDD");
	assert_true(has(last(M.convs[0])->text, "You left cafe."));
	/* Leaving the one in view shows another. */
	act(UI_PREV_CONV);
	assert_string_equal(model_current(&M)->name, "garden");
	room_ev("left", "garden");
	assert_int_equal(M.nconvs, 2);
	assert_true(M.cur < M.nconvs);
	/* Leaving the last one, and one not there. */
	act(UI_NEXT_CONV);
	room_ev("left", "nowhere");
	assert_int_equal(M.nconvs, 2);
	assert_true(M.cur < M.nconvs);
	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "x", 1, false, 0);
	assert_int_equal(M.nconvs, 2);
}

static void
test_convs_max(void **state)
{
	char name[32];

	(void)state;
	for (int i = 0; i < MODEL_CONVS_MAX + 10; i++) {
		snprintf(name, sizeof name, "room%d", i);
		room_ev("joined", name);
		say(name, "hello");
		assert_true(M.nconvs <= MODEL_CONVS_MAX);
		assert_true(M.cur < M.nconvs);
	}
	assert_int_equal(M.nconvs, MODEL_CONVS_MAX);
	for (int i = 0; i < MODEL_CONVS_MAX + 2; i++) {
		act(UI_NEXT_CONV);
		assert_true(M.cur < M.nconvs);
	}
	/* Room for one more after leaving one. */
	room_ev("left", "room3");
	assert_int_equal(M.nconvs, MODEL_CONVS_MAX - 1);
	room_ev("joined", "late");
	assert_string_equal(model_current(&M)->name, "late");
	assert_int_equal(M.nconvs, MODEL_CONVS_MAX);
	msg_ev(NULL, "zed#ZZZZZZZZ", "zed#ZZZZZZZZ", "x", 1, false, 0);
	assert_int_equal(M.nconvs, MODEL_CONVS_MAX);
	assert_all_clean();
}

static void
test_send(void **state)
{
	struct engine_event ev;
	const struct model_line *l;
	char small[16];

	(void)state;
	/* On hearth's own page only commands go. */
	type("hello");
	assert_int_equal(act(UI_SUBMIT), MODEL_NOTHING);
	assert_int_equal(last(M.convs[0])->kind, MODEL_LINE_ERROR);
	assert_int_equal(act(UI_SUBMIT), MODEL_NOTHING);
	type("/rooms");
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_string_equal(out, "/rooms");
	assert_string_equal(input(), "");

	room_ev("joined", "cafe");
	type("Привет 👋 all");
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_string_equal(out, "/say cafe Привет 👋 all");
	assert_int_equal(act(UI_SUBMIT), MODEL_NOTHING);
	type("/members cafe");
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_string_equal(out, "/members cafe");

	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "hi", 2, false, 0);
	act(UI_NEXT_CONV);
	assert_string_equal(model_current(&M)->name, "dana#DDDDDDDD");
	type("hi dana");
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_string_equal(out, "/dm dana#DDDDDDDD hi dana");

	/* Too long for out: nothing runs. */
	type("a long line");
	assert_int_equal(model_apply(&M, UI_SUBMIT, 0, 10, small, sizeof small),
	    MODEL_NOTHING);
	assert_int_equal(last(model_current(&M))->kind, MODEL_LINE_ERROR);

	/* Sent, then delivered. */
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SENT;
	ev.room = "cafe";
	ev.text = "Привет 👋 all";
	ev.text_len = strlen(ev.text);
	ev.msgid = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	ev.time_s = 1700000000;
	model_on_event(&M, &ev);
	ev.text = "second";
	ev.text_len = 6;
	ev.msgid = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	model_on_event(&M, &ev);
	l = model_line_at(conv("cafe"), conv("cafe")->count - 2);
	assert_int_equal(l->kind, MODEL_LINE_MINE);
	assert_string_equal(l->text, "Привет 👋 all");
	assert_false(l->delivered);
	/* Ours are never unread. */
	assert_int_equal(conv("cafe")->unread, 0);

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_DELIVERED;
	ev.room = "cafe";
	ev.msgid = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	model_on_event(&M, &ev);
	assert_true(l->delivered);
	assert_false(last(conv("cafe"))->delivered);
	ev.msgid = "cccccccccccccccccccccccccccccccc";
	model_on_event(&M, &ev);
	assert_false(last(conv("cafe"))->delivered);
	ev.msgid = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	model_on_event(&M, &ev);
	assert_true(last(conv("cafe"))->delivered);
}

static void
test_delivered_after_leave(void **state)
{
	struct engine_event ev;

	(void)state;
	room_ev("joined", "cafe");
	room_ev("left", "cafe");
	assert_int_equal(M.nconvs, 1);
	/* The relay's late receipt does not bring the room back. */
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_DELIVERED;
	ev.room = "cafe";
	ev.msgid = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	model_on_event(&M, &ev);
	assert_int_equal(M.nconvs, 1);
	assert_null(conv("cafe"));
}

static void
test_scrollback(void **state)
{
	char text[32];
	struct model_conv *c;

	(void)state;
	room_ev("joined", "cafe");
	c = model_current(&M);
	for (int i = 0; i < MODEL_LINES_MAX + 10; i++) {
		snprintf(text, sizeof text, "msg %d", i);
		say("cafe", text);
	}
	assert_int_equal(c->count, MODEL_LINES_MAX);
	/* The welcome line and the oldest messages went. */
	assert_string_equal(model_line_at(c, 0)->text, "msg 10");
	assert_string_equal(last(c)->text, "msg 2009");
	assert_null(model_line_at(c, MODEL_LINES_MAX));
	assert_int_equal(c->unread, 0);

	assert_int_equal(c->scroll, 0);
	act(UI_PAGE_UP);
	assert_int_equal(c->scroll, 10);
	act(UI_PAGE_DOWN);
	assert_int_equal(c->scroll, 0);
	act(UI_PAGE_DOWN);
	assert_int_equal(c->scroll, 0);
	model_apply(&M, UI_PAGE_UP, 0, 5000, out, sizeof out);
	assert_int_equal(c->scroll, MODEL_LINES_MAX - 1);

	/* Scrolled to the top of a full ring: new lines keep it valid. */
	say("cafe", "new");
	assert_true(c->scroll <= c->count - 1);
	assert_int_equal(c->unread, 1);
	/* Page 0 (a tiny window) still scrolls both ways. */
	model_apply(&M, UI_PAGE_DOWN, 0, 0, out, sizeof out);
	assert_int_equal(c->scroll, MODEL_LINES_MAX - 2);
	model_apply(&M, UI_PAGE_UP, 0, 0, out, sizeof out);
	assert_int_equal(c->scroll, MODEL_LINES_MAX - 1);

	/* Scrolled up a little: the view stays still. */
	model_apply(&M, UI_PAGE_DOWN, 0, 5000, out, sizeof out);
	assert_int_equal(c->scroll, 0);
	assert_int_equal(c->unread, 0);
	act(UI_PAGE_UP);
	say("cafe", "one");
	say("cafe", "two");
	assert_int_equal(c->scroll, 12);
	assert_int_equal(c->unread, 2);
	/* Paging back to the end reads them. */
	model_apply(&M, UI_PAGE_DOWN, 0, 12, out, sizeof out);
	assert_int_equal(c->scroll, 0);
	assert_int_equal(c->unread, 0);
	/* An empty conversation does not scroll. */
	act(UI_NEXT_CONV);
	assert_int_equal(M.cur, 0);
	act(UI_PAGE_UP);
	assert_int_equal(M.convs[0]->scroll, 0);
}

static void
test_search(void **state)
{
	struct model_conv *c;
	size_t n;

	(void)state;
	room_ev("joined", "cafe");
	c = model_current(&M);
	say("cafe", "apple one");
	say("cafe", "banana");
	say("cafe", "apple two");
	say("cafe", "cherry");
	n = c->count;
	type("draft");
	act(UI_SEARCH);
	assert_true(M.searching);
	assert_string_equal(input(), "");
	type("apple");
	assert_int_equal(act(UI_SUBMIT), MODEL_NOTHING);
	assert_true(M.search_found);
	assert_string_equal(model_line_at(c, M.search_hit)->text, "apple two");
	assert_int_equal(c->scroll, c->count - 1 - M.search_hit);
	/* The search text stays for the next one. */
	assert_string_equal(input(), "apple");
	act(UI_SUBMIT);
	assert_true(M.search_found);
	assert_string_equal(model_line_at(c, M.search_hit)->text, "apple one");
	assert_int_equal(c->scroll, c->count - 1 - M.search_hit);
	/* No older one. */
	act(UI_SUBMIT);
	assert_false(M.search_found);
	assert_int_equal(last(c)->kind, MODEL_LINE_ERROR);
	assert_int_equal(c->count, n + 1);

	act(UI_KILL_LINE);
	type("zebra");
	act(UI_SUBMIT);
	assert_false(M.search_found);
	assert_int_equal(last(c)->kind, MODEL_LINE_ERROR);
	assert_int_equal(c->count, n + 2);

	act(UI_CANCEL);
	assert_false(M.searching);
	assert_string_equal(input(), "draft");
	assert_int_equal(c->scroll, 0);
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_string_equal(out, "/say cafe draft");

	/* Cyrillic, and a search with nothing typed before it. */
	say("cafe", "ещё яблоко");
	act(UI_SEARCH);
	type("яблоко");
	act(UI_SUBMIT);
	assert_true(M.search_found);
	assert_string_equal(model_line_at(c, M.search_hit)->text, "ещё яблоко");
	act(UI_CANCEL);
	assert_string_equal(input(), "");
}

static void
test_search_then_switch(void **state)
{
	char text[32];

	(void)state;
	room_ev("joined", "big");
	for (int i = 0; i < 50; i++) {
		snprintf(text, sizeof text, "line %d", i);
		say("big", text);
	}
	act(UI_SEARCH);
	type("line 4");
	act(UI_SUBMIT);
	assert_true(M.search_found);
	assert_true(M.search_hit > 40);

	/* A room made comes into view: the old hit means nothing there. */
	room_ev("created", "small");
	assert_string_equal(model_current(&M)->name, "small");
	act(UI_SUBMIT);
	assert_false(M.search_found);
	act(UI_CANCEL);

	/* The same when the room in view is left. */
	act(UI_PREV_CONV);
	assert_string_equal(model_current(&M)->name, "big");
	act(UI_SEARCH);
	type("line 4");
	act(UI_SUBMIT);
	assert_true(M.search_found);
	room_ev("left", "big");
	assert_true(M.cur < M.nconvs);
	act(UI_SUBMIT);
	assert_false(M.search_found);
	act(UI_CANCEL);
	assert_false(M.searching);
}

static void
test_search_ring(void **state)
{
	char text[32];
	struct model_conv *c;

	(void)state;
	room_ev("joined", "cafe");
	c = model_current(&M);
	say("cafe", "needle");
	for (int i = 0; i < MODEL_LINES_MAX - 2; i++) {
		snprintf(text, sizeof text, "hay %d", i);
		say("cafe", text);
	}
	assert_int_equal(c->count, MODEL_LINES_MAX);
	act(UI_SEARCH);
	type("needle");
	act(UI_SUBMIT);
	assert_true(M.search_found);
	assert_int_equal(M.search_hit, 1);
	/* The hit moves down as older lines go, and goes with its line. */
	say("cafe", "more");
	assert_true(M.search_found);
	assert_int_equal(M.search_hit, 0);
	assert_string_equal(model_line_at(c, M.search_hit)->text, "needle");
	say("cafe", "more");
	assert_false(M.search_found);
	assert_true(c->scroll <= c->count - 1);
}

static void
test_complete(void **state)
{
	char seen[3][16];
	bool persona = false, proxy = false, panic = false;

	(void)state;
	type("/he");
	act(UI_COMPLETE);
	assert_string_equal(input(), "/help");
	act(UI_KILL_LINE);

	type("/p");
	for (int i = 0; i < 3; i++) {
		act(UI_COMPLETE);
		snprintf(seen[i], sizeof seen[i], "%s", input());
		persona |= strcmp(input(), "/persona") == 0;
		proxy |= strcmp(input(), "/proxy") == 0;
		panic |= strcmp(input(), "/panic") == 0;
	}
	assert_true(persona && proxy && panic);
	act(UI_COMPLETE);
	assert_string_equal(input(), seen[0]);
	act(UI_COMPLETE);
	assert_string_equal(input(), seen[1]);
	/* Typing ends it: Tab starts again from what is typed. */
	act(UI_KILL_LINE);
	type("/zz");
	act(UI_COMPLETE);
	assert_string_equal(input(), "/zz");
	act(UI_KILL_LINE);

	/* After /say, rooms only. */
	room_ev("joined", "cafe");
	room_ev("joined", "garden");
	msg_ev(NULL, "carol#CCCCCCCC", "carol#CCCCCCCC", "x", 1, false, 0);
	type("/say ");
	act(UI_COMPLETE);
	assert_true(strcmp(input(), "/say cafe") == 0 ||
	            strcmp(input(), "/say garden") == 0);
	for (int i = 0; i < 5; i++) {
		act(UI_COMPLETE);
		assert_true(strcmp(input(), "/say cafe") == 0 ||
		            strcmp(input(), "/say garden") == 0);
	}
	act(UI_KILL_LINE);
	type("/say c");
	act(UI_COMPLETE);
	assert_string_equal(input(), "/say cafe");
	act(UI_COMPLETE);
	assert_string_equal(input(), "/say cafe");
	act(UI_KILL_LINE);

	/* In a room, its members. */
	member_ev("garden", "alice#AAAAAAAA");
	member_ev("garden", "albert#BBBBBBBB");
	member_ev("garden", "alice#AAAAAAAA");
	assert_int_equal(conv("garden")->nmembers, 2);
	assert_string_equal(model_current(&M)->name, "garden");
	type("hello al");
	act(UI_COMPLETE);
	assert_true(strcmp(input(), "hello alice#AAAAAAAA") == 0 ||
	            strcmp(input(), "hello albert#BBBBBBBB") == 0);
	snprintf(seen[0], sizeof seen[0], "%s", input() + 6);
	act(UI_COMPLETE);
	assert_true(strcmp(input(), "hello alice#AAAAAAAA") == 0 ||
	            strcmp(input(), "hello albert#BBBBBBBB") == 0);
	assert_string_not_equal(input() + 6, seen[0]);
	act(UI_COMPLETE);
	assert_string_equal(input() + 6, seen[0]);
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_true(has(out, "/say garden hello al"));
	/* Members of another room are not offered. */
	act(UI_PREV_CONV);
	assert_string_equal(model_current(&M)->name, "cafe");
	type("al");
	act(UI_COMPLETE);
	assert_string_equal(input(), "al");
}

static void
test_panic(void **state)
{
	size_t n;

	(void)state;
	assert_int_equal(act(UI_PANIC), MODEL_PANIC);
	n = M.convs[0]->count;
	assert_int_equal(act(UI_PANIC_HALF), MODEL_NOTHING);
	assert_int_equal(M.convs[0]->count, n + 1);
	assert_true(has(last(M.convs[0])->text, "Ctrl-Q"));
	assert_int_equal(act(UI_PANIC_HALF), MODEL_PANIC);

	/* Another key in between disarms it. */
	model_free(&M);
	model_init(&M);
	assert_int_equal(act(UI_PANIC_HALF), MODEL_NOTHING);
	type("x");
	assert_int_equal(act(UI_PANIC_HALF), MODEL_NOTHING);
	act(UI_LEFT);
	assert_int_equal(act(UI_PANIC_HALF), MODEL_NOTHING);
	assert_int_equal(act(UI_PANIC_HALF), MODEL_PANIC);
	/* Even in the middle of a search. */
	act(UI_SEARCH);
	assert_int_equal(act(UI_PANIC), MODEL_PANIC);
}

static void
test_expire(void **state)
{
	struct model_conv *c;
	size_t n;

	(void)state;
	room_ev("joined", "cafe");
	c = model_current(&M);
	n = c->count;
	msg_ev("cafe", NULL, "bob#BBBBBBBB", "gone at 100", 11, false, 100);
	say("cafe", "stays");
	msg_ev("cafe", NULL, "bob#BBBBBBBB", "gone at 200", 11, false, 200);
	say("cafe", "stays too");
	msg_ev("cafe", NULL, "bob#BBBBBBBB", "gone at 300", 11, false, 300);
	assert_int_equal(c->count, n + 5);
	model_apply(&M, UI_PAGE_UP, 0, 100, out, sizeof out);
	assert_int_equal(c->scroll, c->count - 1);

	model_expire(&M, 99);
	assert_int_equal(c->count, n + 5);
	model_expire(&M, 100);
	assert_int_equal(c->count, n + 4);
	assert_string_equal(model_line_at(c, n)->text, "stays");
	assert_true(c->scroll <= c->count - 1);
	model_expire(&M, 250);
	assert_int_equal(c->count, n + 3);
	assert_string_equal(model_line_at(c, n)->text, "stays");
	assert_string_equal(model_line_at(c, n + 1)->text, "stays too");
	assert_string_equal(model_line_at(c, n + 2)->text, "gone at 300");
	assert_true(c->scroll <= c->count - 1);
	model_expire(&M, 1000);
	assert_int_equal(c->count, n + 2);
	assert_string_equal(last(c)->text, "stays too");

	/* Only disappearing ones, in a conversation of nothing else. */
	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "a", 1, false, 5);
	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "b", 1, false, 6);
	act(UI_NEXT_CONV);
	act(UI_PAGE_UP);
	c = model_current(&M);
	assert_string_equal(c->name, "dana#DDDDDDDD");
	model_expire(&M, 6);
	assert_int_equal(c->count, 0);
	assert_int_equal(c->scroll, 0);
	assert_null(model_line_at(c, 0));
	say("cafe", "still works");
	msg_ev(NULL, "dana#DDDDDDDD", "dana#DDDDDDDD", "c", 1, false, 0);
	assert_string_equal(last(c)->text, "c");
}

static void
test_expire_ring(void **state)
{
	char text[32];
	struct model_conv *c;

	(void)state;
	room_ev("joined", "cafe");
	c = model_current(&M);
	/* Wrap the ring, every other line disappearing. */
	for (int i = 0; i < MODEL_LINES_MAX + 501; i++) {
		snprintf(text, sizeof text, "%d", i);
		msg_ev("cafe", NULL, "bob#BBBBBBBB", text, strlen(text), false,
		    i % 2 ? 0 : 10);
	}
	assert_int_equal(c->count, MODEL_LINES_MAX);
	assert_true(c->head != 0);
	model_expire(&M, 10);
	assert_int_equal(c->count, MODEL_LINES_MAX / 2);
	for (size_t j = 0; j < c->count; j++)
		assert_true(atoi(model_line_at(c, j)->text) % 2 == 1);
	assert_string_equal(last(c)->text, "2499");
	for (int i = 0; i < MODEL_LINES_MAX; i++)
		say("cafe", "refill");
	assert_int_equal(c->count, MODEL_LINES_MAX);
	assert_all_clean();
}

static void
test_color(void **state)
{
	static const char *const fps[] = {"#AAAAAAAA", "#BBBBBBBB", "#CCCCCCCC",
	    "#DDDDDDDD", "#EEEEEEEE", "#FFFFFFFF", "#12345678", "#9ABCDEF0"};
	char who[64];
	bool colours[6] = {false};
	int distinct = 0, k;

	(void)state;
	assert_int_equal(
	    model_color("alice#ABCDEFGH"), model_color("mallory#ABCDEFGH"));
	assert_int_equal(
	    model_color("Алиса#ABCDEFGH"), model_color("#ABCDEFGH"));
	for (size_t i = 0; i < sizeof fps / sizeof fps[0]; i++) {
		snprintf(who, sizeof who, "alice%s", fps[i]);
		k = model_color(who);
		assert_in_range(k, 0, 5);
		snprintf(who, sizeof who, "bob%s", fps[i]);
		assert_int_equal(model_color(who), k);
		if (!colours[k])
			distinct++;
		colours[k] = true;
	}
	assert_true(distinct >= 2);
	assert_in_range(model_color(NULL), 0, 5);
	assert_in_range(model_color(""), 0, 5);
	assert_in_range(model_color("noFP"), 0, 5);
	assert_in_range(model_color("\xff\xfe#\xff"), 0, 5);

	/* What the model stores keeps the colour of the raw name. */
	room_ev("joined", "cafe");
	msg_ev("cafe", NULL, "ev\xe2\x80\xaeil#ABCDEFGH", "x", 1, false, 0);
	assert_int_equal(model_color(last(model_current(&M))->from),
	    model_color("alice#ABCDEFGH"));
}

static void
test_paste_and_edit(void **state)
{
	(void)state;
	room_ev("joined", "cafe");
	model_paste(&M, "line one\nline\x1b[2J two", 21);
	assert_clean(input());
	assert_int_equal(act(UI_SUBMIT), MODEL_RUN);
	assert_true(has(out, "/say cafe line one line"));
	assert_clean(out);
	/* Up brings back the line sent. */
	act(UI_HISTORY_PREV);
	assert_true(has(input(), "line one"));
	act(UI_KILL_LINE);
	/* Code points past Unicode or surrogates are not typed. */
	model_apply(&M, UI_INSERT, 0xd800, 10, out, sizeof out);
	model_apply(&M, UI_INSERT, 0x110000, 10, out, sizeof out);
	model_apply(&M, UI_INSERT, 0xffffffff, 10, out, sizeof out);
	model_apply(&M, UI_INSERT, 0x1b, 10, out, sizeof out);
	assert_string_equal(input(), "");
	type("ab");
	act(UI_BACKSPACE);
	act(UI_HOME);
	act(UI_DELETE);
	assert_string_equal(input(), "");
	act(UI_HELP);
	assert_true(M.help);
	act(UI_CANCEL);
	assert_false(M.help);
	M.dirty = false;
	act(UI_REDRAW);
	assert_true(M.dirty);
}

static void
test_all_events(void **state)
{
	struct engine_event ev;

	(void)state;
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_PERSONA;
	ev.action = "created";
	ev.name = "me";
	ev.id = "me#ABCDEFGH";
	ev.current = true;
	model_on_event(&M, &ev);
	assert_string_equal(M.persona, "me#ABCDEFGH");

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_HELP;
	ev.command = "/say";
	ev.usage = "/say ROOM TEXT";
	ev.summary = "says";
	model_on_event(&M, &ev);
	assert_true(has(last(M.convs[0])->text, "/say ROOM TEXT"));

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_VERIFY;
	ev.peer = "dana#DDDDDDDD";
	ev.safety = "12345 67890";
	ev.words = "apple banana";
	ev.verified = true;
	model_on_event(&M, &ev);
	assert_true(conv("dana#DDDDDDDD")->verified);

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SETTING;
	ev.action = "history";
	ev.room = "cafe";
	ev.history = true;
	model_on_event(&M, &ev);
	assert_true(has(last(conv("cafe"))->text, "history kept"));
	ev.action = "panic";
	ev.room = NULL;
	ev.name = "wipe";
	model_on_event(&M, &ev);
	assert_true(has(last(M.convs[0])->text, "wipe"));

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_EXPIRED;
	model_on_event(&M, &ev);

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_BYE;
	model_on_event(&M, &ev);
	assert_true(M.quit);
	assert_all_clean();
}

/*
 * /notify bell: a message in a conversation not in view rings, one in
 * view does not, and nothing rings when the bell is off (the default).
 */
static void
notify_ev(const char *mode)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SETTING;
	ev.action = "notify";
	ev.name = mode;
	model_on_event(&M, &ev);
}

static void
test_bell(void **state)
{
	room_ev("joined", "here");
	room_ev("joined", "there");
	/* "there" is in view now. */
	say("here", "off by default");
	assert_false(M.ring);
	notify_ev("bell");
	assert_true(M.bell);
	say("there", "in view");
	assert_false(M.ring);
	say("here", "elsewhere");
	assert_true(M.ring);
	M.ring = false;
	notify_ev("off");
	say("here", "elsewhere again");
	assert_false(M.ring);
}

/* Expired messages are not waiting to be read. */
static void
test_expire_unread(void **state)
{
	room_ev("joined", "here");
	room_ev("joined", "there");
	msg_ev("here", NULL, "bob#BBBBBBBB", "soon gone", 9, false, 100);
	msg_ev("here", NULL, "bob#BBBBBBBB", "stays", 5, false, 0);
	assert_int_equal(M.convs[1]->unread, 2);
	model_expire(&M, 200);
	assert_int_equal(M.convs[1]->unread, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sanitise_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sanitise_from, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sanitise_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sanitise_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_relay_long_host, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_conversations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_convs_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_delivered_after_leave, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scrollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_search_then_switch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_panic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expire_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_color, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_paste_and_edit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_all_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bell, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_expire_unread, setup, teardown),
	};

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		fprintf(stderr, "test-model: no C.UTF-8 locale\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
