/* SPDX-License-Identifier: ISC */
/*
 * The interface's model driven by arbitrary engine events and keys. Each
 * input is a program: an opcode byte (taken modulo 12), then its
 * arguments. A string argument is a length byte (mod 64) then that many
 * bytes, untrusted and copied NUL-terminated; a target is a byte picking
 * one of a few rooms and peers, or a string (a room, or a peer).
 *
 *   0  message: target, from, text, a flags byte (stored, mine, expiry)
 *   1  room: an action byte (created, joined, left, listed, invite),
 *      the room
 *   2  member: target room, id
 *   3  sent: target, text, msgid
 *   4  delivered: target, msgid
 *   5  error: command, reason
 *   6  relay: a state byte, host, reason, a port byte
 *   7  key: an action byte, three bytes of character, a page byte
 *   8  paste: a string
 *   9  expire: a time byte
 *  10  ready or persona: id
 *  11  verify or setting: target, safety, words
 *
 * After each step every name and line the model keeps must be safe to
 * draw: valid UTF-8 with no control character, no bidi formatting or
 * invisible character; the indexes (conversation in view, scroll, the
 * search's hit) must stay in range, and a command line to run must be
 * valid UTF-8 without controls.
 */
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "client/model.h"
#include "common/utf8.h"
#include "tests/fuzz/fuzz.h"

#define STR_MAX 64

static struct model fuzz_m;
static char fuzz_out[EDITLINE_MAX + 256];

struct reader {
	const uint8_t *p;
	size_t n, i;
};

static unsigned
byte(struct reader *r)
{
	return r->i < r->n ? r->p[r->i++] : 0;
}

/* A string argument into buf (STR_MAX + 1 bytes); returns its length. */
static size_t
str(struct reader *r, char *buf)
{
	size_t n = byte(r) % STR_MAX;

	if (n > r->n - r->i)
		n = r->n - r->i;
	memcpy(buf, r->p + r->i, n);
	buf[n] = '\0';
	r->i += n;
	return n;
}

/* Sets *room or *peer from a target argument. */
static void
target(struct reader *r, char *buf, const char **room, const char **peer)
{
	static const char *const rooms[] = {"cafe", "garden", "кафе"};
	static const char *const peers[] = {
	    "bob#BBBBBBBB", "dana#DDDDDDDD", "ev\xe2\x80\xaeil#ABCDEFGH"};
	unsigned k = byte(r) % 8;

	*room = NULL;
	*peer = NULL;
	if (k < 3)
		*room = rooms[k];
	else if (k < 6)
		*peer = peers[k - 3];
	else if (k == 6) {
		str(r, buf);
		*room = buf;
	} else {
		str(r, buf);
		*peer = buf;
	}
}

static void
clean(const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	if (s == NULL || strlen(s) != len ||
	    !utf8_valid((const uint8_t *)s, len))
		abort();
	while (i < len) {
		n = utf8_next((const uint8_t *)s + i, len - i, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x200b && cp <= 0x200f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2060 && cp <= 0x2069) || cp == 0x061c ||
		    cp == 0xfeff || cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0xfe00 && cp <= 0xfe0f) ||
		    (cp >= 0xe0000 && cp <= 0xe0fff))
			abort();
		i += n;
	}
}

static void
check(void)
{
	const struct model *m = &fuzz_m;
	int k;

	if (m->nconvs < 1 || m->nconvs > MODEL_CONVS_MAX || m->cur >= m->nconvs)
		abort();
	clean(m->persona, strlen(m->persona));
	for (size_t i = 0; i < m->nconvs; i++) {
		const struct model_conv *c = m->convs[i];

		clean(c->name, strlen(c->name));
		if (c->count > MODEL_LINES_MAX ||
		    c->nmembers > MODEL_MEMBERS_MAX)
			abort();
		if (c->scroll != 0 && c->scroll >= c->count)
			abort();
		for (size_t j = 0; j < c->count; j++) {
			const struct model_line *l = model_line_at(c, j);

			if (l == NULL)
				abort();
			clean(l->text, l->text_len);
			if (l->from != NULL) {
				clean(l->from, strlen(l->from));
				k = model_color(l->from);
				if (k < 0 || k > 5)
					abort();
			}
		}
		if (model_line_at(c, c->count) != NULL)
			abort();
		for (size_t j = 0; j < c->nmembers; j++)
			clean(c->members[j], strlen(c->members[j]));
	}
	if (m->search_found && m->search_hit >= m->convs[m->cur]->count)
		abort();
}

static void
ran(enum model_effect fx)
{
	size_t len;

	if (fx != MODEL_RUN)
		return;
	len = strnlen(fuzz_out, sizeof fuzz_out);
	if (len == sizeof fuzz_out ||
	    !utf8_valid((const uint8_t *)fuzz_out, len))
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)fuzz_out[i] < 0x20 ||
		    (unsigned char)fuzz_out[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const room_actions[] = {
	    "created", "joined", "left", "listed", "invite"};
	static const char *const relay_states[] = {
	    "connecting", "ready", "offline", "unusable"};
	static bool ready;
	char a[STR_MAX + 1], b[STR_MAX + 1], c[STR_MAX + 1];
	struct reader r = {data, size, 0};
	struct engine_event ev;
	size_t n;
	unsigned k, op;
	uint32_t ch;

	if (!ready) {
		if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
			abort();
		ready = true;
	}
	model_init(&fuzz_m);
	while (r.i < r.n) {
		memset(&ev, 0, sizeof ev);
		op = byte(&r) % 12;
		switch (op) {
		case 0:
			ev.kind = ENGINE_EV_MESSAGE;
			target(&r, a, &ev.room, &ev.peer);
			str(&r, b);
			ev.from = b;
			ev.text_len = str(&r, c);
			ev.text = c;
			k = byte(&r);
			ev.stored = k & 1;
			ev.mine = k & 2;
			ev.expires_s = k >> 2;
			ev.msgid = "0123456789abcdef0123456789abcdef";
			model_on_event(&fuzz_m, &ev);
			break;
		case 1:
			ev.kind = ENGINE_EV_ROOM;
			ev.action = room_actions[byte(&r) % 5];
			str(&r, a);
			ev.room = a;
			ev.relay = "127.0.0.1:7000";
			ev.invite = "hearth:invite";
			model_on_event(&fuzz_m, &ev);
			break;
		case 2:
			ev.kind = ENGINE_EV_MEMBER;
			target(&r, a, &ev.room, &ev.peer);
			ev.peer = NULL;
			str(&r, b);
			ev.id = b;
			ev.action = byte(&r) & 1 ? "joined" : "listed";
			model_on_event(&fuzz_m, &ev);
			break;
		case 3:
		case 4:
			ev.kind =
			    op == 3 ? ENGINE_EV_SENT : ENGINE_EV_DELIVERED;
			target(&r, a, &ev.room, &ev.peer);
			if (ev.kind == ENGINE_EV_SENT) {
				ev.text_len = str(&r, b);
				ev.text = b;
			}
			str(&r, c);
			ev.msgid = c;
			model_on_event(&fuzz_m, &ev);
			break;
		case 5:
			ev.kind = ENGINE_EV_ERROR;
			str(&r, a);
			str(&r, b);
			ev.command = a;
			ev.reason = b;
			model_on_event(&fuzz_m, &ev);
			break;
		case 6:
			ev.kind = ENGINE_EV_RELAY;
			ev.action = relay_states[byte(&r) % 4];
			str(&r, a);
			ev.name = a;
			str(&r, b);
			ev.reason = b;
			ev.port = (uint16_t)byte(&r);
			ev.retry_ms = 1500;
			model_on_event(&fuzz_m, &ev);
			break;
		case 7:
			k = byte(&r) % (UI_CANCEL + 1);
			ch = byte(&r) << 16;
			ch |= byte(&r) << 8;
			ch |= byte(&r);
			n = byte(&r);
			/* Sometimes a buffer too small for the line. */
			ran(model_apply(&fuzz_m, (enum ui_action_kind)k, ch, n,
			    fuzz_out, n % 3 ? sizeof fuzz_out : 24));
			break;
		case 8:
			n = str(&r, a);
			model_paste(&fuzz_m, a, n);
			break;
		case 9:
			model_expire(&fuzz_m, byte(&r));
			break;
		case 10:
			str(&r, a);
			if (byte(&r) & 1) {
				ev.kind = ENGINE_EV_READY;
				ev.id = a[0] != '\0' ? a : NULL;
			} else {
				ev.kind = ENGINE_EV_PERSONA;
				ev.action = "using";
				ev.name = "x";
				ev.id = a;
				ev.current = true;
			}
			model_on_event(&fuzz_m, &ev);
			break;
		default:
			target(&r, a, &ev.room, &ev.peer);
			str(&r, b);
			str(&r, c);
			if (ev.peer != NULL && byte(&r) & 1) {
				ev.kind = ENGINE_EV_VERIFY;
				ev.room = NULL;
				ev.safety = b;
				ev.words = c;
				ev.verified = true;
			} else {
				ev.kind = ENGINE_EV_SETTING;
				ev.action = "history";
				ev.name = b;
				ev.history = true;
			}
			model_on_event(&fuzz_m, &ev);
			break;
		}
		check();
	}
	model_free(&fuzz_m);
	return 0;
}
