/* SPDX-License-Identifier: ISC */
/*
 * The relay's durable store: one SQLite database (DIR/relay.db, WAL mode)
 * holding room logs, mailboxes, prekey bundles and escrows. Everything in
 * it is ciphertext or routing data; nothing names a person or an address.
 *
 * Writes are batched: the first write after a commit opens a transaction,
 * and the relay calls relay_store_commit() once per loop turn, so a burst
 * of puts costs one commit (and one fsync) instead of one each. Reads run
 * inside the open transaction and so see the batch's own writes. Until
 * relay_store_commit() returns 0, nothing written is durable: the relay
 * answers a mailbox put only after that.
 *
 * The store never reads the clock: callers pass the time in seconds since
 * the epoch, so tests can move it.
 *
 * Writes refuse envelopes, bundles and key lists longer than
 * RELAY_STORE_BLOB_MAX bytes, and times, sequence numbers and keep
 * settings above INT64_MAX (SQLite's integers), with ERR_TOO_BIG.
 */
#ifndef HEARTH_RELAY_STORE_H
#define HEARTH_RELAY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_STORE_FILE "relay.db"
#define RELAY_STORE_ID_LEN 32
#define RELAY_STORE_KEY_LEN 32
/* The longest envelope or bundle stored: one frame's worth. */
#define RELAY_STORE_BLOB_MAX 65535
/* The schema version this build writes (PRAGMA user_version). */
#define RELAY_STORE_SCHEMA 1

struct relay_store;

/* A room's registration, as relay_store_room_get() returns it. */
struct relay_store_room {
	uint8_t id[RELAY_STORE_ID_LEN];
	uint8_t access_pub[RELAY_STORE_KEY_LEN]; /* Ed25519 */
	uint64_t keep_count;                     /* log entries kept */
	uint64_t keep_age_s; /* oldest entry kept, in seconds */
	uint64_t next_seq;   /* the sequence number the next envelope gets */
};

/*
 * One stored envelope, handed to a fetch callback: seq is the room
 * sequence number or the mailbox message id. env is borrowed for the call.
 * A callback returns 0 to go on or a negative code to stop the fetch,
 * which then returns that code. It may call other store functions, but
 * not the fetch that called it (that call fails with ERR_STORE).
 */
typedef int relay_store_env_cb(
    void *arg, uint64_t seq, uint64_t time_s, const uint8_t *env, size_t len);

/*
 * Opens (creating it, mode 0600) DIR/relay.db, sets WAL mode, and migrates
 * the schema to RELAY_STORE_SCHEMA. sync_full: fsync every commit. Returns
 * 0 with *out set (caller frees with relay_store_close()), or ERR_STORE
 * for a file that is not a database, is corrupt, or has a newer schema;
 * *msg then holds a static explanation for the operator.
 */
int relay_store_open(struct relay_store **out, const char *dir, bool sync_full,
    const char **msg);

/* Commits anything pending and closes. st may be NULL. */
void relay_store_close(struct relay_store *st);

/*
 * True if a batch is open: writes since the last commit. Also true after
 * a write failed inside SQLite, which rolls back the whole batch: writes
 * then fail with ERR_STORE until relay_store_commit() has reported the
 * loss by returning ERR_STORE.
 */
bool relay_store_pending(const struct relay_store *st);

/*
 * Commits the open batch, if any. Returns 0 or ERR_STORE; after a failure
 * the batch is rolled back and nothing in it happened.
 */
int relay_store_commit(struct relay_store *st);

/*
 * Copies the write-ahead log into the database and truncates it, so that
 * deleted envelopes (overwritten in the database by secure_delete) do not
 * linger in relay.db-wal. Only between batches: ERR_STORE while one is
 * open. SQLITE_BUSY from a reader (a backup, `check`) is not an error:
 * the next call tries again.
 */
int relay_store_checkpoint(struct relay_store *st);

/*
 * Runs SQLite's integrity check, then checks the store's own bookkeeping
 * (mailbox usage, room and escrow counts, log sequence numbers) against
 * the rows. 0 or ERR_STORE. Reads every row: for the operator, not the
 * loop.
 */
int relay_store_check(struct relay_store *st);

/* Rooms. */

/* Registers r (its next_seq is ignored: a new room starts at 1). */
int relay_store_room_create(
    struct relay_store *st, const struct relay_store_room *r);

/* Fills *out; ERR_NOTFOUND if there is no such room. */
int relay_store_room_get(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], struct relay_store_room *out);

/* Replaces the room's access key; ERR_NOTFOUND. */
int relay_store_room_set_key(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN],
    const uint8_t access_pub[static RELAY_STORE_KEY_LEN]);

/*
 * Appends an envelope with sequence number seq, which must be at least the
 * room's next_seq (ERR_EXISTS otherwise), and sets next_seq to seq + 1.
 * Prunes the room's log beyond its keep_count as it goes. seq is larger
 * than next_seq only after a lost batch: the relay had already handed out
 * the lost numbers to subscribers, and a number is never given to two
 * envelopes, so the log gets a gap instead.
 */
int relay_store_room_append(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], uint64_t seq, uint64_t time_s,
    const uint8_t *env, size_t len);

/*
 * Calls cb for up to limit envelopes with seq > after, oldest first.
 * Returns 0, ERR_NOTFOUND for an unknown room, or cb's code.
 */
int relay_store_room_fetch(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], uint64_t after, unsigned limit,
    relay_store_env_cb *cb, void *arg);

/* Number of rooms registered (for stats). */
int relay_store_room_count(struct relay_store *st, uint64_t *out);

/* Mailboxes. */

/*
 * Stores an envelope for mailbox mbox and sets *id to its message id,
 * which grows with every put across the whole store. Returns ERR_QUOTA
 * (storing nothing) if the mailbox would then hold more than quota_count
 * envelopes or quota_bytes bytes of envelope.
 */
int relay_store_mbox_put(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t time_s,
    const uint8_t *env, size_t len, uint64_t quota_count, uint64_t quota_bytes,
    uint64_t *id);

/* Calls cb for up to limit envelopes with id > after, oldest first. */
int relay_store_mbox_fetch(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t after,
    unsigned limit, relay_store_env_cb *cb, void *arg);

/*
 * Deletes message id from mailbox mbox. Returns 0 whether or not it was
 * still there (acknowledging twice is harmless).
 */
int relay_store_mbox_ack(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t id);

/* Envelopes and bytes waiting in mailbox mbox. */
int relay_store_mbox_usage(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t *count,
    uint64_t *bytes);

/*
 * Deletes mailbox envelopes older than now_s - mbox_ttl_s and room log
 * entries older than their room's keep_age_s. Stores in *deleted how many
 * rows went. A room's log is cut from its oldest entry up to the first
 * one young enough to keep, so it stays a contiguous run even if the
 * clock stepped back.
 */
int relay_store_prune(struct relay_store *st, uint64_t now_s,
    uint64_t mbox_ttl_s, uint64_t *deleted);

/* Prekey bundles. */

/* Sets (replacing) the signed bundle published under mailbox mbox. */
int relay_store_prekey_set(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], const uint8_t *bundle,
    size_t len);

/*
 * Adds n one-time prekeys of RELAY_STORE_KEY_LEN bytes each (keys holds
 * n * 32 bytes), skipping any already stored. Returns ERR_QUOTA, adding
 * none, if the mailbox would then hold more than max.
 */
int relay_store_prekey_add(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], const uint8_t *keys,
    size_t n, size_t max);

/*
 * Copies the bundle (at most cap bytes; ERR_TOO_BIG if larger) into bundle
 * and sets *len, and takes the oldest one-time prekey into otk, deleting
 * it so it is never handed out again; *have_otk says whether there was
 * one. ERR_NOTFOUND if no bundle is published under mbox.
 */
int relay_store_prekey_take(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint8_t *bundle, size_t cap,
    size_t *len, uint8_t otk[static RELAY_STORE_KEY_LEN], bool *have_otk);

/* One-time prekeys left under mbox. */
int relay_store_prekey_count(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t *count);

/* Escrows. */

/*
 * Stores an envelope to be delivered to mailbox mbox at release_s, under
 * the hash of its cancel token. ERR_EXISTS if that hash is taken;
 * ERR_QUOTA if the store already holds max escrows.
 */
int relay_store_escrow_put(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN],
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t release_s,
    const uint8_t *env, size_t len, uint64_t max);

/* Deletes the escrow; ERR_NOTFOUND if there is none (or it was released). */
int relay_store_escrow_cancel(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN]);

/* Moves the escrow's release time; ERR_NOTFOUND. */
int relay_store_escrow_extend(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN], uint64_t release_s);

/* The earliest release time of any escrow; ERR_NOTFOUND if none. */
int relay_store_escrow_next(struct relay_store *st, uint64_t *release_s);

/*
 * Called for each escrow released into a mailbox: mbox, the new mailbox
 * message id, its time (the now_s of the release, so that an alert that
 * comes late still gets the full mailbox TTL), and the envelope, all
 * borrowed for the call.
 */
typedef void relay_store_release_cb(void *arg,
    const uint8_t mbox[RELAY_STORE_ID_LEN], uint64_t id, uint64_t time_s,
    const uint8_t *env, size_t len);

/*
 * Moves every escrow with release_s <= now_s into its mailbox (quotas do
 * not apply: a safety alert is never dropped for a full mailbox), deleting
 * the escrow, and calls cb (which may be NULL) for each, after that
 * escrow's move is done. Stores the count in *released.
 */
int relay_store_escrow_release(struct relay_store *st, uint64_t now_s,
    relay_store_release_cb *cb, void *arg, uint64_t *released);

/* Number of escrows waiting (for stats). */
int relay_store_escrow_count(struct relay_store *st, uint64_t *out);

#endif
