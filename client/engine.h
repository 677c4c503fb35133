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
	ENGINE_EV_READY,     /* the store is open */
	ENGINE_EV_PERSONA,   /* a persona was created, listed, used, renamed */
	ENGINE_EV_HELP,      /* one command's usage and summary */
	ENGINE_EV_ERROR,     /* a command failed; nothing changed */
	ENGINE_EV_RELAY,     /* the relay link changed state */
	ENGINE_EV_BYE,       /* the engine is closing */
	ENGINE_EV_ROOM,      /* a room was created, joined, left or listed */
	ENGINE_EV_MEMBER,    /* a room member was announced or listed */
	ENGINE_EV_MESSAGE,   /* a message arrived (or is shown from history) */
	ENGINE_EV_SENT,      /* a message of ours is encrypted and queued */
	ENGINE_EV_DELIVERED, /* the relay stored a message of ours */
	ENGINE_EV_VERIFY,    /* a contact's safety number */
	ENGINE_EV_EXPIRED,   /* disappearing messages were deleted */
	ENGINE_EV_SETTING,   /* a room's or contact's setting changed */
	ENGINE_EV_TIMER,     /* the safety timer: set, armed, warning, ... */
	ENGINE_EV_ALERT,     /* someone's safety timer ran out */
	ENGINE_EV_URGENT,    /* an urgent alert in a room (/alert) */
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
	uint64_t count;   /* RELAY ready: envelopes waiting; EXPIRED: deleted */
	const char *room; /* ROOM, MEMBER, MESSAGE, SENT, DELIVERED,
	                     SETTING: the room's name, or NULL for a
	                     direct message */
	const char *peer; /* MESSAGE, SENT, DELIVERED, VERIFY, SETTING: the
	                     other person of a direct message, name#FP */
	const char *from; /* MESSAGE: the sender, name#FP */
	const char
	    *text; /* MESSAGE: untrusted UTF-8 (not sanitised); SENT: ours */
	size_t text_len;
	const char *msgid;  /* MESSAGE, SENT, DELIVERED: 32 hex digits */
	const char *invite; /* ROOM created: the invite string (a secret) */
	const char *relay;  /* ROOM: the relay's address */
	const char *safety; /* VERIFY: the safety number */
	const char *words;  /* VERIFY: the same as words */
	uint64_t time_s;    /* MESSAGE: the sender's clock; SENT: ours */
	uint64_t expires_s; /* MESSAGE: when it disappears, or 0 */
	bool mine;          /* MESSAGE from history: sent by this persona */
	bool stored;        /* MESSAGE: shown from history */
	bool verified;      /* VERIFY, MEMBER */
	bool history;       /* ROOM, SETTING */
	uint32_t expire_s;  /* ROOM, SETTING: disappearing timer, 0 off */
};

typedef void engine_event_cb(void *arg, const struct engine_event *ev);

struct cstore;
struct cstore_cost;
struct link;
struct engine_room;
struct engine_urgent;

/* Our own urgent alerts remembered for the sender's limit. */
#define URGENT_MAX_SENT 3

/* Relays one persona may use at once (its own and its rooms'). */
#define ENGINE_LINKS_MAX 8

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
	/* The persona's relay links: its own relay and its rooms' relays. */
	struct link *links[ENGINE_LINKS_MAX];
	size_t nlinks;
	struct engine_room *rooms; /* the persona's rooms, loaded */
	size_t nrooms;
	uv_timer_t expiry; /* disappearing messages */
	bool expiry_open;
	uv_timer_t tick; /* retries (client/engine-net.c) */
	bool tick_open;
	uv_timer_t timer; /* the safety timer's warning and deadline */
	bool timer_open;
	bool timer_warned;
	struct socks5_proxy proxy;
	bool use_proxy;
	bool proxy_flag; /* --proxy was given: it wins over /proxy */
	bool panic_wipe; /* the panic key also wipes the store (/panic) */
	uint64_t next_req;
	bool quit;   /* /quit was given */
	bool replay; /* a sender key came: held room messages may open */
	uint64_t urgent_sent[URGENT_MAX_SENT]; /* our last alerts' times */
	struct engine_urgent *urgent; /* others' alerts, for their limit */
	size_t nurgent;
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
/*
 * Sets the proxy every relay connection goes through (a SOCKS5 URL, or
 * "off"), stored in the store, and reconnects; NULL reports it.
 */
void engine_proxy_set(struct engine *e, const char *url);
/* Whether the interface rings the terminal's bell for a message not in
 * view: "bell" or "off" (the default); NULL reports it. */
void engine_notify_set(struct engine *e, const char *mode);
bool engine_notify_bell(struct engine *e);
/* What the panic key does: "exit" (the default) or "wipe" as well;
 * NULL reports it. */
void engine_panic_set(struct engine *e, const char *mode);
/* Reports every link's state, or an error if there is none. */
void engine_relay_show(struct engine *e);

/* Rooms (client/engine-room.c). */
void engine_room_new(struct engine *e, const char *name, const char *relay);
void engine_room_join(struct engine *e, const char *invite, const char *name);
void engine_room_leave(struct engine *e, const char *name);
void engine_room_list(struct engine *e);
void engine_room_members(struct engine *e, const char *name);
void engine_room_invite(struct engine *e, const char *name);
void engine_room_say(struct engine *e, const char *name, const char *text);
/* /alert: an urgent alert to everyone in the room, now (rate-limited). */
void engine_room_alert(struct engine *e, const char *name, const char *text);

/* Direct messages (client/engine-dm.c). */
void engine_dm_say(struct engine *e, const char *who, const char *text);
void engine_dm_verify(struct engine *e, const char *who, bool confirm);

/* The safety timer (client/engine-timer.c). */
void engine_timer_set(
    struct engine *e, const char *dur, const char *who, const char *note);
void engine_timer_extend(struct engine *e, const char *dur);
void engine_timer_show(struct engine *e);
void engine_timer_safe(struct engine *e);

/* History and disappearing messages (client/engine-history.c). */
void engine_history(struct engine *e, const char *target, const char *onoff);
void engine_expire_set(
    struct engine *e, const char *target, const char *seconds);

#endif
