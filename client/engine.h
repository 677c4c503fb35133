/* SPDX-License-Identifier: ISC */
/*
 * The client engine: everything the client does except drawing. It owns
 * the encrypted store and the current persona, runs commands, and reports
 * what happened as events to a sink (headless mode prints them as JSON
 * lines; the interface will draw them). No ncurses here.
 */
#ifndef HEARTH_CLIENT_ENGINE_H
#define HEARTH_CLIENT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "client/cmdline.h"
#include "common/ident.h"
#include "common/utf8.h"

/* Version of the event schema, sent in the ready event. */
#define ENGINE_EVENTS_VERSION 1

enum engine_event_kind {
	ENGINE_EV_READY,   /* the store is open */
	ENGINE_EV_PERSONA, /* a persona was created, listed, used, renamed */
	ENGINE_EV_HELP,    /* one command's usage and summary */
	ENGINE_EV_ERROR,   /* a command failed; nothing changed */
	ENGINE_EV_BYE,     /* the engine is closing */
};

/* An event; every pointer is borrowed for the call. */
struct engine_event {
	enum engine_event_kind kind;
	const char *command; /* ERROR, HELP: the command, e.g. "/persona" */
	const char *reason;  /* ERROR: why, in plain words */
	const char *usage;   /* HELP */
	const char *summary; /* HELP */
	const char *action;  /* PERSONA: created, listed, using, renamed */
	const char *name;    /* PERSONA: the chosen name */
	const char *id;      /* PERSONA, READY: name#FINGERPRINT, or NULL */
	bool current;        /* PERSONA: the persona in use */
};

typedef void engine_event_cb(void *arg, const struct engine_event *ev);

struct cstore;
struct cstore_cost;

struct engine {
	struct cstore *store;
	engine_event_cb *emit;
	void *arg;
	char persona[UTF8_NAME_MAX + 1]; /* the persona in use, or "" */
	uint8_t persona_id[16];          /* its records' key prefix */
	struct ident *id;                /* its keys (sodium_malloc), or NULL */
	bool quit;                       /* /quit was given */
	struct cmdline *line;
};

/*
 * Opens the store in home with the passphrase and emits READY. Returns 0,
 * or the store's error with *msg for the person (nothing is emitted).
 */
int engine_open(struct engine *e, const char *home, const char *pass,
    size_t len, const struct cstore_cost *cost, engine_event_cb *emit,
    void *arg, const char **msg);

/* Emits BYE, wipes the persona's keys and closes the store. */
void engine_close(struct engine *e);

/*
 * Runs one command line (a slash command; see client/cmd.c). Failures are
 * reported as ERROR events; returns 0 unless the engine itself failed.
 */
int engine_command(struct engine *e, const char *line, size_t len);

/* Emits an ERROR event for command. */
void engine_error(struct engine *e, const char *command, const char *reason);

/* Personas (client/engine.c). Each emits PERSONA or ERROR. */
void engine_persona_new(struct engine *e, const char *name);
void engine_persona_use(struct engine *e, const char *name);
void engine_persona_list(struct engine *e);
void engine_persona_rename(struct engine *e, const char *from, const char *to);

#endif
