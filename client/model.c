/* SPDX-License-Identifier: ISC */
/*
 * The interface's model. Every text from outside (names, messages,
 * reasons) goes through utf8_sanitize on the way in, so the view never
 * sees a control character, a bidi override or broken UTF-8.
 */
#include "client/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cmd.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

/* Commands whose first argument names a room, for completion. */
static const char *const model_room_cmds[] = {
    "/say", "/leave", "/members", "/invite", "/history", "/expire", NULL};

static void model_show(struct model *m, size_t i);

static void
model_wipe_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	/* Messages leave no copy behind in freed memory. */
	memset(p, 0, len);
	free(p);
}

/* A sanitised, NUL-terminated copy of untrusted s[0..len). */
static char *
model_clean(const char *s, size_t len, enum utf8_mode mode, size_t *out_len)
{
	size_t cap = UTF8_SANITIZE_MAX(len);
	char *p = xmalloc(cap);
	size_t n = utf8_sanitize(p, cap, (const uint8_t *)s, len, mode);

	if (out_len != NULL)
		*out_len = n;
	return p;
}

/*
 * Copies a sanitised name into a fixed buffer: a name#FINGERPRINT keeps
 * its '#', and the name before it is held to the rules of names.
 */
static void
model_name(char dst[MODEL_NAME_MAX], const char *s)
{
	char tail[MODEL_NAME_MAX];
	size_t len = s != NULL ? strnlen(s, 200) : 0, n, fp = len, tn = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '#')
			fp = i;
	tail[0] = '\0';
	if (fp < len) {
		tail[0] = '#';
		tn = 1 + utf8_sanitize(tail + 1, sizeof tail - 1,
		             (const uint8_t *)s + fp + 1, len - fp - 1,
		             UTF8_NAME);
	}
	/* A long name is cut, never the fingerprint that tells it apart. */
	n = utf8_sanitize(
	    dst, MODEL_NAME_MAX - tn, (const uint8_t *)s, fp, UTF8_NAME);
	memcpy(dst + n, tail, tn + 1);
}

static void
model_line_free(struct model_line *l)
{
	if (l->from != NULL)
		model_wipe_free(l->from, MODEL_NAME_MAX);
	model_wipe_free(l->text, l->text_len);
	memset(l, 0, sizeof *l);
}

static struct model_conv *
model_conv_new(const char *name, bool is_room, bool system)
{
	struct model_conv *c = xcalloc(1, sizeof *c);

	c->lines = xcalloc(MODEL_LINES_MAX, sizeof *c->lines);
	c->is_room = is_room;
	c->system = system;
	snprintf(c->name, sizeof c->name, "%s", name);
	return c;
}

static void
model_conv_free(struct model_conv *c)
{
	for (size_t i = 0; i < c->count; i++)
		model_line_free(&c->lines[(c->head + i) % MODEL_LINES_MAX]);
	for (size_t i = 0; i < c->nmembers; i++)
		free(c->members[i]);
	free(c->lines);
	free(c);
}

struct model_conv *
model_current(struct model *m)
{
	return m->convs[m->cur];
}

const struct model_line *
model_line_at(const struct model_conv *c, size_t i)
{
	if (i >= c->count)
		return NULL;
	return &c->lines[(c->head + i) % MODEL_LINES_MAX];
}

int
model_color(const char *who)
{
	const char *fp = who != NULL ? strrchr(who, '#') : NULL;
	unsigned h = 5381;

	/* The fingerprint alone: a chosen name can copy anyone's. */
	if (fp == NULL)
		return 0;
	for (fp++; *fp != '\0'; fp++)
		h = h * 33 + (unsigned char)*fp;
	return (int)(h % 6);
}

void
model_init(struct model *m)
{
	memset(m, 0, sizeof *m);
	editline_init(&m->input);
	m->convs[0] = model_conv_new("hearth", false, true);
	m->nconvs = 1;
	m->dirty = true;
}

void
model_free(struct model *m)
{
	for (size_t i = 0; i < m->nconvs; i++)
		model_conv_free(m->convs[i]);
	editline_wipe(&m->input);
	if (m->stash != NULL)
		model_wipe_free(m->stash, m->stash_len);
	memset(m, 0, sizeof *m);
}

/* The conversation with that sanitised name, or NULL. */
static struct model_conv *
model_conv_find(struct model *m, const char *name, bool is_room)
{
	for (size_t i = 1; i < m->nconvs; i++)
		if (m->convs[i]->is_room == is_room &&
		    strcmp(m->convs[i]->name, name) == 0)
			return m->convs[i];
	return NULL;
}

/*
 * The conversation for an event's room or peer, made if it is new and
 * make is set (else NULL).
 */
static struct model_conv *
model_conv_get(struct model *m, const char *room, const char *peer, bool make)
{
	char name[MODEL_NAME_MAX];
	struct model_conv *c;
	bool is_room = room != NULL;

	if (room == NULL && peer == NULL)
		return m->convs[0];
	model_name(name, is_room ? room : peer);
	c = model_conv_find(m, name, is_room);
	if (c != NULL || !make)
		return c;
	if (m->nconvs == MODEL_CONVS_MAX)
		return m->convs[0];
	c = model_conv_new(name, is_room, false);
	m->convs[m->nconvs++] = c;
	return c;
}

static struct model_conv *
model_conv_for(struct model *m, const char *room, const char *peer)
{
	return model_conv_get(m, room, peer, true);
}

static void
model_conv_drop(struct model *m, struct model_conv *c)
{
	size_t i;

	for (i = 1; i < m->nconvs && m->convs[i] != c; i++)
		;
	if (i == m->nconvs)
		return;
	model_conv_free(c);
	memmove(&m->convs[i], &m->convs[i + 1],
	    (m->nconvs - i - 1) * sizeof m->convs[0]);
	m->nconvs--;
	if (m->cur == i)
		m->search_found = false;
	if (m->cur >= i && m->cur > 0)
		m->cur--;
}

/* Appends a line (text and from are untrusted, copied sanitised). */
static struct model_line *
model_add(struct model *m, struct model_conv *c, enum model_line_kind kind,
    const char *from, const char *text, size_t len, uint64_t time_s)
{
	struct model_line *l;

	if (c->count == MODEL_LINES_MAX) {
		model_line_free(&c->lines[c->head]);
		c->head = (c->head + 1) % MODEL_LINES_MAX;
		c->count--;
		/* The line found moves down, or goes. */
		if (m->search_found && c == model_current(m)) {
			if (m->search_hit > 0)
				m->search_hit--;
			else
				m->search_found = false;
		}
	}
	l = &c->lines[(c->head + c->count) % MODEL_LINES_MAX];
	c->count++;
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->time_s = time_s;
	if (from != NULL) {
		l->from = xmalloc(MODEL_NAME_MAX);
		model_name(l->from, from);
	}
	l->text = model_clean(text, len, UTF8_TEXT, &l->text_len);
	/* Reading older lines: the view stays where it is. */
	if (c->scroll > 0 && c->scroll + 1 < c->count)
		c->scroll++;
	if ((kind == MODEL_LINE_MSG) &&
	    (c != model_current(m) || c->scroll > 0)) {
		c->unread++;
		/* A bell, if asked for: it says nothing of who or what. */
		if (m->bell)
			m->ring = true;
	}
	m->dirty = true;
	return l;
}

static void
model_info(struct model *m, struct model_conv *c, const char *text)
{
	model_add(m, c, MODEL_LINE_INFO, NULL, text, strlen(text),
	    (uint64_t)time(NULL));
}

static void
model_error(struct model *m, const char *command, const char *reason)
{
	char buf[512];

	snprintf(
	    buf, sizeof buf, "%s%s%s", command, command[0] ? ": " : "", reason);
	model_add(m, model_current(m), MODEL_LINE_ERROR, NULL, buf, strlen(buf),
	    (uint64_t)time(NULL));
}

static void
model_member_add(struct model_conv *c, const char *who)
{
	char name[MODEL_NAME_MAX];

	model_name(name, who);
	for (size_t i = 0; i < c->nmembers; i++)
		if (strcmp(c->members[i], name) == 0)
			return;
	if (c->nmembers < MODEL_MEMBERS_MAX) {
		size_t n = strlen(name) + 1;

		c->members[c->nmembers] = xmalloc(n);
		memcpy(c->members[c->nmembers++], name, n);
	}
}

static void
model_relay(struct model *m, const struct engine_event *ev)
{
	struct model_relay *r = NULL;
	char buf[256], host[sizeof r->host];

	/* Compared as kept: a long host is cut to fit. */
	snprintf(host, sizeof host, "%s", ev->name);
	for (size_t i = 0; i < m->nrelays; i++)
		if (m->relays[i].port == ev->port &&
		    strcmp(m->relays[i].host, host) == 0)
			r = &m->relays[i];
	if (r == NULL) {
		if (m->nrelays == MODEL_RELAYS_MAX)
			return;
		r = &m->relays[m->nrelays++];
		memcpy(r->host, host, sizeof host);
		r->port = ev->port;
	}
	snprintf(r->state, sizeof r->state, "%s", ev->action);
	if (strcmp(ev->action, "offline") == 0 && ev->reason != NULL) {
		snprintf(buf, sizeof buf,
		    "relay %s port %u is out of reach (%s); trying again in "
		    "%u s",
		    r->host, (unsigned)r->port, ev->reason,
		    (unsigned)((ev->retry_ms + 999) / 1000));
		model_info(m, m->convs[0], buf);
	} else if (strcmp(ev->action, "unusable") == 0) {
		snprintf(buf, sizeof buf, "relay %s cannot be used: %s",
		    r->host, ev->reason != NULL ? ev->reason : "");
		model_info(m, m->convs[0], buf);
	}
	m->dirty = true;
}

static void
model_room(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c;
	char buf[1024];

	if (strcmp(ev->action, "left") == 0) {
		char name[MODEL_NAME_MAX];

		model_name(name, ev->room);
		c = model_conv_find(m, name, true);
		if (c != NULL)
			model_conv_drop(m, c);
		snprintf(buf, sizeof buf, "You left %s.", name);
		model_info(m, m->convs[0], buf);
		return;
	}
	c = model_conv_for(m, ev->room, NULL);
	if (strcmp(ev->action, "created") == 0 ||
	    strcmp(ev->action, "invite") == 0) {
		if (strcmp(ev->action, "created") == 0)
			model_info(m, c,
			    "Room made. Its invite is below: give it only to "
			    "people who may join, in person or over a channel "
			    "you trust. Anyone holding it can read what is "
			    "said from then on.");
		model_info(m, c, ev->invite != NULL ? ev->invite : "");
	} else if (strcmp(ev->action, "joined") == 0) {
		model_info(m, c,
		    "You joined. You will read what members say from now on; "
		    "they see you once your client has announced you.");
	} else if (strcmp(ev->action, "listed") == 0) {
		snprintf(buf, sizeof buf, "room %s%s%s", c->name,
		    ev->history ? ", history kept" : "",
		    ev->expire_s ? ", messages disappear" : "");
		model_info(m, m->convs[0], buf);
	}
	/* A room just made or joined comes into view. */
	if (strcmp(ev->action, "created") == 0 ||
	    strcmp(ev->action, "joined") == 0) {
		for (size_t i = 0; i < m->nconvs; i++)
			if (m->convs[i] == c)
				m->cur = i;
		c->unread = 0;
		/* A search's hit was in the one shown before. */
		m->search_found = false;
	}
}

static void
model_message(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c = model_conv_for(m, ev->room, ev->peer);
	struct model_line *l;
	size_t unread = c->unread;

	l = model_add(m, c, ev->mine ? MODEL_LINE_MINE : MODEL_LINE_MSG,
	    ev->from, ev->text, ev->text_len, ev->time_s);
	l->expires_s = ev->expires_s;
	if (ev->mine)
		l->delivered = true;
	/* Shown from history: not new. */
	if (ev->stored)
		c->unread = unread;
}

static void
model_sent(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c = model_conv_for(m, ev->room, ev->peer);
	struct model_line *l;

	l = model_add(m, c, MODEL_LINE_MINE, m->persona, ev->text, ev->text_len,
	    ev->time_s);
	l->expires_s = ev->expires_s;
	if (ev->msgid != NULL)
		snprintf(l->msgid, sizeof l->msgid, "%s", ev->msgid);
}

static void
model_delivered(struct model *m, const struct engine_event *ev)
{
	/* A late receipt does not bring back a room left. */
	struct model_conv *c = model_conv_get(m, ev->room, ev->peer, false);

	if (c == NULL || ev->msgid == NULL)
		return;
	for (size_t i = c->count; i-- > 0;) {
		struct model_line *l =
		    &c->lines[(c->head + i) % MODEL_LINES_MAX];

		if (strcmp(l->msgid, ev->msgid) == 0) {
			l->delivered = true;
			m->dirty = true;
			return;
		}
	}
}

/* "HH:MM" of t in local time. */
static void
model_hhmm(char out[8], uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(out, 8, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
}

static void
model_timer(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c = model_current(m);
	char buf[512], hhmm[8];

	model_hhmm(hhmm, ev->time_s);
	if (strcmp(ev->action, "set") == 0) {
		m->timer_deadline = ev->time_s;
		snprintf(buf, sizeof buf,
		    "Safety timer set: unless you type /safe by %s, %s gets "
		    "an alert with your note. /timer +30m gives more time.",
		    hhmm, ev->peer != NULL ? ev->peer : "your buddy");
	} else if (strcmp(ev->action, "armed") == 0) {
		snprintf(buf, sizeof buf,
		    "The relay holds the alert: it goes out even if this "
		    "device is off.");
	} else if (strcmp(ev->action, "extended") == 0 ||
	           strcmp(ev->action, "running") == 0) {
		m->timer_deadline = ev->time_s;
		snprintf(buf, sizeof buf, "Safety timer: until %s.", hhmm);
	} else if (strcmp(ev->action, "moved") == 0) {
		snprintf(buf, sizeof buf, "The relay moved the deadline.");
	} else if (strcmp(ev->action, "warning") == 0) {
		snprintf(buf, sizeof buf,
		    "Ten minutes or less left on your safety timer (%s): "
		    "/safe if you are safe, /timer +30m for more time.",
		    hhmm);
		model_add(m, c, MODEL_LINE_ERROR, NULL, buf, strlen(buf),
		    (uint64_t)time(NULL));
		if (m->bell)
			m->ring = true;
		return;
	} else if (strcmp(ev->action, "safe") == 0) {
		m->timer_deadline = 0;
		snprintf(buf, sizeof buf,
		    "Glad you are safe. Cancelling the alert with the relay.");
	} else if (strcmp(ev->action, "cancelled") == 0) {
		snprintf(buf, sizeof buf,
		    "The alert is cancelled: it will not go out.");
	} else if (strcmp(ev->action, "expired") == 0) {
		m->timer_deadline = 0;
		snprintf(buf, sizeof buf,
		    "Your safety timer ran out: the alert has gone out.");
	} else
		return;
	model_info(m, c, buf);
}

/* Someone's timer ran out: shown in their conversation and on top of
 * every view until Esc. */
static void
model_alert(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c = model_conv_for(m, NULL, ev->from);
	char who[MODEL_NAME_MAX], hhmm[8], *note, *buf;
	size_t nlen, cap;

	model_name(who, ev->from);
	model_hhmm(hhmm, ev->time_s);
	note = model_clean(ev->text, ev->text_len, UTF8_TEXT, &nlen);
	cap = nlen + 256 + MODEL_NAME_MAX;
	buf = xmalloc(cap);
	snprintf(buf, cap, "SAFETY ALERT: %s did not check in by %s.%s%s", who,
	    hhmm, nlen > 0 ? " Their note: " : "", note);
	model_add(m, c, MODEL_LINE_ERROR, NULL, buf, strlen(buf),
	    (uint64_t)time(NULL));
	snprintf(m->alert, sizeof m->alert,
	    "SAFETY ALERT from %s (not checked in by %s): Esc to close", who,
	    hhmm);
	m->alert_active = true;
	for (size_t i = 0; i < m->nconvs; i++)
		if (m->convs[i] == c)
			model_show(m, i);
	if (m->bell)
		m->ring = true;
	model_wipe_free(note, nlen);
	free(buf);
}

/* An urgent alert in a room: on top of every view until Esc. */
static void
model_urgent(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c = model_conv_for(m, ev->room, NULL);
	struct model_line *l;
	char who[MODEL_NAME_MAX];

	model_name(who, ev->from);
	l = model_add(m, c, MODEL_LINE_ERROR, ev->from, ev->text, ev->text_len,
	    ev->time_s);
	l->expires_s = ev->expires_s;
	/* The banner names the room and the sender; the text is in the
	 * room, where it can be read in context. */
	snprintf(m->alert, sizeof m->alert,
	    "URGENT in %s from %s: Esc to close", c->name, who);
	m->alert_active = true;
	if (m->bell)
		m->ring = true;
}

void
model_on_event(struct model *m, const struct engine_event *ev)
{
	struct model_conv *c;
	char buf[1024];

	switch (ev->kind) {
	case ENGINE_EV_READY:
		model_name(m->persona, ev->id);
		model_info(m, m->convs[0],
		    ev->id != NULL
		        ? "Welcome back. Ctrl-N moves between rooms; F1 shows "
		          "the keys; /help the commands."
		        : "Welcome. Make a persona to begin: /persona new NAME "
		          "(any name; it is all others see). Then /relay "
		          "ADDRESS, and /join an invite or /room new NAME.");
		break;
	case ENGINE_EV_PERSONA:
		if (ev->current && strcmp(ev->action, "listed") != 0)
			model_name(m->persona, ev->id);
		snprintf(buf, sizeof buf, "persona %s %s%s", ev->id, ev->action,
		    ev->current ? " (in use)" : "");
		model_info(m, m->convs[0], buf);
		break;
	case ENGINE_EV_HELP:
		snprintf(buf, sizeof buf, "%s — %s", ev->usage, ev->summary);
		model_info(m, m->convs[0], buf);
		break;
	case ENGINE_EV_ERROR:
		model_error(m, ev->command != NULL ? ev->command : "",
		    ev->reason != NULL ? ev->reason : "");
		break;
	case ENGINE_EV_RELAY:
		model_relay(m, ev);
		break;
	case ENGINE_EV_BYE:
		m->quit = true;
		break;
	case ENGINE_EV_ROOM:
		model_room(m, ev);
		break;
	case ENGINE_EV_MEMBER:
		c = model_conv_for(m, ev->room, NULL);
		model_member_add(c, ev->id);
		if (strcmp(ev->action, "joined") == 0) {
			snprintf(buf, sizeof buf, "%s is here.", ev->id);
			model_info(m, c, buf);
		} else {
			snprintf(buf, sizeof buf, "member %s%s%s%s", ev->id,
			    ev->mine ? " (you)" : "",
			    ev->current ? "" : " (key on its way)",
			    ev->verified ? ", verified" : "");
			model_info(m, c, buf);
		}
		break;
	case ENGINE_EV_MESSAGE:
		model_message(m, ev);
		break;
	case ENGINE_EV_SENT:
		model_sent(m, ev);
		break;
	case ENGINE_EV_DELIVERED:
		model_delivered(m, ev);
		break;
	case ENGINE_EV_VERIFY:
		c = model_conv_for(m, NULL, ev->peer);
		c->verified = ev->verified;
		snprintf(buf, sizeof buf,
		    "Safety number with %s: %s. In words: %s. Compare it "
		    "with theirs in person or on a call; if it matches, "
		    "/verify %s yes.",
		    ev->peer, ev->safety, ev->words, ev->peer);
		model_info(m, c, buf);
		if (ev->verified)
			model_info(m, c, "Marked as checked.");
		break;
	case ENGINE_EV_EXPIRED:
		model_expire(m, (uint64_t)time(NULL));
		break;
	case ENGINE_EV_TIMER:
		model_timer(m, ev);
		break;
	case ENGINE_EV_ALERT:
		model_alert(m, ev);
		break;
	case ENGINE_EV_URGENT:
		model_urgent(m, ev);
		break;
	case ENGINE_EV_SETTING:
		if (strcmp(ev->action, "notify") == 0) {
			m->bell = strcmp(ev->name, "bell") == 0;
			model_info(m, model_current(m),
			    m->bell
			        ? "a bell rings when a message comes in "
			          "elsewhere (it says nothing of who or what)"
			        : "no bell: nothing outside the screen tells "
			          "of a message");
			break;
		}
		if (strcmp(ev->action, "panic") == 0)
			snprintf(buf, sizeof buf,
			    "the panic key (F12, Ctrl-Q twice) will %s",
			    strcmp(ev->name, "wipe") == 0
			        ? "wipe this store and leave"
			        : "clear the screen and leave");
		else if (ev->room == NULL && ev->peer == NULL)
			snprintf(buf, sizeof buf, "proxy: %s",
			    ev->name != NULL ? ev->name : "none");
		else
			snprintf(buf, sizeof buf, "history %s; messages %s",
			    ev->history ? "kept" : "not kept",
			    ev->expire_s ? "disappear" : "stay");
		/* A setting of the whole store answers where it was asked. */
		model_info(m,
		    ev->room == NULL && ev->peer == NULL
		        ? model_current(m)
		        : model_conv_for(m, ev->room, ev->peer),
		    buf);
		break;
	}
	m->dirty = true;
}

void
model_expire(struct model *m, uint64_t now_s)
{
	bool dropped = false;

	for (size_t i = 0; i < m->nconvs; i++) {
		struct model_conv *c = m->convs[i];
		size_t keep = 0, msgs = 0;

		/* Compacts the ring in place, oldest first. */
		for (size_t j = 0; j < c->count; j++) {
			struct model_line *l =
			    &c->lines[(c->head + j) % MODEL_LINES_MAX];

			if (l->expires_s != 0 && l->expires_s <= now_s) {
				model_line_free(l);
				m->dirty = true;
				dropped = true;
				continue;
			}
			msgs += l->kind == MODEL_LINE_MSG;
			if (keep != j) {
				c->lines[(c->head + keep) % MODEL_LINES_MAX] =
				    *l;
				memset(l, 0, sizeof *l);
			}
			keep++;
		}
		c->count = keep;
		if (c->scroll >= c->count)
			c->scroll = c->count > 0 ? c->count - 1 : 0;
		/* Gone messages are not waiting to be read either. */
		if (c->unread > msgs)
			c->unread = msgs;
	}
	/* The line a search found may be gone (this runs every second). */
	if (dropped)
		m->search_found = false;
}

/* Puts conversation i in view. */
static void
model_show(struct model *m, size_t i)
{
	m->cur = i;
	if (m->convs[i]->scroll == 0)
		m->convs[i]->unread = 0;
	m->search_found = false;
	m->dirty = true;
}

/* The line to run for what was typed, into out. */
static enum model_effect
model_submit(struct model *m, char *out, size_t cap)
{
	struct model_conv *c = model_current(m);
	char *line = xmalloc(EDITLINE_MAX + 1);
	size_t len;
	int n;

	len = editline_take(&m->input, line, EDITLINE_MAX + 1);
	if (len == 0) {
		free(line);
		return MODEL_NOTHING;
	}
	if (line[0] == '/')
		n = snprintf(out, cap, "%s", line);
	else if (c->system) {
		model_error(m, "",
		    "this is hearth's own page: pick a room with Ctrl-N, or "
		    "type a /command (/help lists them)");
		n = -1;
	} else
		n = snprintf(out, cap, "%s %s %s", c->is_room ? "/say" : "/dm",
		    c->name, line);
	memset(line, 0, len);
	free(line);
	if (n < 0)
		return MODEL_NOTHING;
	if ((size_t)n >= cap) {
		model_error(m, "", "the message is too long");
		memset(out, 0, cap);
		return MODEL_NOTHING;
	}
	c->scroll = 0;
	c->unread = 0;
	return MODEL_RUN;
}

/* Candidates for completion; calls add for each. */
static void
model_candidates(struct model *m, size_t word_off, const char *text,
    void (*add)(void *, const char *), void *arg)
{
	struct model_conv *c = model_current(m);
	bool room_arg = false;
	size_t i;

	if (word_off == 0 && text[0] == '/') {
		for (i = 0; cmd_table[i] != NULL; i++)
			add(arg, cmd_table[i]->name);
		return;
	}
	for (i = 0; model_room_cmds[i] != NULL; i++) {
		size_t n = strlen(model_room_cmds[i]);

		if (strncmp(text, model_room_cmds[i], n) == 0 &&
		    text[n] == ' ' && word_off == n + 1)
			room_arg = true;
	}
	for (i = 1; i < m->nconvs; i++)
		if (m->convs[i]->is_room || !room_arg)
			add(arg, m->convs[i]->name);
	if (room_arg)
		return;
	for (i = 0; i < c->nmembers; i++)
		add(arg, c->members[i]);
}

struct model_match {
	const char *prefix;
	size_t plen;
	size_t want, seen;
	const char *found;
	size_t total;
};

static void
model_match_add(void *arg, const char *name)
{
	struct model_match *mm = arg;

	if (strncmp(name, mm->prefix, mm->plen) != 0)
		return;
	if (mm->seen++ == mm->want)
		mm->found = name;
	mm->total++;
}

/* Tab: the next name starting with the word before the cursor. */
static void
model_complete(struct model *m)
{
	struct model_match mm;
	size_t off, len, tlen;
	const char *text = editline_text(&m->input, &tlen);

	editline_word(&m->input, &off, &len);
	if (!m->completing) {
		if (len >= sizeof m->complete_prefix)
			return;
		memcpy(m->complete_prefix, text + off, len);
		m->complete_prefix[len] = '\0';
		m->complete_next = 0;
	}
	memset(&mm, 0, sizeof mm);
	mm.prefix = m->complete_prefix;
	mm.plen = strlen(m->complete_prefix);
	mm.want = m->complete_next;
	model_candidates(m, off, text, model_match_add, &mm);
	if (mm.total == 0)
		return;
	if (mm.found == NULL) {
		/* Past the last: round again. */
		mm.want = 0;
		mm.seen = 0;
		mm.total = 0;
		model_candidates(m, off, text, model_match_add, &mm);
		m->complete_next = 0;
	}
	if (mm.found == NULL)
		return;
	editline_replace_word(&m->input, mm.found, strlen(mm.found));
	m->complete_next++;
	m->completing = true;
}

/* Ctrl-F then Enter: the next older line holding the search text. */
static void
model_find(struct model *m)
{
	struct model_conv *c = model_current(m);
	size_t qlen, i;
	const char *q = editline_text(&m->input, &qlen);

	if (qlen == 0)
		return;
	i = m->search_found && m->search_hit < c->count ? m->search_hit
	                                                : c->count;
	while (i-- > 0) {
		const struct model_line *l = model_line_at(c, i);

		if (l->text != NULL && strstr(l->text, q) != NULL) {
			m->search_hit = i;
			m->search_found = true;
			c->scroll = c->count - 1 - i;
			m->dirty = true;
			return;
		}
	}
	m->search_found = false;
	model_error(m, "", "not found in the messages shown");
}

static void
model_insert_char(struct model *m, uint32_t ch)
{
	char buf[4];
	size_t n;

	if (ch < 0x80) {
		buf[0] = (char)ch;
		n = 1;
	} else if (ch < 0x800) {
		buf[0] = (char)(0xc0 | ch >> 6);
		buf[1] = (char)(0x80 | (ch & 0x3f));
		n = 2;
	} else if (ch < 0x10000) {
		buf[0] = (char)(0xe0 | ch >> 12);
		buf[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (ch & 0x3f));
		n = 3;
	} else {
		buf[0] = (char)(0xf0 | ch >> 18);
		buf[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (ch & 0x3f));
		n = 4;
	}
	/* Invalid code points are dropped by editline_insert. Said once:
	 * a long paste must not push the conversation out. */
	if (editline_insert(&m->input, buf, n) != 0) {
		if (!m->full_said)
			model_error(m, "", "the line is full");
		m->full_said = true;
	} else
		m->full_said = false;
}

void
model_paste(struct model *m, const char *s, size_t len)
{
	if (editline_insert(&m->input, s, len) != 0)
		model_error(m, "", "that is too long to paste");
	m->completing = false;
	m->dirty = true;
}

enum model_effect
model_apply(struct model *m, enum ui_action_kind a, uint32_t ch, size_t page,
    char *out, size_t cap)
{
	struct model_conv *c = model_current(m);
	enum model_effect fx = MODEL_NOTHING;
	size_t i;

	m->dirty = true;
	if (a != UI_COMPLETE)
		m->completing = false;
	if (a != UI_PANIC_HALF && a != UI_NONE)
		m->panic_armed = false;
	switch (a) {
	case UI_NONE:
		m->dirty = false;
		break;
	case UI_INSERT:
		model_insert_char(m, ch);
		break;
	case UI_SUBMIT:
		if (m->searching)
			model_find(m);
		else
			fx = model_submit(m, out, cap);
		m->help = false;
		break;
	case UI_LEFT:
		editline_left(&m->input);
		break;
	case UI_RIGHT:
		editline_right(&m->input);
		break;
	case UI_WORD_LEFT:
		editline_word_left(&m->input);
		break;
	case UI_WORD_RIGHT:
		editline_word_right(&m->input);
		break;
	case UI_HOME:
		editline_home(&m->input);
		break;
	case UI_END:
		editline_end(&m->input);
		break;
	case UI_BACKSPACE:
		editline_backspace(&m->input);
		break;
	case UI_DELETE:
		editline_delete(&m->input);
		break;
	case UI_DELETE_WORD:
		editline_delete_word(&m->input);
		break;
	case UI_KILL_END:
		editline_kill_end(&m->input);
		break;
	case UI_KILL_LINE:
		editline_kill_line(&m->input);
		break;
	case UI_HISTORY_PREV:
		editline_history_prev(&m->input);
		break;
	case UI_HISTORY_NEXT:
		editline_history_next(&m->input);
		break;
	case UI_COMPLETE:
		model_complete(m);
		break;
	case UI_NEXT_CONV:
		model_show(m, (m->cur + 1) % m->nconvs);
		break;
	case UI_PREV_CONV:
		model_show(m, (m->cur + m->nconvs - 1) % m->nconvs);
		break;
	case UI_PAGE_UP:
		c->scroll += page > 0 ? page : 1;
		if (c->scroll >= c->count)
			c->scroll = c->count > 0 ? c->count - 1 : 0;
		break;
	case UI_PAGE_DOWN:
		i = page > 0 ? page : 1;
		c->scroll = c->scroll > i ? c->scroll - i : 0;
		if (c->scroll == 0)
			c->unread = 0;
		break;
	case UI_JUMP_UNREAD:
		for (i = 1; i <= m->nconvs; i++) {
			size_t j = (m->cur + i) % m->nconvs;

			if (m->convs[j]->unread > 0) {
				model_show(m, j);
				break;
			}
		}
		break;
	case UI_SEARCH:
		/* The input line holds the search; what was typed waits. */
		if (!m->searching) {
			const char *t = editline_text(&m->input, &m->stash_len);

			m->stash = xmalloc(m->stash_len + 1);
			memcpy(m->stash, t, m->stash_len);
			editline_kill_line(&m->input);
			m->searching = true;
			m->search_found = false;
		}
		break;
	case UI_HELP:
		m->help = !m->help;
		break;
	case UI_PANIC:
		fx = MODEL_PANIC;
		break;
	case UI_PANIC_HALF:
		if (m->panic_armed)
			fx = MODEL_PANIC;
		else {
			m->panic_armed = true;
			model_info(m, model_current(m),
			    "Press Ctrl-Q again to leave at once.");
		}
		break;
	case UI_REDRAW:
		break;
	case UI_CANCEL:
		m->help = false;
		m->alert_active = false;
		if (m->searching) {
			m->searching = false;
			m->search_found = false;
			editline_kill_line(&m->input);
			editline_insert(&m->input, m->stash, m->stash_len);
			model_wipe_free(m->stash, m->stash_len);
			m->stash = NULL;
			c->scroll = 0;
		}
		break;
	}
	return fx;
}
