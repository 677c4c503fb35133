/* SPDX-License-Identifier: ISC */
/*
 * The relay's durable store on SQLite: one database file, DIR/relay.db,
 * in WAL mode, made private (0600) before SQLite opens it. Every statement
 * is prepared once at open and reset after each use.
 *
 * Schema 1 (migration 1 below):
 *
 *   counts         name -> n: rooms and escrows held, so that stats and
 *                  the escrow quota need no scan.
 *   rooms          id -> access_pub, keep_count, keep_age_s, next_seq.
 *                  Taken literally: keep_count 0 keeps no log (a room
 *                  for live traffic only), keep_age_s 0 lets the next
 *                  prune take every entry.
 *   room_log       (room_id, seq) -> time_s, env. Clustered on the key, so
 *                  a catch-up page and the keep_count trim are one range.
 *   mailboxes      mbox -> count, bytes: what mbox_msg holds for mbox, so
 *                  a quota check is one lookup. A mailbox whose last
 *                  envelope goes loses its row: an empty mailbox leaves
 *                  no trace.
 *   mbox_msg       id -> mbox, time_s, env. AUTOINCREMENT, so an id is
 *                  never handed out twice, even after the newest is
 *                  deleted. Indexed on (mbox, id) for fetch and on time_s
 *                  for expiry.
 *   prekey_bundle  mbox -> bundle.
 *   prekey_otk     n -> mbox, key. n is the order of arrival (the rowid);
 *                  (mbox, key) is unique, and (mbox, n) finds the oldest.
 *   escrow         cancel_hash -> mbox, release_s, env; indexed on
 *                  release_s.
 *
 * Tables are STRICT, and the database carries an application id, so a
 * foreign database is refused rather than written into. No foreign keys:
 * rooms are never deleted and every write checks its room itself, so they
 * would only cost a lookup per append.
 *
 * Batches: the first write opens a transaction (BEGIN IMMEDIATE) that
 * relay_store_commit() ends. Each write also runs inside a savepoint, so a
 * refused write (ERR_EXISTS, ERR_QUOTA...) undoes only itself and the rest
 * of the batch stands. A write that fails in SQLite itself rolls the whole
 * batch back; the store then refuses writes until relay_store_commit()
 * has reported the loss with ERR_STORE, so the caller never acknowledges
 * a write that is gone.
 *
 * Nothing read back from the file is trusted: integers must be
 * non-negative, ids and keys exactly their size, envelopes at most
 * RELAY_STORE_BLOB_MAX bytes. Anything else is ERR_STORE.
 *
 * Callbacks run while a statement is stepping. They may call other store
 * functions, but not the one that called them (that is refused with
 * ERR_STORE rather than corrupting the walk).
 */
#include "relay/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* "HRTH" in PRAGMA application_id: this file is a hearth-relay store. */
#define RELAY_STORE_APP_ID 0x48525448
/* The relay is the only writer, so waiting long only hides a problem. */
#define RELAY_STORE_BUSY_MS 100
/*
 * SQLite refuses strings and blobs longer than this, even from the file,
 * so a damaged length cannot make it allocate gigabytes.
 */
#define RELAY_STORE_SQLITE_LENGTH (1024 * 1024)

enum relay_store_q {
	RELAY_STORE_Q_BEGIN,
	RELAY_STORE_Q_COMMIT,
	RELAY_STORE_Q_ROLLBACK,
	RELAY_STORE_Q_SAVEPOINT,
	RELAY_STORE_Q_RELEASE,
	RELAY_STORE_Q_ROLLBACK_TO,
	RELAY_STORE_Q_INTEGRITY,
	RELAY_STORE_Q_CONSISTENT,
	RELAY_STORE_Q_COUNT_GET,
	RELAY_STORE_Q_COUNT_ADD,
	RELAY_STORE_Q_ROOM_INSERT,
	RELAY_STORE_Q_ROOM_GET,
	RELAY_STORE_Q_ROOM_SET_KEY,
	RELAY_STORE_Q_ROOM_SET_NEXT,
	RELAY_STORE_Q_ROOM_ALL,
	RELAY_STORE_Q_LOG_INSERT,
	RELAY_STORE_Q_LOG_TRIM,
	RELAY_STORE_Q_LOG_FETCH,
	RELAY_STORE_Q_LOG_EXPIRE,
	RELAY_STORE_Q_MBOX_USAGE,
	RELAY_STORE_Q_MBOX_ADD,
	RELAY_STORE_Q_MBOX_SUB,
	RELAY_STORE_Q_MBOX_DROP,
	RELAY_STORE_Q_MSG_INSERT,
	RELAY_STORE_Q_MSG_FETCH,
	RELAY_STORE_Q_MSG_DELETE,
	RELAY_STORE_Q_MSG_EXPIRED,
	RELAY_STORE_Q_MSG_EXPIRE,
	RELAY_STORE_Q_BUNDLE_SET,
	RELAY_STORE_Q_BUNDLE_GET,
	RELAY_STORE_Q_OTK_ADD,
	RELAY_STORE_Q_OTK_COUNT,
	RELAY_STORE_Q_OTK_TAKE,
	RELAY_STORE_Q_ESCROW_INSERT,
	RELAY_STORE_Q_ESCROW_DELETE,
	RELAY_STORE_Q_ESCROW_EXTEND,
	RELAY_STORE_Q_ESCROW_NEXT,
	RELAY_STORE_Q_ESCROW_DUE,
	RELAY_STORE_Q_MAX,
};

static const char *const relay_store_sql[RELAY_STORE_Q_MAX] = {
    [RELAY_STORE_Q_BEGIN] = "BEGIN IMMEDIATE",
    [RELAY_STORE_Q_COMMIT] = "COMMIT",
    [RELAY_STORE_Q_ROLLBACK] = "ROLLBACK",
    [RELAY_STORE_Q_SAVEPOINT] = "SAVEPOINT op",
    [RELAY_STORE_Q_RELEASE] = "RELEASE op",
    [RELAY_STORE_Q_ROLLBACK_TO] = "ROLLBACK TO op",
    [RELAY_STORE_Q_INTEGRITY] = "PRAGMA integrity_check(1)",
    /* Rows that break the store's own invariants; 0 when all is well. */
    [RELAY_STORE_Q_CONSISTENT] =
        "SELECT (SELECT count(*) FROM mailboxes AS x"
        "  WHERE count IS NOT"
        "   (SELECT count(*) FROM mbox_msg WHERE mbox = x.mbox)"
        "  OR bytes IS NOT"
        "   (SELECT sum(length(env)) FROM mbox_msg WHERE mbox = x.mbox))"
        " + (SELECT count(*) FROM mbox_msg AS m WHERE NOT EXISTS"
        "   (SELECT 1 FROM mailboxes WHERE mbox = m.mbox))"
        " + (SELECT count(*) FROM room_log AS l WHERE NOT EXISTS"
        "   (SELECT 1 FROM rooms WHERE id = l.room_id AND"
        "    l.seq < next_seq))"
        " + ((SELECT count(*) FROM rooms) IS NOT"
        "   (SELECT n FROM counts WHERE name = 'rooms'))"
        " + ((SELECT count(*) FROM escrow) IS NOT"
        "   (SELECT n FROM counts WHERE name = 'escrows'))",
    [RELAY_STORE_Q_COUNT_GET] = "SELECT n FROM counts WHERE name = ?1",
    [RELAY_STORE_Q_COUNT_ADD] = "UPDATE counts SET n = n + ?2 WHERE name = ?1",
    [RELAY_STORE_Q_ROOM_INSERT] =
        "INSERT INTO rooms (id, access_pub, keep_count, keep_age_s, next_seq)"
        " VALUES (?1, ?2, ?3, ?4, 1)",
    [RELAY_STORE_Q_ROOM_GET] =
        "SELECT id, access_pub, keep_count, keep_age_s, next_seq"
        " FROM rooms WHERE id = ?1",
    [RELAY_STORE_Q_ROOM_SET_KEY] =
        "UPDATE rooms SET access_pub = ?2 WHERE id = ?1",
    [RELAY_STORE_Q_ROOM_SET_NEXT] =
        "UPDATE rooms SET next_seq = ?2 WHERE id = ?1",
    [RELAY_STORE_Q_ROOM_ALL] = "SELECT id, keep_age_s, next_seq FROM rooms",
    [RELAY_STORE_Q_LOG_INSERT] =
        "INSERT INTO room_log (room_id, seq, time_s, env)"
        " VALUES (?1, ?2, ?3, ?4)",
    [RELAY_STORE_Q_LOG_TRIM] =
        "DELETE FROM room_log WHERE room_id = ?1 AND seq <= ?2",
    [RELAY_STORE_Q_LOG_FETCH] =
        "SELECT seq, time_s, env FROM room_log"
        " WHERE room_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    /*
     * A log is pruned from its oldest end up to the first entry young
     * enough to keep: it stays a contiguous run of sequence numbers, and
     * the cost is the rows deleted, with no index on time.
     */
    [RELAY_STORE_Q_LOG_EXPIRE] =
        "DELETE FROM room_log WHERE room_id = ?1 AND seq < coalesce("
        " (SELECT seq FROM room_log WHERE room_id = ?1 AND time_s >= ?2"
        "  ORDER BY seq LIMIT 1), ?3)",
    [RELAY_STORE_Q_MBOX_USAGE] =
        "SELECT count, bytes FROM mailboxes WHERE mbox = ?1",
    [RELAY_STORE_Q_MBOX_ADD] =
        "INSERT INTO mailboxes (mbox, count, bytes) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (mbox) DO UPDATE SET count = count + excluded.count,"
        " bytes = bytes + excluded.bytes",
    [RELAY_STORE_Q_MBOX_SUB] =
        "UPDATE mailboxes SET count = max(count - ?2, 0),"
        " bytes = max(bytes - ?3, 0) WHERE mbox = ?1",
    [RELAY_STORE_Q_MBOX_DROP] =
        "DELETE FROM mailboxes WHERE mbox = ?1 AND count = 0",
    [RELAY_STORE_Q_MSG_INSERT] =
        "INSERT INTO mbox_msg (mbox, time_s, env) VALUES (?1, ?2, ?3)",
    [RELAY_STORE_Q_MSG_FETCH] =
        "SELECT id, time_s, env FROM mbox_msg"
        " WHERE mbox = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    [RELAY_STORE_Q_MSG_DELETE] =
        "DELETE FROM mbox_msg WHERE id = ?2 AND mbox = ?1"
        " RETURNING length(env)",
    /*
     * Left to itself the planner walks mbox_msg_mbox to save the GROUP BY
     * a sort: a scan of every envelope on every prune.
     */
    [RELAY_STORE_Q_MSG_EXPIRED] = "SELECT mbox, count(*), sum(length(env))"
                                  " FROM mbox_msg INDEXED BY mbox_msg_time"
                                  " WHERE time_s < ?1 GROUP BY mbox",
    [RELAY_STORE_Q_MSG_EXPIRE] = "DELETE FROM mbox_msg WHERE time_s < ?1",
    [RELAY_STORE_Q_BUNDLE_SET] =
        "INSERT INTO prekey_bundle (mbox, bundle) VALUES (?1, ?2)"
        " ON CONFLICT (mbox) DO UPDATE SET bundle = excluded.bundle",
    [RELAY_STORE_Q_BUNDLE_GET] =
        "SELECT bundle FROM prekey_bundle WHERE mbox = ?1",
    [RELAY_STORE_Q_OTK_ADD] =
        "INSERT INTO prekey_otk (mbox, key) VALUES (?1, ?2)"
        " ON CONFLICT (mbox, key) DO NOTHING",
    [RELAY_STORE_Q_OTK_COUNT] =
        "SELECT count(*) FROM prekey_otk WHERE mbox = ?1",
    [RELAY_STORE_Q_OTK_TAKE] =
        "DELETE FROM prekey_otk WHERE n = (SELECT n FROM prekey_otk"
        " WHERE mbox = ?1 ORDER BY n LIMIT 1) RETURNING key",
    [RELAY_STORE_Q_ESCROW_INSERT] =
        "INSERT INTO escrow (cancel_hash, mbox, release_s, env)"
        " VALUES (?1, ?2, ?3, ?4)",
    [RELAY_STORE_Q_ESCROW_DELETE] = "DELETE FROM escrow WHERE cancel_hash = ?1",
    [RELAY_STORE_Q_ESCROW_EXTEND] =
        "UPDATE escrow SET release_s = ?2 WHERE cancel_hash = ?1",
    [RELAY_STORE_Q_ESCROW_NEXT] = "SELECT min(release_s) FROM escrow",
    [RELAY_STORE_Q_ESCROW_DUE] =
        "SELECT cancel_hash, mbox, env FROM escrow"
        " WHERE release_s <= ?1 ORDER BY release_s LIMIT 1",
};

/*
 * Migration i takes the schema from version i to i + 1. Append only: a
 * released migration never changes.
 */
static const char *const relay_store_migrations[RELAY_STORE_SCHEMA] = {
    "CREATE TABLE counts ("
    " name TEXT PRIMARY KEY NOT NULL,"
    " n INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "INSERT INTO counts (name, n) VALUES ('rooms', 0), ('escrows', 0);"
    "CREATE TABLE rooms ("
    " id BLOB PRIMARY KEY NOT NULL,"
    " access_pub BLOB NOT NULL,"
    " keep_count INTEGER NOT NULL,"
    " keep_age_s INTEGER NOT NULL,"
    " next_seq INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE room_log ("
    " room_id BLOB NOT NULL,"
    " seq INTEGER NOT NULL,"
    " time_s INTEGER NOT NULL,"
    " env BLOB NOT NULL,"
    " PRIMARY KEY (room_id, seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE mailboxes ("
    " mbox BLOB PRIMARY KEY NOT NULL,"
    " count INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE mbox_msg ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " mbox BLOB NOT NULL,"
    " time_s INTEGER NOT NULL,"
    " env BLOB NOT NULL"
    ") STRICT;"
    "CREATE INDEX mbox_msg_mbox ON mbox_msg (mbox, id);"
    "CREATE INDEX mbox_msg_time ON mbox_msg (time_s);"
    "CREATE TABLE prekey_bundle ("
    " mbox BLOB PRIMARY KEY NOT NULL,"
    " bundle BLOB NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE prekey_otk ("
    " n INTEGER PRIMARY KEY,"
    " mbox BLOB NOT NULL,"
    " key BLOB NOT NULL,"
    " UNIQUE (mbox, key)"
    ") STRICT;"
    "CREATE INDEX prekey_otk_mbox ON prekey_otk (mbox, n);"
    "CREATE TABLE escrow ("
    " cancel_hash BLOB PRIMARY KEY NOT NULL,"
    " mbox BLOB NOT NULL,"
    " release_s INTEGER NOT NULL,"
    " env BLOB NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX escrow_release ON escrow (release_s);",
};

struct relay_store {
	sqlite3 *db;
	sqlite3_stmt *q[RELAY_STORE_Q_MAX];
	uint8_t *scratch; /* an escrow's envelope while it is released */
	uint64_t ops;     /* writes that succeeded in the open batch */
	bool batch;       /* a transaction is open */
	bool lost;        /* the batch was rolled back; commit reports it */
};

static const uint8_t relay_store_empty[1];

/* Maps a failed SQLite result to a project code. */
static int
relay_store_err(int sqlrc)
{
	switch (sqlrc) {
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return ERR_EXISTS;
	default:
		return ERR_STORE;
	}
}

/* An explanation for the operator of why the file could not be used. */
static const char *
relay_store_why(int sqlrc)
{
	switch (sqlrc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
	case SQLITE_TOOBIG:
		return "relay.db is not a database or is damaged";
	case SQLITE_CANTOPEN:
		return "relay.db cannot be opened";
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "relay.db is read-only";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "relay.db is locked by another process";
	case SQLITE_FULL:
		return "the disk holding relay.db is full";
	case SQLITE_NOMEM:
		return "out of memory while opening relay.db";
	case SQLITE_IOERR:
		return "input/output error on relay.db";
	default:
		return "relay.db could not be opened";
	}
}

/*
 * Hands out prepared statement i. A statement still stepping means a
 * callback re-entered the function that runs it; resetting it under that
 * function's feet would corrupt its walk, so that is refused.
 */
static int
relay_store_q(struct relay_store *st, enum relay_store_q i, sqlite3_stmt **out)
{
	*out = NULL;
	if (sqlite3_stmt_busy(st->q[i]))
		return ERR_STORE;
	*out = st->q[i];
	return 0;
}

/* Runs statement s to its end, ignoring any rows, and resets it. */
static int
relay_store_step_done(sqlite3_stmt *s)
{
	int rc;

	do
		rc = sqlite3_step(s);
	while (rc == SQLITE_ROW);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : relay_store_err(rc);
}

/* Runs statement i, which takes no parameters. */
static int
relay_store_run(struct relay_store *st, enum relay_store_q i)
{
	sqlite3_stmt *s;
	int rc;

	rc = relay_store_q(st, i, &s);
	if (rc != 0)
		return rc;
	return relay_store_step_done(s);
}

static int
relay_store_bind_blob(sqlite3_stmt *s, int col, const uint8_t *p, size_t len)
{
	if (len > RELAY_STORE_BLOB_MAX)
		return ERR_TOO_BIG;
	/* A NULL pointer would bind SQL NULL, not an empty blob. */
	if (len == 0)
		p = relay_store_empty;
	if (sqlite3_bind_blob(s, col, p, (int)len, SQLITE_STATIC) != SQLITE_OK)
		return ERR_STORE;
	return 0;
}

static int
relay_store_bind_u64(sqlite3_stmt *s, int col, uint64_t v)
{
	if (v > INT64_MAX)
		return ERR_TOO_BIG;
	if (sqlite3_bind_int64(s, col, (sqlite3_int64)v) != SQLITE_OK)
		return ERR_STORE;
	return 0;
}

static int
relay_store_bind_i64(sqlite3_stmt *s, int col, int64_t v)
{
	if (sqlite3_bind_int64(s, col, v) != SQLITE_OK)
		return ERR_STORE;
	return 0;
}

static int
relay_store_bind_text(sqlite3_stmt *s, int col, const char *text)
{
	if (sqlite3_bind_text(s, col, text, -1, SQLITE_STATIC) != SQLITE_OK)
		return ERR_STORE;
	return 0;
}

/* Reads a column that must hold a non-negative integer. */
static int
relay_store_col_u64(sqlite3_stmt *s, int col, uint64_t *out)
{
	sqlite3_int64 v;

	*out = 0;
	if (sqlite3_column_type(s, col) != SQLITE_INTEGER)
		return ERR_STORE;
	v = sqlite3_column_int64(s, col);
	if (v < 0)
		return ERR_STORE;
	*out = (uint64_t)v;
	return 0;
}

/*
 * Reads a blob column of at most max bytes. *p is borrowed until the
 * statement steps or resets.
 */
static int
relay_store_col_blob(
    sqlite3_stmt *s, int col, size_t max, const uint8_t **p, size_t *len)
{
	const void *v;
	int n;

	*p = NULL;
	*len = 0;
	if (sqlite3_column_type(s, col) != SQLITE_BLOB)
		return ERR_STORE;
	/* SQLite documents this order: the pointer first, then the size. */
	v = sqlite3_column_blob(s, col);
	n = sqlite3_column_bytes(s, col);
	if (n < 0 || (size_t)n > max)
		return ERR_STORE;
	if (v == NULL && n > 0)
		return ERR_NOMEM;
	*p = n == 0 ? relay_store_empty : v;
	*len = (size_t)n;
	return 0;
}

/* Copies a blob column that must be exactly len bytes long. */
static int
relay_store_col_fixed(sqlite3_stmt *s, int col, uint8_t *out, size_t len)
{
	const uint8_t *p;
	size_t n;
	int rc;

	rc = relay_store_col_blob(s, col, len, &p, &n);
	if (rc == 0 && n != len)
		rc = ERR_STORE;
	if (rc != 0) {
		memset(out, 0, len);
		return rc;
	}
	memcpy(out, p, len);
	return 0;
}

/* Forgets the batch after SQLite or the store rolled it back. */
static void
relay_store_abort(struct relay_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)relay_store_run(st, RELAY_STORE_Q_ROLLBACK);
	if (st->ops > 0)
		st->lost = true;
	st->batch = false;
	st->ops = 0;
}

/*
 * SQLite rolls a transaction back by itself after some I/O errors; a
 * batch that vanished that way is lost, not committed.
 */
static void
relay_store_notice_rollback(struct relay_store *st)
{
	if (st->batch && sqlite3_get_autocommit(st->db))
		relay_store_abort(st);
}

/* Starts a write: opens the batch if none is, and a savepoint in it. */
static int
relay_store_op_begin(struct relay_store *st)
{
	int rc;

	relay_store_notice_rollback(st);
	/* Writing on would let a later commit hide the loss. */
	if (st->lost)
		return ERR_STORE;
	if (!st->batch) {
		rc = relay_store_run(st, RELAY_STORE_Q_BEGIN);
		if (rc != 0) {
			relay_store_abort(st);
			return ERR_STORE;
		}
		st->batch = true;
		st->ops = 0;
	}
	rc = relay_store_run(st, RELAY_STORE_Q_SAVEPOINT);
	if (rc != 0) {
		relay_store_abort(st);
		return ERR_STORE;
	}
	return 0;
}

/*
 * Ends a write begun with relay_store_op_begin() with result rc: keeps it,
 * undoes it alone (a refusal), or rolls back the batch (SQLite failed).
 * Returns rc, or ERR_STORE if ending failed.
 */
static int
relay_store_op_end(struct relay_store *st, int rc)
{
	if (rc == 0) {
		if (relay_store_run(st, RELAY_STORE_Q_RELEASE) == 0) {
			st->ops++;
			return 0;
		}
		rc = ERR_STORE;
	} else if (st->ops > 0 && rc != ERR_STORE && rc != ERR_NOMEM) {
		if (relay_store_run(st, RELAY_STORE_Q_ROLLBACK_TO) == 0 &&
		    relay_store_run(st, RELAY_STORE_Q_RELEASE) == 0)
			return rc;
		rc = ERR_STORE;
	}
	/*
	 * Either this write was the batch's first, so rolling back loses
	 * nothing else, or SQLite failed and the batch cannot be trusted.
	 */
	relay_store_abort(st);
	return rc;
}

/* Adds delta to the named counter in table counts. */
static int
relay_store_count_add(struct relay_store *st, const char *name, int64_t delta)
{
	sqlite3_stmt *s;
	int rc;

	rc = relay_store_q(st, RELAY_STORE_Q_COUNT_ADD, &s);
	if (rc == 0)
		rc = relay_store_bind_text(s, 1, name);
	if (rc == 0)
		rc = relay_store_bind_i64(s, 2, delta);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0 && sqlite3_changes64(st->db) != 1)
		rc = ERR_STORE;
	return rc;
}

static int
relay_store_count_get(struct relay_store *st, const char *name, uint64_t *out)
{
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_COUNT_GET, &s);
	if (rc == 0)
		rc = relay_store_bind_text(s, 1, name);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = relay_store_col_u64(s, 0, out);
	else
		rc = relay_store_err(rc);
	sqlite3_reset(s);
	return rc;
}

/* Runs a single-integer pragma or query on a connection being opened. */
static int
relay_store_pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*out = 0;
	rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Makes relay.db exist as a private regular file before SQLite opens it:
 * SQLite would create it with mode 0644 less the umask, and it creates the
 * -wal and -shm files with the database's own mode. Existing files are
 * tightened to 0600 and may not be symbolic links.
 */
static int
relay_store_prepare_files(const char *path, const char **msg)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char name[4096];
	struct stat sb;
	size_t i;
	int fd, n, flags;

	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		n = snprintf(name, sizeof name, "%s%s", path, suffix[i]);
		if (n < 0 || (size_t)n >= sizeof name) {
			*msg = "the data folder's path is too long";
			return ERR_STORE;
		}
		/* O_NONBLOCK: a FIFO planted here must not hang the relay. */
		flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
		if (i == 0)
			flags |= O_CREAT;
		fd = open(name, flags, 0600);
		if (fd < 0 && i > 0 && errno == ENOENT)
			continue;
		if (fd < 0) {
			*msg =
			    errno == ELOOP
			        ? "relay.db or its journal is a symbolic link"
			        : "relay.db cannot be opened or created";
			return ERR_STORE;
		}
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			*msg = "relay.db or its journal is not a regular file";
			return ERR_STORE;
		}
		if ((sb.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
			close(fd);
			*msg = "relay.db cannot be made private (mode 0600)";
			return ERR_STORE;
		}
		close(fd);
	}
	return 0;
}

/* Brings the schema up to RELAY_STORE_SCHEMA in one transaction. */
static int
relay_store_migrate(sqlite3 *db, const char **msg)
{
	char sql[64];
	int64_t version, app, tables;
	int rc;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*msg = relay_store_why(rc);
		return ERR_STORE;
	}
	/* Read again under the write lock: the first look was unlocked. */
	rc = relay_store_pragma_int(db, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = relay_store_pragma_int(db, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = relay_store_pragma_int(
		    db, "SELECT count(*) FROM sqlite_schema", &tables);
	if (rc != SQLITE_OK) {
		*msg = relay_store_why(rc);
		goto fail;
	}
	if (version > RELAY_STORE_SCHEMA) {
		*msg = "database was written by a newer hearth-relay";
		goto fail;
	}
	/* Never write our tables into somebody else's database. */
	if (version < 0 || (version == 0 && (app != 0 || tables != 0)) ||
	    (version > 0 && app != RELAY_STORE_APP_ID)) {
		*msg = "relay.db is a database of another program";
		goto fail;
	}
	if (version == RELAY_STORE_SCHEMA) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	for (; version < RELAY_STORE_SCHEMA; version++) {
		rc = sqlite3_exec(
		    db, relay_store_migrations[version], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			*msg = "the database schema could not be upgraded";
			goto fail;
		}
	}
	/* PRAGMA takes no parameters, so the numbers go into the text. */
	snprintf(
	    sql, sizeof sql, "PRAGMA application_id = %d", RELAY_STORE_APP_ID);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
		    RELAY_STORE_SCHEMA);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*msg = relay_store_why(rc);
		goto fail;
	}
	return 0;
fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ERR_STORE;
}

/* Finalizes every statement and closes the connection, without commit. */
static void
relay_store_free(struct relay_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < RELAY_STORE_Q_MAX; i++)
		sqlite3_finalize(st->q[i]);
	sqlite3_close_v2(st->db);
	free(st->scratch);
	free(st);
}

int
relay_store_open(
    struct relay_store **out, const char *dir, bool sync_full, const char **msg)
{
	struct relay_store *st = NULL;
	char path[4096];
	int64_t version;
	size_t i;
	int n, rc, flags;

	*out = NULL;
	*msg = NULL;
	n = snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	if (n < 0 || (size_t)n >= sizeof path) {
		*msg = "the data folder's path is too long";
		return ERR_STORE;
	}
	rc = relay_store_prepare_files(path, msg);
	if (rc != 0)
		return rc;

	st = xcalloc(1, sizeof *st);
	st->scratch = xmalloc(RELAY_STORE_BLOB_MAX);
	/* One loop thread uses the connection: SQLite's mutexes buy nothing. */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		*msg = relay_store_why(rc);
		rc = ERR_STORE;
		goto out;
	}
	/*
	 * The file is data, not code: no triggers or views from it and no
	 * writable schema (and, below, cell sizes checked as pages are read).
	 */
	sqlite3_busy_timeout(st->db, RELAY_STORE_BUSY_MS);
	sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, RELAY_STORE_SQLITE_LENGTH);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);

	/* The first read of the file: this is where garbage shows. */
	rc = relay_store_pragma_int(st->db, "PRAGMA user_version", &version);
	if (rc != SQLITE_OK) {
		*msg = relay_store_why(rc);
		rc = ERR_STORE;
		goto out;
	}
	if (version > RELAY_STORE_SCHEMA) {
		*msg = "database was written by a newer hearth-relay";
		rc = ERR_STORE;
		goto out;
	}
	rc = sqlite3_exec(
	    st->db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(
		    st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	/*
	 * WAL with NORMAL syncs only at checkpoints: a crash can lose the
	 * last commits but never corrupts the file.
	 */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db,
		    sync_full ? "PRAGMA synchronous = FULL"
		              : "PRAGMA synchronous = NORMAL",
		    NULL, NULL, NULL);
	/*
	 * Deleted envelopes and routing data are overwritten, not left in
	 * free pages for whoever takes the disk.
	 */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(
		    st->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
	/* A burst can grow the WAL; do not keep it that big afterwards. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db,
		    "PRAGMA journal_size_limit = 16777216", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*msg = relay_store_why(rc);
		rc = ERR_STORE;
		goto out;
	}
	rc = relay_store_pragma_int(st->db,
	    "SELECT journal_mode = 'wal' FROM pragma_journal_mode", &version);
	if (rc != SQLITE_OK || version != 1) {
		*msg = "relay.db cannot be put in WAL mode";
		rc = ERR_STORE;
		goto out;
	}
	rc = relay_store_migrate(st->db, msg);
	if (rc != 0)
		goto out;
	for (i = 0; i < RELAY_STORE_Q_MAX; i++) {
		rc = sqlite3_prepare_v3(st->db, relay_store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL);
		if (rc != SQLITE_OK) {
			*msg = (rc & 0xff) == SQLITE_ERROR
			           ? "relay.db lacks the tables this "
			             "hearth-relay uses"
			           : relay_store_why(rc);
			rc = ERR_STORE;
			goto out;
		}
	}
	*out = st;
	st = NULL;
	rc = 0;
out:
	relay_store_free(st);
	return rc;
}

void
relay_store_close(struct relay_store *st)
{
	if (st == NULL)
		return;
	/* The caller that cares about the result has committed already. */
	(void)relay_store_commit(st);
	relay_store_free(st);
}

bool
relay_store_pending(const struct relay_store *st)
{
	return st->batch || st->lost;
}

int
relay_store_commit(struct relay_store *st)
{
	int rc;

	relay_store_notice_rollback(st);
	if (st->lost) {
		st->lost = false;
		return ERR_STORE;
	}
	if (!st->batch)
		return 0;
	rc = relay_store_run(st, RELAY_STORE_Q_COMMIT);
	if (rc != 0) {
		/* Not durable means not done: nothing of the batch stays. */
		if (!sqlite3_get_autocommit(st->db))
			(void)relay_store_run(st, RELAY_STORE_Q_ROLLBACK);
		rc = ERR_STORE;
	}
	st->batch = false;
	st->ops = 0;
	return rc;
}

int
relay_store_checkpoint(struct relay_store *st)
{
	int rc;

	if (relay_store_pending(st))
		return ERR_STORE;
	rc = sqlite3_wal_checkpoint_v2(
	    st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc == SQLITE_OK || rc == SQLITE_BUSY)
		return 0;
	return ERR_STORE;
}

int
relay_store_check(struct relay_store *st)
{
	const unsigned char *text;
	sqlite3_stmt *s;
	uint64_t bad = 1;
	int rc;

	rc = relay_store_q(st, RELAY_STORE_Q_INTEGRITY, &s);
	if (rc != 0)
		return rc;
	/* The first row is "ok" or the first problem found. */
	rc = ERR_STORE;
	if (sqlite3_step(s) == SQLITE_ROW) {
		text = sqlite3_column_text(s, 0);
		if (text != NULL && strcmp((const char *)text, "ok") == 0)
			rc = 0;
	}
	sqlite3_reset(s);
	if (rc != 0)
		return rc;

	/* A sound file can still break the counters the quotas rely on. */
	rc = relay_store_q(st, RELAY_STORE_Q_CONSISTENT, &s);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = relay_store_col_u64(s, 0, &bad);
	else
		rc = ERR_STORE;
	sqlite3_reset(s);
	if (rc == 0 && bad != 0)
		rc = ERR_STORE;
	return rc;
}

/* Rooms. */

/* Reads room id's keep_count and next_seq; ERR_NOTFOUND. */
static int
relay_store_room_read(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], struct relay_store_room *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	rc = relay_store_q(st, RELAY_STORE_Q_ROOM_GET, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = relay_store_col_fixed(s, 0, out->id, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_col_fixed(
			    s, 1, out->access_pub, RELAY_STORE_KEY_LEN);
		if (rc == 0)
			rc = relay_store_col_u64(s, 2, &out->keep_count);
		if (rc == 0)
			rc = relay_store_col_u64(s, 3, &out->keep_age_s);
		if (rc == 0)
			rc = relay_store_col_u64(s, 4, &out->next_seq);
		/* The key found must be the key asked for. */
		if (rc == 0 && memcmp(out->id, id, RELAY_STORE_ID_LEN) != 0)
			rc = ERR_STORE;
	} else if (rc == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else {
		rc = relay_store_err(rc);
	}
	sqlite3_reset(s);
	if (rc != 0)
		memset(out, 0, sizeof *out);
	return rc;
}

int
relay_store_room_create(
    struct relay_store *st, const struct relay_store_room *r)
{
	sqlite3_stmt *s;
	int rc;

	if (r->keep_count > INT64_MAX || r->keep_age_s > INT64_MAX)
		return ERR_TOO_BIG;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_q(st, RELAY_STORE_Q_ROOM_INSERT, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, r->id, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_blob(
		    s, 2, r->access_pub, RELAY_STORE_KEY_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 3, r->keep_count);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 4, r->keep_age_s);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0)
		rc = relay_store_count_add(st, "rooms", 1);
	return relay_store_op_end(st, rc);
}

int
relay_store_room_get(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], struct relay_store_room *out)
{
	return relay_store_room_read(st, id, out);
}

int
relay_store_room_set_key(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN],
    const uint8_t access_pub[static RELAY_STORE_KEY_LEN])
{
	sqlite3_stmt *s;
	int rc;

	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_q(st, RELAY_STORE_Q_ROOM_SET_KEY, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_blob(
		    s, 2, access_pub, RELAY_STORE_KEY_LEN);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0 && sqlite3_changes64(st->db) == 0)
		rc = ERR_NOTFOUND;
	return relay_store_op_end(st, rc);
}

int
relay_store_room_append(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], uint64_t seq, uint64_t time_s,
    const uint8_t *env, size_t len)
{
	struct relay_store_room room;
	sqlite3_stmt *s;
	int rc;

	if (len > RELAY_STORE_BLOB_MAX || time_s > INT64_MAX ||
	    seq >= INT64_MAX)
		return ERR_TOO_BIG;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_room_read(st, id, &room);
	/* A gap is allowed (see store.h); reuse never is. */
	if (rc == 0 && seq < room.next_seq)
		rc = ERR_EXISTS;
	if (rc != 0)
		goto out;

	rc = relay_store_q(st, RELAY_STORE_Q_LOG_INSERT, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, seq);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 3, time_s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 4, env, len);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc != 0)
		goto out;

	rc = relay_store_q(st, RELAY_STORE_Q_ROOM_SET_NEXT, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, seq + 1);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc != 0 || room.keep_count > seq)
		goto out;

	/*
	 * Keep the last keep_count entries. Everything older went on earlier
	 * appends, so this range holds one row at most, found by the key.
	 */
	rc = relay_store_q(st, RELAY_STORE_Q_LOG_TRIM, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, seq - room.keep_count);
	if (rc == 0)
		rc = relay_store_step_done(s);
out:
	return relay_store_op_end(st, rc);
}

/*
 * Steps s, whose rows are (seq, time_s, env), handing each to cb. Resets
 * s.
 */
static int
relay_store_walk(sqlite3_stmt *s, relay_store_env_cb *cb, void *arg)
{
	const uint8_t *env;
	uint64_t seq, time_s;
	size_t len;
	int rc;

	for (;;) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? 0 : relay_store_err(rc);
			break;
		}
		rc = relay_store_col_u64(s, 0, &seq);
		if (rc == 0)
			rc = relay_store_col_u64(s, 1, &time_s);
		if (rc == 0)
			rc = relay_store_col_blob(
			    s, 2, RELAY_STORE_BLOB_MAX, &env, &len);
		if (rc == 0)
			rc = cb(arg, seq, time_s, env, len);
		if (rc != 0)
			break;
	}
	sqlite3_reset(s);
	return rc;
}

/*
 * Runs fetch query q (a room log or a mailbox: id, after, limit) and hands
 * each row to cb.
 */
static int
relay_store_fetch(struct relay_store *st, enum relay_store_q q,
    const uint8_t id[static RELAY_STORE_ID_LEN], uint64_t after, unsigned limit,
    relay_store_env_cb *cb, void *arg)
{
	sqlite3_stmt *s;
	int rc;

	/* No sequence number or id is stored above INT64_MAX. */
	if (after > INT64_MAX)
		after = INT64_MAX;
	rc = relay_store_q(st, q, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, after);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 3, limit);
	if (rc != 0)
		return rc;
	return relay_store_walk(s, cb, arg);
}

int
relay_store_room_fetch(struct relay_store *st,
    const uint8_t id[static RELAY_STORE_ID_LEN], uint64_t after, unsigned limit,
    relay_store_env_cb *cb, void *arg)
{
	struct relay_store_room room;
	int rc;

	rc = relay_store_room_read(st, id, &room);
	if (rc != 0)
		return rc;
	return relay_store_fetch(
	    st, RELAY_STORE_Q_LOG_FETCH, id, after, limit, cb, arg);
}

int
relay_store_room_count(struct relay_store *st, uint64_t *out)
{
	return relay_store_count_get(st, "rooms", out);
}

/* Mailboxes. */

/* Adds count and bytes (negative to take away) to mbox's usage. */
static int
relay_store_usage_add(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], int64_t count, int64_t bytes)
{
	sqlite3_stmt *s;
	int rc;

	if (count > 0) {
		rc = relay_store_q(st, RELAY_STORE_Q_MBOX_ADD, &s);
		if (rc == 0)
			rc = relay_store_bind_blob(
			    s, 1, mbox, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_bind_i64(s, 2, count);
		if (rc == 0)
			rc = relay_store_bind_i64(s, 3, bytes);
		if (rc == 0)
			rc = relay_store_step_done(s);
		return rc;
	}
	rc = relay_store_q(st, RELAY_STORE_Q_MBOX_SUB, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_i64(s, 2, -count);
	if (rc == 0)
		rc = relay_store_bind_i64(s, 3, -bytes);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc != 0)
		return rc;
	/* An emptied mailbox leaves no row behind. */
	rc = relay_store_q(st, RELAY_STORE_Q_MBOX_DROP, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_step_done(s);
	return rc;
}

/* Inserts an envelope into mbox and counts it; no quota check. */
static int
relay_store_msg_insert(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t time_s,
    const uint8_t *env, size_t len, uint64_t *id)
{
	sqlite3_stmt *s;
	sqlite3_int64 rowid;
	int rc;

	*id = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_MSG_INSERT, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, time_s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 3, env, len);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc != 0)
		return rc;
	rowid = sqlite3_last_insert_rowid(st->db);
	if (rowid <= 0)
		return ERR_STORE;
	rc = relay_store_usage_add(st, mbox, 1, (int64_t)len);
	if (rc == 0)
		*id = (uint64_t)rowid;
	return rc;
}

int
relay_store_mbox_put(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t time_s,
    const uint8_t *env, size_t len, uint64_t quota_count, uint64_t quota_bytes,
    uint64_t *id)
{
	uint64_t count, bytes, newid = 0;
	int rc;

	*id = 0;
	if (len > RELAY_STORE_BLOB_MAX || time_s > INT64_MAX)
		return ERR_TOO_BIG;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_mbox_usage(st, mbox, &count, &bytes);
	if (rc == 0 && (count >= quota_count || len > quota_bytes ||
	                   bytes > quota_bytes - len))
		rc = ERR_QUOTA;
	if (rc == 0)
		rc = relay_store_msg_insert(st, mbox, time_s, env, len, &newid);
	rc = relay_store_op_end(st, rc);
	if (rc == 0)
		*id = newid;
	return rc;
}

int
relay_store_mbox_fetch(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t after,
    unsigned limit, relay_store_env_cb *cb, void *arg)
{
	return relay_store_fetch(
	    st, RELAY_STORE_Q_MSG_FETCH, mbox, after, limit, cb, arg);
}

int
relay_store_mbox_ack(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t id)
{
	sqlite3_stmt *s;
	uint64_t len = 0;
	bool found = false;
	int rc;

	/* No message has an id that large, so there is nothing to do. */
	if (id > INT64_MAX)
		return 0;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_q(st, RELAY_STORE_Q_MSG_DELETE, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, id);
	if (rc != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = true;
		rc = relay_store_col_u64(s, 0, &len);
		if (rc == 0)
			rc = relay_store_step_done(s);
	} else {
		rc = rc == SQLITE_DONE ? 0 : relay_store_err(rc);
	}
	sqlite3_reset(s);
	if (rc == 0 && found && len > RELAY_STORE_BLOB_MAX)
		rc = ERR_STORE;
	if (rc == 0 && found)
		rc = relay_store_usage_add(st, mbox, -1, -(int64_t)len);
out:
	return relay_store_op_end(st, rc);
}

int
relay_store_mbox_usage(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t *count,
    uint64_t *bytes)
{
	sqlite3_stmt *s;
	int rc;

	*count = 0;
	*bytes = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_MBOX_USAGE, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = relay_store_col_u64(s, 0, count);
		if (rc == 0)
			rc = relay_store_col_u64(s, 1, bytes);
	} else {
		rc = rc == SQLITE_DONE ? 0 : relay_store_err(rc);
	}
	sqlite3_reset(s);
	if (rc != 0) {
		*count = 0;
		*bytes = 0;
	}
	return rc;
}

/* Deletes mailbox envelopes older than cutoff, fixing each mailbox's usage. */
static int
relay_store_prune_mbox(struct relay_store *st, uint64_t cutoff, uint64_t *n)
{
	uint8_t mbox[RELAY_STORE_ID_LEN];
	sqlite3_stmt *s;
	uint64_t count, bytes;
	int rc;

	*n = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_MSG_EXPIRED, &s);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 1, cutoff);
	if (rc != 0)
		return rc;
	for (;;) {
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? 0 : relay_store_err(rc);
			break;
		}
		rc = relay_store_col_fixed(s, 0, mbox, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_col_u64(s, 1, &count);
		if (rc == 0)
			rc = relay_store_col_u64(s, 2, &bytes);
		if (rc == 0 && (count > INT64_MAX || bytes > INT64_MAX))
			rc = ERR_STORE;
		if (rc == 0)
			rc = relay_store_usage_add(
			    st, mbox, -(int64_t)count, -(int64_t)bytes);
		if (rc != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != 0)
		return rc;

	rc = relay_store_q(st, RELAY_STORE_Q_MSG_EXPIRE, &s);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 1, cutoff);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0)
		*n = (uint64_t)sqlite3_changes64(st->db);
	return rc;
}

/* Prunes each room's log of entries older than its keep_age_s. */
static int
relay_store_prune_rooms(struct relay_store *st, uint64_t now_s, uint64_t *n)
{
	uint8_t id[RELAY_STORE_ID_LEN];
	sqlite3_stmt *all, *s;
	uint64_t keep_age_s, next_seq;
	int rc;

	*n = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_ROOM_ALL, &all);
	if (rc != 0)
		return rc;
	for (;;) {
		rc = sqlite3_step(all);
		if (rc != SQLITE_ROW) {
			rc = rc == SQLITE_DONE ? 0 : relay_store_err(rc);
			break;
		}
		rc = relay_store_col_fixed(all, 0, id, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_col_u64(all, 1, &keep_age_s);
		if (rc == 0)
			rc = relay_store_col_u64(all, 2, &next_seq);
		if (rc != 0)
			break;
		/* Nothing stored is older than the epoch. */
		if (keep_age_s >= now_s)
			continue;
		rc = relay_store_q(st, RELAY_STORE_Q_LOG_EXPIRE, &s);
		if (rc == 0)
			rc =
			    relay_store_bind_blob(s, 1, id, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_bind_u64(s, 2, now_s - keep_age_s);
		if (rc == 0)
			rc = relay_store_bind_u64(s, 3, next_seq);
		if (rc == 0)
			rc = relay_store_step_done(s);
		if (rc != 0)
			break;
		*n += (uint64_t)sqlite3_changes64(st->db);
	}
	sqlite3_reset(all);
	return rc;
}

int
relay_store_prune(struct relay_store *st, uint64_t now_s, uint64_t mbox_ttl_s,
    uint64_t *deleted)
{
	uint64_t msgs = 0, entries = 0;
	int rc;

	*deleted = 0;
	/* Times are stored as SQLite integers; later is no different. */
	if (now_s > INT64_MAX)
		now_s = INT64_MAX;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	if (mbox_ttl_s < now_s)
		rc = relay_store_prune_mbox(st, now_s - mbox_ttl_s, &msgs);
	if (rc == 0)
		rc = relay_store_prune_rooms(st, now_s, &entries);
	rc = relay_store_op_end(st, rc);
	if (rc == 0)
		*deleted = msgs + entries;
	return rc;
}

/* Prekey bundles. */

int
relay_store_prekey_set(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], const uint8_t *bundle,
    size_t len)
{
	sqlite3_stmt *s;
	int rc;

	if (len > RELAY_STORE_BLOB_MAX)
		return ERR_TOO_BIG;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_q(st, RELAY_STORE_Q_BUNDLE_SET, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 2, bundle, len);
	if (rc == 0)
		rc = relay_store_step_done(s);
	return relay_store_op_end(st, rc);
}

int
relay_store_prekey_add(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], const uint8_t *keys,
    size_t n, size_t max)
{
	sqlite3_stmt *s;
	uint64_t count;
	size_t i;
	int rc;

	if (n > RELAY_STORE_BLOB_MAX / RELAY_STORE_KEY_LEN)
		return ERR_TOO_BIG;
	if (n == 0)
		return 0;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		rc = relay_store_q(st, RELAY_STORE_Q_OTK_ADD, &s);
		if (rc == 0)
			rc = relay_store_bind_blob(
			    s, 1, mbox, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_bind_blob(s, 2,
			    keys + i * RELAY_STORE_KEY_LEN,
			    RELAY_STORE_KEY_LEN);
		if (rc == 0)
			rc = relay_store_step_done(s);
	}
	/*
	 * Counting after the inserts counts duplicates once; the savepoint
	 * takes them all back if that is too many.
	 */
	if (rc == 0)
		rc = relay_store_prekey_count(st, mbox, &count);
	if (rc == 0 && count > max)
		rc = ERR_QUOTA;
	return relay_store_op_end(st, rc);
}

int
relay_store_prekey_take(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint8_t *bundle, size_t cap,
    size_t *len, uint8_t otk[static RELAY_STORE_KEY_LEN], bool *have_otk)
{
	const uint8_t *p;
	sqlite3_stmt *s;
	size_t n;
	int rc;

	*len = 0;
	*have_otk = false;
	memset(otk, 0, RELAY_STORE_KEY_LEN);
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_q(st, RELAY_STORE_Q_BUNDLE_GET, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = relay_store_col_blob(s, 0, RELAY_STORE_BLOB_MAX, &p, &n);
		if (rc == 0 && n > cap)
			rc = ERR_TOO_BIG;
		if (rc == 0 && n > 0)
			memcpy(bundle, p, n);
		if (rc == 0)
			*len = n;
	} else {
		rc = rc == SQLITE_DONE ? ERR_NOTFOUND : relay_store_err(rc);
	}
	sqlite3_reset(s);
	if (rc != 0)
		goto out;

	rc = relay_store_q(st, RELAY_STORE_Q_OTK_TAKE, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = relay_store_col_fixed(s, 0, otk, RELAY_STORE_KEY_LEN);
		if (rc == 0) {
			*have_otk = true;
			rc = relay_store_step_done(s);
		}
	} else {
		rc = rc == SQLITE_DONE ? 0 : relay_store_err(rc);
	}
	sqlite3_reset(s);
out:
	rc = relay_store_op_end(st, rc);
	if (rc != 0) {
		*len = 0;
		*have_otk = false;
		memset(otk, 0, RELAY_STORE_KEY_LEN);
	}
	return rc;
}

int
relay_store_prekey_count(struct relay_store *st,
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t *count)
{
	sqlite3_stmt *s;
	int rc;

	*count = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_OTK_COUNT, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 1, mbox, RELAY_STORE_ID_LEN);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = relay_store_col_u64(s, 0, count);
	else
		rc = relay_store_err(rc);
	sqlite3_reset(s);
	return rc;
}

/* Escrows. */

int
relay_store_escrow_put(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN],
    const uint8_t mbox[static RELAY_STORE_ID_LEN], uint64_t release_s,
    const uint8_t *env, size_t len, uint64_t max)
{
	sqlite3_stmt *s;
	uint64_t count;
	int rc;

	if (len > RELAY_STORE_BLOB_MAX || release_s > INT64_MAX)
		return ERR_TOO_BIG;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_count_get(st, "escrows", &count);
	if (rc == 0 && count >= max)
		rc = ERR_QUOTA;
	if (rc == 0)
		rc = relay_store_q(st, RELAY_STORE_Q_ESCROW_INSERT, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(
		    s, 1, cancel_hash, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 2, mbox, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 3, release_s);
	if (rc == 0)
		rc = relay_store_bind_blob(s, 4, env, len);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0)
		rc = relay_store_count_add(st, "escrows", 1);
	return relay_store_op_end(st, rc);
}

/* Deletes the escrow under cancel_hash; ERR_NOTFOUND. Inside an op. */
static int
relay_store_escrow_delete(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN])
{
	sqlite3_stmt *s;
	int rc;

	rc = relay_store_q(st, RELAY_STORE_Q_ESCROW_DELETE, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(
		    s, 1, cancel_hash, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0 && sqlite3_changes64(st->db) == 0)
		rc = ERR_NOTFOUND;
	if (rc == 0)
		rc = relay_store_count_add(st, "escrows", -1);
	return rc;
}

int
relay_store_escrow_cancel(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN])
{
	int rc;

	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_escrow_delete(st, cancel_hash);
	return relay_store_op_end(st, rc);
}

int
relay_store_escrow_extend(struct relay_store *st,
    const uint8_t cancel_hash[static RELAY_STORE_ID_LEN], uint64_t release_s)
{
	sqlite3_stmt *s;
	int rc;

	if (release_s > INT64_MAX)
		return ERR_TOO_BIG;
	rc = relay_store_op_begin(st);
	if (rc != 0)
		return rc;
	rc = relay_store_q(st, RELAY_STORE_Q_ESCROW_EXTEND, &s);
	if (rc == 0)
		rc = relay_store_bind_blob(
		    s, 1, cancel_hash, RELAY_STORE_ID_LEN);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 2, release_s);
	if (rc == 0)
		rc = relay_store_step_done(s);
	if (rc == 0 && sqlite3_changes64(st->db) == 0)
		rc = ERR_NOTFOUND;
	return relay_store_op_end(st, rc);
}

int
relay_store_escrow_next(struct relay_store *st, uint64_t *release_s)
{
	sqlite3_stmt *s;
	int rc;

	*release_s = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_ESCROW_NEXT, &s);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_NULL)
		rc = ERR_NOTFOUND;
	else if (rc == SQLITE_ROW)
		rc = relay_store_col_u64(s, 0, release_s);
	else
		rc = relay_store_err(rc);
	sqlite3_reset(s);
	return rc;
}

/*
 * Moves the earliest escrow due at now_s into its mailbox, copying mbox
 * and the envelope out (the envelope into st->scratch). ERR_NOTFOUND if
 * none is due. Inside an op.
 */
static int
relay_store_escrow_move(struct relay_store *st, uint64_t now_s,
    uint8_t mbox[static RELAY_STORE_ID_LEN], size_t *len, uint64_t *id)
{
	uint8_t hash[RELAY_STORE_ID_LEN];
	const uint8_t *env;
	sqlite3_stmt *s;
	int rc;

	*len = 0;
	*id = 0;
	rc = relay_store_q(st, RELAY_STORE_Q_ESCROW_DUE, &s);
	if (rc == 0)
		rc = relay_store_bind_u64(s, 1, now_s);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = relay_store_col_fixed(s, 0, hash, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_col_fixed(
			    s, 1, mbox, RELAY_STORE_ID_LEN);
		if (rc == 0)
			rc = relay_store_col_blob(
			    s, 2, RELAY_STORE_BLOB_MAX, &env, len);
		/* The row is deleted below, so the envelope is copied. */
		if (rc == 0)
			memcpy(st->scratch, env, *len);
	} else {
		rc = rc == SQLITE_DONE ? ERR_NOTFOUND : relay_store_err(rc);
	}
	sqlite3_reset(s);
	/*
	 * Delivered at now_s, not at release_s: after downtime an alert must
	 * still get the full mailbox TTL.
	 */
	if (rc == 0)
		rc = relay_store_msg_insert(
		    st, mbox, now_s, st->scratch, *len, id);
	if (rc == 0)
		rc = relay_store_escrow_delete(st, hash);
	return rc;
}

int
relay_store_escrow_release(struct relay_store *st, uint64_t now_s,
    relay_store_release_cb *cb, void *arg, uint64_t *released)
{
	uint8_t mbox[RELAY_STORE_ID_LEN];
	uint64_t next, id;
	size_t len;
	int rc;

	*released = 0;
	if (now_s > INT64_MAX)
		now_s = INT64_MAX;
	/* Most calls find nothing due; that needs no transaction. */
	rc = relay_store_escrow_next(st, &next);
	if (rc == ERR_NOTFOUND || (rc == 0 && next > now_s))
		return 0;
	if (rc != 0)
		return rc;
	/* One escrow per op, so cb runs with no statement of ours active. */
	for (;;) {
		rc = relay_store_op_begin(st);
		if (rc != 0)
			return rc;
		rc = relay_store_escrow_move(st, now_s, mbox, &len, &id);
		rc = relay_store_op_end(st, rc);
		if (rc == ERR_NOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		(*released)++;
		if (cb != NULL)
			cb(arg, mbox, id, now_s, st->scratch, len);
	}
}

int
relay_store_escrow_count(struct relay_store *st, uint64_t *out)
{
	return relay_store_count_get(st, "escrows", out);
}
