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
#include "client/socks5.h"
#include "common/ident.h"
#include "common/stream.h"
#include "common/utf8.h"

/* Version of the event schema, sent in the ready event. */
#define ENGINE_EVENTS_VERSION 1

enum engine_event_kind {
	ENGINE_EV_READY,   /* the store is open */
	ENGINE_EV_PERSONA, /* a persona was created, listed, used, renamed */
	ENGINE_EV_HELP,    /* one command's usage and summary */
	ENGINE_EV_ERROR,   /* a command failed; nothing changed */
	ENGINE_EV_RELAY,   /* the relay link changed state */
	ENGINE_EV_BYE,     /* the engine is closing */
};

/* An event; every pointer is borrowed for the call. */
struct engine_event {
	enum engine_event_kind kind;
	const char *command; /* ERROR, HELP: the command, e.g. "/persona" */
	const char *reason;  /* ERROR: why, in plain words */
	const char *usage;   /* HELP */
	const char *summary; /* HELP */
	const char *action;  /* PERSONA: created, listed, using, renamed;
	                        RELAY: the link's state */
	const char *name;    /* PERSONA: the chosen name; RELAY: the host */
	const char *id;      /* PERSONA, READY: name#FINGERPRINT, or NULL */
	bool current;        /* PERSONA: the persona in use */
	uint16_t port;       /* RELAY */
	uint32_t retry_ms;   /* RELAY offline: the next attempt's delay */
	uint64_t count;      /* RELAY ready: envelopes waiting */
};

typedef void engine_event_cb(void *arg, const struct engine_event *ev);

struct cstore;
struct cstore_cost;
struct link;

/* The persona in use's secrets, in guarded memory (sodium_malloc). */
struct engine_keys {
	struct ident id;
	uint8_t mbox_seed[32];
};

struct engine {
	uv_loop_t loop;
	struct stream_loop sl;
	bool sl_open;
	struct cstore *store;
	engine_event_cb *emit;
	void *arg;
	char persona[UTF8_NAME_MAX + 1]; /* the persona in use, or "" */
	uint8_t persona_id[16];          /* its records' key prefix */
	struct engine_keys *keys;
	struct link *link; /* the persona's relay link, or NULL */
	struct socks5_proxy proxy;
	bool use_proxy;
	uint64_t next_req;
	bool quit; /* /quit was given */
	struct cmdline *line;
};

/*
 * Opens the store in home with the passphrase, prepares the loop, emits
 * READY and connects the persona in use to its relay, if it has one, via
 * proxy if not NULL. Returns 0, or the store's error with *msg for the
 * person (nothing is emitted).
 */
int engine_open(struct engine *e, const char *home, const char *pass,
    size_t len, const struct cstore_cost *cost,
    const struct socks5_proxy *proxy, engine_event_cb *emit, void *arg,
    const char **msg);

/*
 * Stops all network activity: the loop then runs out once the closes
 * are done. Call before the last uv_run().
 */
void engine_shutdown(struct engine *e);

/* Emits BYE, wipes the persona's keys, closes the store and the loop. */
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

/* Relays (client/engine.c). Sets the persona's relay and connects. */
void engine_relay_set(struct engine *e, const char *address);
/* Reports the link's state, or an error if there is none. */
void engine_relay_show(struct engine *e);

#endif
