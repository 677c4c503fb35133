/* SPDX-License-Identifier: ISC */
/*
 * The client's encrypted local store: one SQLite database in the user's
 * data folder (DIR/hearth.db, folder 0700, file 0600) that holds
 * personas, contacts, rooms, session states, history (if turned on) and
 * the outbox. Without the passphrase a seized device reveals no name, key,
 * text or time; it does show how many records of each kind there are and
 * how long each conversation's log is.
 *
 * Keys: the passphrase goes through Argon2id (crypto_pwhash, interactive
 * limits by default; salt and limits stored in the clear in a header row)
 * to a master key, from which crypto_kdf derives an AEAD key and an index
 * key. A check value encrypted at creation tells a wrong passphrase from a
 * damaged file.
 *
 * Records: a record is (kind, key) -> value. The key is stored only as a
 * keyed BLAKE2b hash (the index key), and the value only as an XChaCha20-
 * Poly1305 ciphertext whose associated data is the kind and the key hash,
 * so a value cannot be moved to another record unnoticed. Logs (history,
 * outbox) are ordered records under a scope (a room or a conversation):
 * the scope is a keyed hash too, and everything else, time included, is
 * inside the ciphertext.
 *
 * One process at a time: the store takes an exclusive lock on DIR while
 * open. Every function returns 0 or a negative code; none prints. A kind
 * outside the enum is UV_EINVAL.
 */
#ifndef HEARTH_CLIENT_STORE_H
#define HEARTH_CLIENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSTORE_FILE "hearth.db"
#define CSTORE_LOCK "hearth.lock"
/* Largest key and value of a record or log entry. */
#define CSTORE_KEY_MAX 256
#define CSTORE_VALUE_MAX (1024 * 1024)

/* What a record is; stored as a small integer, part of the AD. */
enum cstore_kind {
	CSTORE_PERSONA = 1, /* key: persona name; value: keys and settings */
	/*
	 * The kinds below belong to one persona: their keys and scopes start
	 * with the persona's id (16 random bytes in its record, kept across
	 * renames), never its name, which can change and be reused. Every
	 * part after it has a fixed size, so two keys cannot run together.
	 */
	CSTORE_CONTACT = 2,  /* key: persona id | contact identity key */
	CSTORE_ROOM = 3,     /* key: persona id | room id */
	CSTORE_SESSION = 4,  /* key: persona id | peer identity key: ratchet */
	CSTORE_SETTING = 5,  /* key: setting name */
	CSTORE_HISTORY = 6,  /* log, scope: persona id | room id or contact */
	CSTORE_OUTBOX = 7,   /* log, scope: persona id */
	CSTORE_SEEN = 8,     /* key: persona id | message id: deduplication */
	CSTORE_MEMBER = 9,   /* key: persona id | room id | identity key */
	CSTORE_PENDING = 10, /* log, scope: persona id | room id */
	CSTORE_KIND_MAX = 10,
};

struct cstore;

/* Argon2id cost: interactive by default; tests may ask for the minimum. */
struct cstore_cost {
	unsigned long long ops;
	size_t mem;
};

/* libsodium's interactive limits (about 0.1 s and 64 MiB). */
void cstore_cost_default(struct cstore_cost *c);

/*
 * Opens DIR/hearth.db with the passphrase pass[0..len). create: make the
 * folder (0700; its parent must exist) and the store if missing, with
 * cost (NULL: the default; the cost of an existing store is read from
 * it). DIR must be a folder of this user that no one else may open: a
 * symbolic link, another owner or any group or other permission is
 * refused (ERR_STORE), not fixed. Returns 0 with *out set, or:
 *   ERR_DENIED   wrong passphrase;
 *   ERR_NOTFOUND no store there and create is false;
 *   UV_EBUSY     another process has the store open;
 *   UV_EINVAL    create with a cost below libsodium's minimum, or
 *                over 64 passes or 1 GiB;
 *   ERR_NOMEM    Argon2id could not get its memory;
 *   ERR_STORE    not a store, damaged, written by a newer hearth, or DIR
 *                unsafe as above.
 * On every error *msg is a static sentence for the person at the screen.
 */
int cstore_open(struct cstore **out, const char *dir, const char *pass,
    size_t len, bool create, const struct cstore_cost *cost, const char **msg);

/* Commits anything pending, wipes keys, closes, unlocks. st may be NULL. */
void cstore_close(struct cstore *st);

/*
 * Deletes the store irrecoverably: overwrites hearth.db and its -wal,
 * -shm and -journal files with random bytes, fsyncs, unlinks them and the
 * lock, then removes DIR if empty. A symbolic link in their place is
 * unlinked, not followed. Works without the passphrase, and takes no
 * lock, so it works even while a hearth holds the store (which then
 * writes into unlinked files). 0 (also when there is nothing to wipe) or
 * ERR_IO after wiping all it could. Overwriting cannot reach copies the
 * disk keeps by itself (flash wear levelling, file system snapshots);
 * the encryption is what protects those.
 */
int cstore_wipe(const char *dir);

/*
 * Groups writes: everything between begin and commit happens together or
 * not at all (a crash in between loses all of it). Without a batch each
 * write commits (and syncs) by itself. Not nested: begin inside a batch
 * is ERR_STORE. If SQLite loses a batch (disk full, I/O error), writes
 * fail with ERR_STORE until commit has reported the loss, or rollback.
 * Commit without a batch is 0.
 */
int cstore_begin(struct cstore *st);
int cstore_commit(struct cstore *st);
void cstore_rollback(struct cstore *st);

/* Records. */

/* Stores (or replaces) the value under (kind, key). */
int cstore_put(struct cstore *st, enum cstore_kind kind, const uint8_t *key,
    size_t klen, const uint8_t *val, size_t vlen);

/*
 * Copies the value under (kind, key) into val (cap bytes; NULL if cap is
 * 0) and sets *vlen. ERR_NOTFOUND, ERR_TOO_BIG if cap is too small (*vlen
 * then says how much is needed), ERR_STORE if the record does not
 * decrypt. Too long a key is ERR_TOO_BIG in put and never found in get.
 */
int cstore_get(struct cstore *st, enum cstore_kind kind, const uint8_t *key,
    size_t klen, uint8_t *val, size_t cap, size_t *vlen);

/* Deletes (kind, key); 0 whether or not it was there. */
int cstore_del(
    struct cstore *st, enum cstore_kind kind, const uint8_t *key, size_t klen);

/*
 * Calls cb for each record of kind, in the order they were first put,
 * with the key and value decrypted and borrowed for the call. cb returns
 * 0 to go on, or a negative code to stop (returned). cb may call any
 * store function but cstore_close; a record it puts may or may not be
 * walked. Records that do not decrypt are skipped, and reported with
 * ERR_STORE once the walk has ended (a code from cb wins).
 */
typedef int cstore_record_cb(void *arg, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);
int cstore_each(
    struct cstore *st, enum cstore_kind kind, cstore_record_cb *cb, void *arg);

/* Logs. */

/*
 * Appends an entry to the log of kind under scope (at most CSTORE_KEY_MAX
 * bytes), with its time and an expiry (0: never), and sets *id (growing,
 * never reused, even after the newest entry is deleted).
 */
int cstore_log_append(struct cstore *st, enum cstore_kind kind,
    const uint8_t *scope, size_t slen, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen, uint64_t *id);

/*
 * Calls cb for each entry under scope with id > after, oldest first, as
 * cstore_each does (damaged entries skipped, then ERR_STORE).
 */
typedef int cstore_log_cb(void *arg, uint64_t id, uint64_t time_s,
    uint64_t expires_s, const uint8_t *val, size_t vlen);
int cstore_log_each(struct cstore *st, enum cstore_kind kind,
    const uint8_t *scope, size_t slen, uint64_t after, cstore_log_cb *cb,
    void *arg);

/* Deletes entry id of kind; 0 whether or not it was there. */
int cstore_log_del(struct cstore *st, enum cstore_kind kind, uint64_t id);

/*
 * Deletes every log entry (any kind, any scope) whose expiry is set and
 * <= now_s, overwriting it (secure_delete), and stores the count in
 * *deleted. The times are inside the ciphertexts, so this decrypts every
 * entry. An entry that does not decrypt is kept and, after the others
 * are deleted, reported with ERR_STORE.
 */
int cstore_expire(struct cstore *st, uint64_t now_s, uint64_t *deleted);

/*
 * The soonest expiry after the last cstore_expire's now_s among the
 * entries it walked and those appended since (0: none). Entries deleted
 * since may make it early, never late: a caller's timer then finds
 * nothing to do.
 */
uint64_t cstore_next_expiry(const struct cstore *st);

#endif
