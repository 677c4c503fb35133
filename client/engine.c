/* SPDX-License-Identifier: ISC */
/*
 * The engine: the store, the persona in use, and command dispatch.
 *
 * A persona record (kind CSTORE_PERSONA, key: its name) holds
 *   version (1) | identity seed (32) | mailbox seed (32) | created (8, BE)
 *   | persona id (16)
 * The identity is the Ed25519 key shown as name#fingerprint; the mailbox
 * key is a separate key pair whose hash is the persona's mailbox id on a
 * relay, so the relay never sees the identity key. The persona id is
 * random and kept across renames: the persona's other records are keyed
 * by it (client/store.h), so a name freed by a rename and used again
 * inherits nothing. The persona in use is the setting "persona".
 */
#include "client/engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/cmd.h"
#include "client/engine-int.h"
#include "client/link.h"
#include "client/store.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define ENGINE_PERSONA_VERSION 1
#define ENGINE_PERSONA_ID_LEN 16
#define ENGINE_PERSONA_LEN (1 + 32 + 32 + 8 + ENGINE_PERSONA_ID_LEN)
#define ENGINE_SETTING_PERSONA "persona"
/* The interface's bell for messages not in view: "bell" or "off". */
#define ENGINE_SETTING_NOTIFY "notify"
/* What the panic key does: "wipe" or "exit". */
#define ENGINE_SETTING_PANIC "panic"
/* The proxy URL (it may hold a password: the store is encrypted). */
#define ENGINE_SETTING_PROXY "proxy"
#define ENGINE_PROXY_URL_MAX 1024

size_t
engine_key(const struct engine *e, uint8_t *out, const void *a, size_t alen,
    const void *b, size_t blen)
{
	memcpy(out, e->persona_id, ENGINE_PERSONA_ID_LEN);
	if (alen > 0)
		memcpy(out + ENGINE_PERSONA_ID_LEN, a, alen);
	if (blen > 0)
		memcpy(out + ENGINE_PERSONA_ID_LEN + alen, b, blen);
	return ENGINE_PERSONA_ID_LEN + alen + blen;
}

void
engine_hex(char *out, const uint8_t *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

void
engine_display(char out[ENGINE_ID_MAX], const char *name, const uint8_t ik[32])
{
	if (ident_display(
	        out, ENGINE_ID_MAX, name != NULL ? name : "someone", ik) != 0)
		out[0] = '\0';
}

int
engine_commit(struct engine *e, int rc)
{
	if (rc == 0)
		rc = cstore_commit(e->store);
	if (rc != 0)
		cstore_rollback(e->store);
	return rc;
}

void
engine_error(struct engine *e, const char *command, const char *reason)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_ERROR;
	ev.command = command;
	ev.reason = reason;
	e->emit(e->arg, &ev);
}

static bool
engine_name_ok(const char *name)
{
	return utf8_name_ok((const uint8_t *)name, strlen(name));
}

/* Reads persona name's record into rec. 0, ERR_NOTFOUND or ERR_STORE. */
static int
engine_persona_read(
    struct engine *e, const char *name, uint8_t rec[ENGINE_PERSONA_LEN])
{
	size_t len = 0;
	int rc;

	rc = cstore_get(e->store, CSTORE_PERSONA, (const uint8_t *)name,
	    strlen(name), rec, ENGINE_PERSONA_LEN, &len);
	if (rc == ERR_TOO_BIG ||
	    (rc == 0 && (len != ENGINE_PERSONA_LEN ||
	                    rec[0] != ENGINE_PERSONA_VERSION)))
		rc = ERR_STORE;
	return rc;
}

/* Writes name#FP of rec's identity into out. */
static void
engine_persona_id(char out[ENGINE_ID_MAX], const char *name,
    const uint8_t rec[ENGINE_PERSONA_LEN])
{
	struct ident id;

	ident_from_seed(&id, rec + 1);
	if (ident_display(out, ENGINE_ID_MAX, name, id.pk) != 0)
		out[0] = '\0';
	ident_wipe(&id);
}

static void
engine_persona_event(struct engine *e, const char *action, const char *name,
    const uint8_t rec[ENGINE_PERSONA_LEN])
{
	struct engine_event ev;
	char id[ENGINE_ID_MAX];

	engine_persona_id(id, name, rec);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_PERSONA;
	ev.action = action;
	ev.name = name;
	ev.id = id;
	ev.current = strcmp(name, e->persona) == 0;
	e->emit(e->arg, &ev);
}

/*
 * Makes name the persona in use, with its keys loaded; with connect, also
 * moves the relay link to its relay: a persona never uses another's
 * connection.
 */
static void
engine_adopt(struct engine *e, const char *name,
    const uint8_t rec[ENGINE_PERSONA_LEN], bool connect)
{
	snprintf(e->persona, sizeof e->persona, "%s", name);
	memcpy(e->persona_id, rec + 73, ENGINE_PERSONA_ID_LEN);
	ident_from_seed(&e->keys->id, rec + 1);
	memcpy(e->keys->mbox_seed, rec + 33, 32);
	/*
	 * Every link was opened, and its mailbox claimed, for the persona
	 * that was in use: none may carry another persona's traffic.
	 */
	engine_links_drop(e);
	engine_rooms_load(e);
	e->timer_warned = false;
	if (e->timer_open)
		engine_timer_start(e);
	if (connect)
		engine_links_sync(e);
}

static int
engine_set_current(struct engine *e, const char *name)
{
	return cstore_put(e->store, CSTORE_SETTING,
	    (const uint8_t *)ENGINE_SETTING_PERSONA,
	    sizeof ENGINE_SETTING_PERSONA - 1, (const uint8_t *)name,
	    strlen(name));
}

void
engine_persona_new(struct engine *e, const char *name)
{
	uint8_t rec[ENGINE_PERSONA_LEN];
	uint64_t now = (uint64_t)time(NULL);
	int rc;

	if (!engine_name_ok(name)) {
		engine_error(e, "/persona",
		    "a name is 1 to 64 bytes with no spaces, no invisible "
		    "characters and none of # / @");
		return;
	}
	rc = engine_persona_read(e, name, rec);
	if (rc == 0) {
		engine_error(e, "/persona",
		    "you already have a persona "
		    "with that name");
		goto out;
	}
	if (rc != ERR_NOTFOUND) {
		engine_error(e, "/persona", "the store could not be read");
		goto out;
	}
	rec[0] = ENGINE_PERSONA_VERSION;
	randombytes_buf(rec + 1, 64);
	for (int i = 0; i < 8; i++)
		rec[65 + i] = (uint8_t)(now >> (56 - 8 * i));
	randombytes_buf(rec + 73, ENGINE_PERSONA_ID_LEN);
	/* The first persona is the one in use. */
	rc = cstore_begin(e->store);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_PERSONA, (const uint8_t *)name,
		    strlen(name), rec, sizeof rec);
	if (rc == 0 && e->persona[0] == '\0')
		rc = engine_set_current(e, name);
	if (rc == 0)
		rc = cstore_commit(e->store);
	if (rc != 0) {
		cstore_rollback(e->store);
		engine_error(e, "/persona", "the store could not be written");
		goto out;
	}
	if (e->persona[0] == '\0')
		engine_adopt(e, name, rec, true);
	engine_persona_event(e, "created", name, rec);
out:
	sodium_memzero(rec, sizeof rec);
}

void
engine_persona_use(struct engine *e, const char *name)
{
	uint8_t rec[ENGINE_PERSONA_LEN];
	int rc;

	rc = engine_persona_read(e, name, rec);
	if (rc == ERR_NOTFOUND) {
		engine_error(e, "/persona", "no persona with that name");
		goto out;
	}
	if (rc == 0)
		rc = engine_set_current(e, name);
	if (rc != 0) {
		engine_error(e, "/persona", "the store could not be used");
		goto out;
	}
	engine_adopt(e, name, rec, true);
	engine_persona_event(e, "using", name, rec);
out:
	sodium_memzero(rec, sizeof rec);
}

struct engine_list {
	struct engine *e;
	char name[UTF8_NAME_MAX + 1];
};

static int
engine_on_persona(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct engine_list *l = arg;

	/* A record this version cannot read is skipped, not shown wrong. */
	if (klen > UTF8_NAME_MAX || vlen != ENGINE_PERSONA_LEN ||
	    val[0] != ENGINE_PERSONA_VERSION)
		return 0;
	memcpy(l->name, key, klen);
	l->name[klen] = '\0';
	engine_persona_event(l->e, "listed", l->name, val);
	return 0;
}

void
engine_persona_list(struct engine *e)
{
	struct engine_list l;

	memset(&l, 0, sizeof l);
	l.e = e;
	if (cstore_each(e->store, CSTORE_PERSONA, engine_on_persona, &l) != 0)
		engine_error(e, "/persona", "the store could not be read");
}

void
engine_persona_rename(struct engine *e, const char *from, const char *to)
{
	uint8_t rec[ENGINE_PERSONA_LEN], other[ENGINE_PERSONA_LEN];
	int rc;

	if (!engine_name_ok(to)) {
		engine_error(e, "/persona",
		    "a name is 1 to 64 bytes with no spaces, no invisible "
		    "characters and none of # / @");
		return;
	}
	rc = engine_persona_read(e, from, rec);
	if (rc == ERR_NOTFOUND) {
		engine_error(e, "/persona", "no persona with that name");
		goto out;
	}
	if (rc == 0 && engine_persona_read(e, to, other) != ERR_NOTFOUND) {
		engine_error(e, "/persona",
		    "you already have a persona "
		    "with that name");
		goto out;
	}
	if (rc == 0)
		rc = cstore_begin(e->store);
	if (rc == 0)
		rc = cstore_put(e->store, CSTORE_PERSONA, (const uint8_t *)to,
		    strlen(to), rec, sizeof rec);
	if (rc == 0)
		rc = cstore_del(e->store, CSTORE_PERSONA, (const uint8_t *)from,
		    strlen(from));
	if (rc == 0 && strcmp(e->persona, from) == 0)
		rc = engine_set_current(e, to);
	if (rc == 0)
		rc = cstore_commit(e->store);
	if (rc != 0) {
		cstore_rollback(e->store);
		engine_error(e, "/persona", "the store could not be written");
		goto out;
	}
	if (strcmp(e->persona, from) == 0)
		snprintf(e->persona, sizeof e->persona, "%s", to);
	engine_persona_event(e, "renamed", to, rec);
out:
	sodium_memzero(rec, sizeof rec);
	sodium_memzero(other, sizeof other);
}

/* Loads the persona in use from the settings, if one is set. */
static void
engine_load_current(struct engine *e)
{
	uint8_t rec[ENGINE_PERSONA_LEN];
	char name[UTF8_NAME_MAX + 1];
	size_t len = 0;

	if (cstore_get(e->store, CSTORE_SETTING,
	        (const uint8_t *)ENGINE_SETTING_PERSONA,
	        sizeof ENGINE_SETTING_PERSONA - 1, (uint8_t *)name,
	        sizeof name - 1, &len) != 0)
		return;
	name[len] = '\0';
	if (engine_persona_read(e, name, rec) == 0)
		engine_adopt(e, name, rec, false);
	sodium_memzero(rec, sizeof rec);
}

void
engine_relay_set(struct engine *e, const char *address)
{
	uint8_t key[5 + ENGINE_PERSONA_ID_LEN];
	struct addr a;

	if (e->persona[0] == '\0') {
		engine_error(
		    e, "/relay", "make a persona first: /persona new NAME");
		return;
	}
	if (addr_parse(address, strlen(address), &a) != 0) {
		engine_error(e, "/relay",
		    "that is not a relay address "
		    "(hearth://KEY@HOST:PORT)");
		return;
	}
	if (addr_is_onion(a.host) && !e->use_proxy) {
		engine_error(e, "/relay",
		    "a .onion relay needs a proxy (Tor): /proxy or --proxy");
		return;
	}
	if (cstore_put(e->store, CSTORE_SETTING, key,
	        engine_key(e, key, "relay", 5, NULL, 0),
	        (const uint8_t *)address, strlen(address)) != 0) {
		engine_error(e, "/relay", "the store could not be written");
		return;
	}
	engine_links_sync(e);
}

static void
engine_panic_load(struct engine *e)
{
	char mode[8];
	size_t len = 0;

	e->panic_wipe = cstore_get(e->store, CSTORE_SETTING,
	                    (const uint8_t *)ENGINE_SETTING_PANIC,
	                    sizeof ENGINE_SETTING_PANIC - 1, (uint8_t *)mode,
	                    sizeof mode, &len) == 0 &&
	                len == 4 && memcmp(mode, "wipe", 4) == 0;
}

bool
engine_notify_bell(struct engine *e)
{
	char cur[8];
	size_t len = 0;

	return cstore_get(e->store, CSTORE_SETTING,
	           (const uint8_t *)ENGINE_SETTING_NOTIFY,
	           sizeof ENGINE_SETTING_NOTIFY - 1, (uint8_t *)cur, sizeof cur,
	           &len) == 0 &&
	       len == 4 && memcmp(cur, "bell", 4) == 0;
}

void
engine_notify_set(struct engine *e, const char *mode)
{
	struct engine_event ev;
	bool bell;

	if (mode != NULL) {
		if (strcmp(mode, "bell") != 0 && strcmp(mode, "off") != 0) {
			engine_error(e, "/notify", "say bell or off");
			return;
		}
		if (cstore_put(e->store, CSTORE_SETTING,
		        (const uint8_t *)ENGINE_SETTING_NOTIFY,
		        sizeof ENGINE_SETTING_NOTIFY - 1, (const uint8_t *)mode,
		        strlen(mode)) != 0) {
			engine_error(
			    e, "/notify", "the store could not be written");
			return;
		}
	}
	bell = engine_notify_bell(e);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SETTING;
	ev.action = "notify";
	ev.name = bell ? "bell" : "off";
	e->emit(e->arg, &ev);
}

void
engine_panic_set(struct engine *e, const char *mode)
{
	struct engine_event ev;

	if (mode != NULL) {
		if (strcmp(mode, "wipe") != 0 && strcmp(mode, "exit") != 0) {
			engine_error(e, "/panic", "say exit or wipe");
			return;
		}
		if (cstore_put(e->store, CSTORE_SETTING,
		        (const uint8_t *)ENGINE_SETTING_PANIC,
		        sizeof ENGINE_SETTING_PANIC - 1, (const uint8_t *)mode,
		        strlen(mode)) != 0) {
			engine_error(
			    e, "/panic", "the store could not be written");
			return;
		}
		e->panic_wipe = strcmp(mode, "wipe") == 0;
	}
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SETTING;
	ev.action = "panic";
	ev.name = e->panic_wipe ? "wipe" : "exit";
	e->emit(e->arg, &ev);
}

/* The stored proxy (/proxy), used when --proxy is not given. */
static void
engine_proxy_load(struct engine *e)
{
	char url[ENGINE_PROXY_URL_MAX + 1];
	size_t len = 0;

	if (cstore_get(e->store, CSTORE_SETTING,
	        (const uint8_t *)ENGINE_SETTING_PROXY,
	        sizeof ENGINE_SETTING_PROXY - 1, (uint8_t *)url, sizeof url - 1,
	        &len) == 0 &&
	    socks5_url_parse(url, len, &e->proxy) == 0)
		e->use_proxy = true;
	sodium_memzero(url, sizeof url);
}

static void
engine_proxy_event(struct engine *e)
{
	struct engine_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_SETTING;
	ev.action = "proxy";
	ev.name = e->use_proxy ? e->proxy.host : NULL;
	ev.port = e->use_proxy ? e->proxy.port : 0;
	ev.current = e->proxy_flag;
	e->emit(e->arg, &ev);
}

void
engine_proxy_set(struct engine *e, const char *url)
{
	struct socks5_proxy p;
	int rc;

	if (url == NULL) {
		engine_proxy_event(e);
		return;
	}
	if (e->proxy_flag) {
		engine_error(e, "/proxy",
		    "--proxy was given: it wins for this run; start without "
		    "it to use the stored proxy");
		return;
	}
	if (strcmp(url, "off") == 0) {
		rc = cstore_del(e->store, CSTORE_SETTING,
		    (const uint8_t *)ENGINE_SETTING_PROXY,
		    sizeof ENGINE_SETTING_PROXY - 1);
		if (rc != 0) {
			engine_error(
			    e, "/proxy", "the store could not be written");
			return;
		}
		socks5_proxy_release(&e->proxy);
		memset(&e->proxy, 0, sizeof e->proxy);
		e->use_proxy = false;
	} else {
		if (strlen(url) > ENGINE_PROXY_URL_MAX ||
		    socks5_url_parse(url, strlen(url), &p) != 0) {
			engine_error(e, "/proxy",
			    "that is not a proxy address "
			    "(socks5://[USER:PASS@]HOST:PORT)");
			return;
		}
		rc = cstore_put(e->store, CSTORE_SETTING,
		    (const uint8_t *)ENGINE_SETTING_PROXY,
		    sizeof ENGINE_SETTING_PROXY - 1, (const uint8_t *)url,
		    strlen(url));
		if (rc != 0) {
			socks5_proxy_release(&p);
			engine_error(
			    e, "/proxy", "the store could not be written");
			return;
		}
		socks5_proxy_release(&e->proxy);
		e->proxy = p;
		sodium_memzero(&p, sizeof p);
		e->use_proxy = true;
	}
	/* Every connection goes the new way from now on. */
	engine_links_drop(e);
	engine_links_sync(e);
	engine_proxy_event(e);
}

void
engine_relay_show(struct engine *e)
{
	struct engine_event ev;

	if (e->nlinks == 0) {
		engine_error(e, "/relay",
		    "this persona has no relay; "
		    "/relay ADDRESS sets one");
		return;
	}
	for (size_t i = 0; i < e->nlinks; i++) {
		memset(&ev, 0, sizeof ev);
		ev.kind = ENGINE_EV_RELAY;
		ev.action = link_state_name(e->links[i]->state);
		ev.name = e->links[i]->addr.host;
		ev.port = e->links[i]->addr.port;
		e->emit(e->arg, &ev);
	}
}

void
engine_shutdown(struct engine *e)
{
	engine_links_drop(e);
	engine_tick_stop(e);
	engine_timer_stop(e);
	engine_expiry_stop(e);
	if (e->sl_open) {
		stream_loop_release(&e->sl);
		e->sl_open = false;
	}
}

int
engine_open(struct engine *e, const char *home, const char *pass, size_t len,
    const struct cstore_cost *cost, const struct socks5_proxy *proxy,
    engine_event_cb *emit, void *arg, const char **msg)
{
	struct engine_event ev;
	uint8_t rec[ENGINE_PERSONA_LEN];
	char id[ENGINE_ID_MAX];
	int rc;

	memset(e, 0, sizeof *e);
	e->emit = emit;
	e->arg = arg;
	rc = cstore_open(&e->store, home, pass, len, true, cost, msg);
	if (rc != 0)
		return rc;
	e->keys = sodium_malloc(sizeof *e->keys);
	if (e->keys == NULL)
		fatalx("out of memory");
	sodium_memzero(e->keys, sizeof *e->keys);
	e->line = xcalloc(1, sizeof *e->line);
	if (proxy != NULL) {
		e->proxy = *proxy;
		e->use_proxy = true;
		e->proxy_flag = true;
	}
	uv_loop_init(&e->loop);
	if (stream_loop_init(&e->sl, &e->loop) != 0)
		fatalx("cannot prepare the event loop");
	e->sl_open = true;
	engine_load_current(e);
	if (!e->proxy_flag)
		engine_proxy_load(e);
	engine_panic_load(e);
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_READY;
	if (e->persona[0] != '\0' &&
	    engine_persona_read(e, e->persona, rec) == 0) {
		engine_persona_id(id, e->persona, rec);
		ev.id = id;
	}
	sodium_memzero(rec, sizeof rec);
	e->emit(e->arg, &ev);
	/* Connects its relays, now that READY is out. */
	engine_links_sync(e);
	engine_seen_prune(e);
	engine_prekeys_rotate_due(e);
	engine_expiry_start(e);
	engine_tick_start(e);
	engine_timer_start(e);
	return 0;
}

void
engine_close(struct engine *e)
{
	struct engine_event ev;

	if (e->store == NULL)
		return;
	engine_shutdown(e);
	/* Runs the closes: stopped links free themselves there. */
	uv_run(&e->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&e->loop) != 0)
		engine_error(e, "", "the event loop did not close cleanly");
	/* Last, so that nothing is reported after it. */
	memset(&ev, 0, sizeof ev);
	ev.kind = ENGINE_EV_BYE;
	e->emit(e->arg, &ev);
	engine_rooms_drop(e);
	free(e->urgent);
	e->urgent = NULL;
	cstore_close(e->store);
	e->store = NULL;
	sodium_free(e->keys);
	e->keys = NULL;
	socks5_proxy_release(&e->proxy);
	/* It held the last command typed, perhaps a message. */
	sodium_memzero(e->line, sizeof *e->line);
	free(e->line);
	e->line = NULL;
}

int
engine_command(struct engine *e, const char *line, size_t len)
{
	const struct cmd_entry *ce;
	struct cmdline *c = e->line;
	size_t nargs;
	int rc;

	rc = cmdline_split(c, line, len);
	if (rc == ERR_USAGE) {
		engine_error(e, "", "commands start with /; try /help");
		return 0;
	}
	if (rc != 0) {
		engine_error(e, "",
		    rc == ERR_TOO_BIG ? "the line is too long"
		                      : "the line has control characters or "
		                        "text that is not UTF-8");
		return 0;
	}
	ce = cmd_find(c->word[0]);
	if (ce == NULL) {
		engine_error(e, c->word[0], "no such command; try /help");
		return 0;
	}
	nargs = c->nwords - 1;
	if (nargs < ce->min_args || nargs > ce->max_args) {
		engine_error(e, ce->name, ce->usage);
		return 0;
	}
	ce->exec(e, c);
	/* The line may hold a message, an invite or a proxy password. */
	sodium_memzero(c, sizeof *c);
	return 0;
}
