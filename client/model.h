/* SPDX-License-Identifier: ISC */
/*
 * Everything the interface shows, without a terminal: the rooms and
 * conversations with their messages (sanitised on the way in) and unread
 * counts, the one in view and its scroll position, the input line, the
 * status, help and search. The engine's events come in through
 * model_on_event, keys through model_apply; client/view.c only draws it.
 */
#ifndef HEARTH_CLIENT_MODEL_H
#define HEARTH_CLIENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/editline.h"
#include "client/engine.h"
#include "client/keymap.h"

/* Rooms and conversations shown at once (the first is "hearth"). */
#define MODEL_CONVS_MAX 64
/* Messages kept in view per conversation; older ones scroll away. */
#define MODEL_LINES_MAX 2000
/* Members remembered per room, for completion. */
#define MODEL_MEMBERS_MAX 256
/* A shown name: name#FINGERPRINT, sanitised (3 bytes a byte at worst). */
#define MODEL_NAME_MAX (3 * (64 + 1 + 8) + 1)
/* Relays whose state the status line sums up. */
#define MODEL_RELAYS_MAX 8

enum model_line_kind {
	MODEL_LINE_MSG,   /* someone's message */
	MODEL_LINE_MINE,  /* ours */
	MODEL_LINE_INFO,  /* hearth says something */
	MODEL_LINE_ERROR, /* something failed */
};

struct model_line {
	enum model_line_kind kind;
	uint64_t time_s;
	uint64_t expires_s; /* 0: stays */
	char *from;         /* sanitised name#FP, or NULL */
	char *text;         /* sanitised */
	size_t text_len;
	char msgid[33]; /* ours: to mark it delivered */
	bool delivered;
};

struct model_conv {
	bool is_room;
	bool system;               /* the "hearth" conversation */
	char name[MODEL_NAME_MAX]; /* room name, or name#FP */
	struct model_line *lines;  /* ring of MODEL_LINES_MAX */
	size_t head, count;        /* oldest at head */
	size_t unread;
	size_t scroll; /* messages scrolled up from the newest */
	char *members[MODEL_MEMBERS_MAX];
	size_t nmembers;
	bool verified; /* conversation: the contact's safety number */
};

struct model_relay {
	char host[64];
	uint16_t port;
	char state[16];
};

/* What the caller does after model_apply. */
enum model_effect {
	MODEL_NOTHING,
	MODEL_RUN,   /* run the command line written to out */
	MODEL_PANIC, /* clear the screen and leave at once */
};

struct model {
	struct model_conv *convs[MODEL_CONVS_MAX];
	size_t nconvs;
	size_t cur;
	struct editline input;
	char persona[MODEL_NAME_MAX];
	struct model_relay relays[MODEL_RELAYS_MAX];
	size_t nrelays;
	bool help;      /* the help page is shown */
	bool searching; /* the input line holds a search */
	char search[256];
	size_t search_hit; /* the line found: its index from the oldest */
	bool search_found;
	char *stash; /* what was typed before the search */
	size_t stash_len;
	bool panic_armed; /* Ctrl-Q was pressed once */
	bool full_said;   /* "the line is full" shown for this overflow */
	/* Tab completion: the word being completed and the match shown. */
	char complete_prefix[MODEL_NAME_MAX];
	size_t complete_next;
	bool completing;
	uint64_t timer_deadline; /* our safety timer, or 0 */
	bool alert_active;       /* someone's alert, until Esc */
	char alert[512];         /* its banner, sanitised */
	bool bell;  /* /notify bell: ring for messages not in view */
	bool ring;  /* a bell is due (the interface rings and clears it) */
	bool dirty; /* something to draw */
	bool quit;  /* the engine said bye */
};

/* Starts m with the "hearth" conversation in view. */
void model_init(struct model *m);
/* Frees everything and wipes the input line and the messages. */
void model_free(struct model *m);

/* One event from the engine. */
void model_on_event(struct model *m, const struct engine_event *ev);

/*
 * One action (client/keymap.h): ch is the character for UI_INSERT, page
 * the number of messages a page scrolls. A command line to run is
 * written to out (cap bytes) with MODEL_RUN.
 */
enum model_effect model_apply(struct model *m, enum ui_action_kind a,
    uint32_t ch, size_t page, char *out, size_t cap);

/* Pasted text (bracketed paste or many characters at once). */
void model_paste(struct model *m, const char *s, size_t len);

/* Drops messages due to disappear by now_s. */
void model_expire(struct model *m, uint64_t now_s);

/* The line of c at index i, counted from the oldest. */
const struct model_line *model_line_at(const struct model_conv *c, size_t i);

/* A colour (0 to 5) for a name#FP, from its fingerprint only. */
int model_color(const char *who);

/* The conversation in view. */
struct model_conv *model_current(struct model *m);

#endif
