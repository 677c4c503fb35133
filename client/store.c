/* SPDX-License-Identifier: ISC */
/*
 * The client's encrypted local store (see store.h for the contract).
 *
 * Schema 1:
 *
 *   header   one row: Argon2id salt, ops and mem limits, the check box
 *            and a plain BLAKE2b checksum of those. The checksum is not a
 *            defence (anyone can recompute it); it tells a damaged header
 *            (ERR_STORE) from a wrong passphrase (ERR_DENIED).
 *   records  seq (order of first put) -> kind, khash, box. khash is the
 *            keyed BLAKE2b-256 of the key; box is nonce || XChaCha20-
 *            Poly1305 of (klen, vlen, key, value, padding) with AD
 *            kind || khash.
 *   logs     id (AUTOINCREMENT: never reused) -> kind, scope, box. scope
 *            is a keyed hash too; box holds (time, expires, vlen, value,
 *            padding) with AD kind || scope || id.
 *
 * Plaintexts are padded with zeros to a multiple of CSTORE_PAD bytes, so
 * the file shows a value's length only to that granularity. What the file
 * does show: how many records of each kind there are, how many log
 * entries each scope has, and in which order they were written.
 *
 * Journal: WAL in exclusive locking mode, synchronous FULL. One fsync per
 * commit (a rollback journal needs three), no -shm file (the WAL index
 * lives in heap memory, as only this connection uses the file), and a
 * crash loses only what was not committed. Old page images stay in the
 * WAL until a checkpoint, but they hold ciphertext only, and the WAL is
 * checkpointed and removed when the store closes.
 *
 * Nothing read back from the file is trusted: blob sizes are checked
 * before use, plaintexts are parsed with bounds, and anything that does
 * not decrypt is ERR_STORE.
 */
#include "client/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* "HRTC" in PRAGMA application_id: this file is a hearth client store. */
#define CSTORE_APP_ID 0x48525443
#define CSTORE_SCHEMA 1
#define CSTORE_KEY_LEN 32
#define CSTORE_HASH_LEN 32
#define CSTORE_SALT_LEN crypto_pwhash_SALTBYTES
#define CSTORE_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define CSTORE_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
/* Plaintexts are padded to a multiple of this. */
#define CSTORE_PAD 64
/* A record's plaintext starts with klen (u16) and vlen (u32). */
#define CSTORE_REC_HEAD 6
/* A log entry's plaintext starts with time, expires (u64) and vlen (u32). */
#define CSTORE_LOG_HEAD 20
/* The largest plaintext either kind of box can hold, padding included. */
#define CSTORE_PT_MAX                                                          \
	(CSTORE_LOG_HEAD + CSTORE_KEY_MAX + CSTORE_VALUE_MAX + CSTORE_PAD)
#define CSTORE_BOX_MAX (CSTORE_NONCE_LEN + CSTORE_PT_MAX + CSTORE_TAG_LEN)
/*
 * SQLite refuses strings and blobs longer than this, even from the file,
 * so a damaged length cannot make it allocate much.
 */
#define CSTORE_SQLITE_LENGTH (CSTORE_BOX_MAX + 4096)
/* Bounds on the Argon2id cost, asked for or read from the file. */
#define CSTORE_OPS_MAX 64ULL
#define CSTORE_MEM_MAX ((size_t)1 << 30)
/* The check box: this text, with this AD, under the AEAD key. */
#define CSTORE_CHECK_TEXT "hearth client store check 1"
#define CSTORE_CHECK_AD "hearth-cstore-check"
#define CSTORE_CHECK_BOX_LEN                                                   \
	(CSTORE_NONCE_LEN + sizeof CSTORE_CHECK_TEXT - 1 + CSTORE_TAG_LEN)
/* The header checksum's domain. */
#define CSTORE_SUM_DOMAIN "hearth-cstore-header"
/* crypto_kdf contexts (8 bytes each) and subkey ids. */
#define CSTORE_KDF_AEAD "cstoreAE"
#define CSTORE_KDF_INDEX "cstoreIX"
/* Domains of the keyed hash: a record's key or a log's scope. */
#define CSTORE_DOMAIN_RECORD 'r'
#define CSTORE_DOMAIN_SCOPE 's'
/* Only this process uses the file, so waiting long only hides a problem. */
#define CSTORE_BUSY_MS 100
/* SQLite's smallest page: a database file is empty or at least this. */
#define CSTORE_PAGE_MIN 512
/* Overwrite buffer of cstore_wipe(). */
#define CSTORE_WIPE_CHUNK 65536

enum cstore_q {
	CSTORE_Q_BEGIN,
	CSTORE_Q_COMMIT,
	CSTORE_Q_ROLLBACK,
	CSTORE_Q_SAVEPOINT,
	CSTORE_Q_RELEASE,
	CSTORE_Q_ROLLBACK_TO,
	CSTORE_Q_REC_PUT,
	CSTORE_Q_REC_GET,
	CSTORE_Q_REC_DEL,
	CSTORE_Q_LOG_INSERT,
	CSTORE_Q_LOG_SET,
	CSTORE_Q_LOG_DEL,
	CSTORE_Q_LOG_DROP,
	CSTORE_Q_MAX,
};

static const char *const cstore_sql[CSTORE_Q_MAX] = {
    [CSTORE_Q_BEGIN] = "BEGIN IMMEDIATE",
    [CSTORE_Q_COMMIT] = "COMMIT",
    [CSTORE_Q_ROLLBACK] = "ROLLBACK",
    [CSTORE_Q_SAVEPOINT] = "SAVEPOINT cstore_op",
    [CSTORE_Q_RELEASE] = "RELEASE cstore_op",
    [CSTORE_Q_ROLLBACK_TO] = "ROLLBACK TO cstore_op",
    /* A replaced record keeps its seq: the order is that of first put. */
    [CSTORE_Q_REC_PUT] = "INSERT INTO records (kind, khash, box)"
                         " VALUES (?1, ?2, ?3) ON CONFLICT (kind, khash)"
                         " DO UPDATE SET box = excluded.box",
    [CSTORE_Q_REC_GET] = "SELECT box FROM records WHERE kind = ?1"
                         " AND khash = ?2",
    [CSTORE_Q_REC_DEL] = "DELETE FROM records WHERE kind = ?1"
                         " AND khash = ?2",
    /*
     * The id is part of the AD, so an entry is inserted empty to get its
     * id and then filled, both inside one savepoint.
     */
    [CSTORE_Q_LOG_INSERT] = "INSERT INTO logs (kind, scope, box)"
                            " VALUES (?1, ?2, x'')",
    [CSTORE_Q_LOG_SET] = "UPDATE logs SET box = ?2 WHERE id = ?1",
    [CSTORE_Q_LOG_DEL] = "DELETE FROM logs WHERE id = ?1 AND kind = ?2",
    [CSTORE_Q_LOG_DROP] = "DELETE FROM logs WHERE id = ?1",
};

/* Walks; prepared for each call, so a callback may start another walk. */
static const char cstore_sql_rec_each[] =
    "SELECT khash, box FROM records WHERE kind = ?1 ORDER BY seq";
static const char cstore_sql_log_each[] =
    "SELECT id, box FROM logs WHERE kind = ?1 AND scope = ?2 AND id > ?3"
    " ORDER BY id";
static const char cstore_sql_log_all[] =
    "SELECT id, kind, scope, box FROM logs ORDER BY id";

static const char cstore_schema_sql[] =
    "CREATE TABLE header ("
    " one INTEGER PRIMARY KEY CHECK (one = 1),"
    " alg INTEGER NOT NULL,"
    " salt BLOB NOT NULL,"
    " ops INTEGER NOT NULL,"
    " mem INTEGER NOT NULL,"
    " check_box BLOB NOT NULL,"
    " sum BLOB NOT NULL"
    ") STRICT;"
    "CREATE TABLE records ("
    " seq INTEGER PRIMARY KEY,"
    " kind INTEGER NOT NULL,"
    " khash BLOB NOT NULL,"
    " box BLOB NOT NULL,"
    " UNIQUE (kind, khash)"
    ") STRICT;"
    "CREATE INDEX records_kind ON records (kind, seq);"
    "CREATE TABLE logs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind INTEGER NOT NULL,"
    " scope BLOB NOT NULL,"
    " box BLOB NOT NULL"
    ") STRICT;"
    "CREATE INDEX logs_scope ON logs (kind, scope, id);";

/* The subkeys, in sodium_malloc()ed memory (guard pages, mlock). */
struct cstore_keys {
	uint8_t aead[CSTORE_KEY_LEN];
	uint8_t index[CSTORE_KEY_LEN];
};

struct cstore {
	sqlite3 *db;
	sqlite3_stmt *q[CSTORE_Q_MAX];
	struct cstore_keys *keys;
	int lock_fd;
	bool batch; /* cstore_begin() opened a transaction */
	bool lost;  /* SQLite rolled the batch back; commit reports it */
	/* The soonest expiry the last walk or an append saw (0: none). */
	uint64_t next_expiry;
};

/* The header row, as read from or written to the file. */
struct cstore_header {
	uint8_t salt[CSTORE_SALT_LEN];
	uint64_t ops;
	uint64_t mem;
	uint8_t check_box[CSTORE_CHECK_BOX_LEN];
	uint8_t sum[CSTORE_HASH_LEN];
};

/* The files cstore_wipe() overwrites, and whose mode open tightens. */
static const char *const cstore_suffixes[] = {"", "-wal", "-shm", "-journal"};

static const uint8_t cstore_empty[1];

static void
cstore_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
cstore_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
cstore_put_u64(uint8_t *p, uint64_t v)
{
	cstore_put_u32(p, (uint32_t)(v >> 32));
	cstore_put_u32(p + 4, (uint32_t)v);
}

static uint16_t
cstore_get_u16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
cstore_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
cstore_get_u64(const uint8_t *p)
{
	return (uint64_t)cstore_get_u32(p) << 32 | cstore_get_u32(p + 4);
}

static bool
cstore_kind_ok(enum cstore_kind kind)
{
	return kind >= CSTORE_PERSONA && kind <= CSTORE_KIND_MAX;
}

/* Rounds a plaintext length up to the padding granularity. */
static size_t
cstore_padded(size_t len)
{
	return (len + CSTORE_PAD - 1) / CSTORE_PAD * CSTORE_PAD;
}

/* Maps a failed SQLite result to a project code. */
static int
cstore_err(int sqlrc)
{
	return (sqlrc & 0xff) == SQLITE_NOMEM ? ERR_NOMEM : ERR_STORE;
}

/* A sentence for the person at the screen on why hearth.db is unusable. */
static const char *
cstore_why(int sqlrc)
{
	switch (sqlrc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
	case SQLITE_TOOBIG:
		return "hearth.db is not a hearth store or is damaged";
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "hearth.db is read-only";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the store is open in another hearth";
	case SQLITE_FULL:
		return "the disk holding hearth.db is full";
	case SQLITE_NOMEM:
		return "out of memory while opening the store";
	case SQLITE_IOERR:
		return "input/output error on hearth.db";
	default:
		return "hearth.db could not be opened";
	}
}

/*
 * Hands out prepared statement i. None of these run a callback, so a busy
 * one means a bug; resetting it under its user would corrupt a walk.
 */
static int
cstore_q(struct cstore *st, enum cstore_q i, sqlite3_stmt **out)
{
	*out = NULL;
	if (sqlite3_stmt_busy(st->q[i]))
		return ERR_STORE;
	*out = st->q[i];
	return 0;
}

/* Runs statement s to its end, ignoring rows, and resets it. */
static int
cstore_step_done(sqlite3_stmt *s)
{
	int rc;

	do
		rc = sqlite3_step(s);
	while (rc == SQLITE_ROW);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : cstore_err(rc);
}

static int
cstore_run(struct cstore *st, enum cstore_q i)
{
	sqlite3_stmt *s;
	int rc;

	rc = cstore_q(st, i, &s);
	if (rc != 0)
		return rc;
	return cstore_step_done(s);
}

static int
cstore_bind_blob(sqlite3_stmt *s, int col, const uint8_t *p, size_t len)
{
	if (len > CSTORE_BOX_MAX)
		return ERR_TOO_BIG;
	/* A NULL pointer would bind SQL NULL, not an empty blob. */
	if (len == 0)
		p = cstore_empty;
	if (sqlite3_bind_blob(s, col, p, (int)len, SQLITE_STATIC) != SQLITE_OK)
		return ERR_STORE;
	return 0;
}

static int
cstore_bind_int(sqlite3_stmt *s, int col, int64_t v)
{
	if (sqlite3_bind_int64(s, col, v) != SQLITE_OK)
		return ERR_STORE;
	return 0;
}

/* Reads a column that must hold a positive integer. */
static int
cstore_col_id(sqlite3_stmt *s, int col, uint64_t *out)
{
	sqlite3_int64 v;

	*out = 0;
	if (sqlite3_column_type(s, col) != SQLITE_INTEGER)
		return ERR_STORE;
	v = sqlite3_column_int64(s, col);
	if (v <= 0)
		return ERR_STORE;
	*out = (uint64_t)v;
	return 0;
}

/*
 * Reads a blob column of min to max bytes. *p is borrowed until the
 * statement steps or resets.
 */
static int
cstore_col_blob(sqlite3_stmt *s, int col, size_t min, size_t max,
    const uint8_t **p, size_t *len)
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
	if (n < 0 || (size_t)n < min || (size_t)n > max)
		return ERR_STORE;
	if (v == NULL && n > 0)
		return ERR_NOMEM;
	*p = n == 0 ? cstore_empty : v;
	*len = (size_t)n;
	return 0;
}

/* Forgets the batch after SQLite rolled it back on its own. */
static void
cstore_notice_rollback(struct cstore *st)
{
	if (st->batch && sqlite3_get_autocommit(st->db)) {
		st->batch = false;
		st->lost = true;
	}
}

/*
 * Starts a write of several statements: a savepoint, which is a
 * transaction of its own outside a batch. Refused after a lost batch, so
 * a later commit cannot hide the loss.
 */
static int
cstore_op_begin(struct cstore *st)
{
	cstore_notice_rollback(st);
	if (st->lost)
		return ERR_STORE;
	return cstore_run(st, CSTORE_Q_SAVEPOINT);
}

/* Ends a write begun with cstore_op_begin(): keeps it if rc is 0. */
static int
cstore_op_end(struct cstore *st, int rc)
{
	if (rc == 0) {
		rc = cstore_run(st, CSTORE_Q_RELEASE);
		if (rc == 0)
			return 0;
	}
	/* Unless SQLite already rolled back the whole transaction. */
	if (!sqlite3_get_autocommit(st->db)) {
		(void)cstore_run(st, CSTORE_Q_ROLLBACK_TO);
		(void)cstore_run(st, CSTORE_Q_RELEASE);
	}
	cstore_notice_rollback(st);
	return rc;
}

/* Checks before a single-statement write. */
static int
cstore_write_ok(struct cstore *st)
{
	cstore_notice_rollback(st);
	return st->lost ? ERR_STORE : 0;
}

/*
 * The keyed hash that stands for a record's key or a log's scope in the
 * file: BLAKE2b-256 under the index key of (domain, kind, bytes).
 */
static void
cstore_hash(const struct cstore *st, uint8_t domain, enum cstore_kind kind,
    const uint8_t *p, size_t len, uint8_t out[static CSTORE_HASH_LEN])
{
	crypto_generichash_state h;
	uint8_t head[2];

	head[0] = domain;
	head[1] = (uint8_t)kind;
	crypto_generichash_init(
	    &h, st->keys->index, CSTORE_KEY_LEN, CSTORE_HASH_LEN);
	crypto_generichash_update(&h, head, sizeof head);
	if (len > 0)
		crypto_generichash_update(&h, p, len);
	crypto_generichash_final(&h, out, CSTORE_HASH_LEN);
	/* The state holds the index key. */
	sodium_memzero(&h, sizeof h);
}

/*
 * Seals pt (already padded) with ad into a new box (caller frees *box).
 * Wipes nothing: the caller owns pt.
 */
static void
cstore_seal(const struct cstore *st, const uint8_t *pt, size_t ptlen,
    const uint8_t *ad, size_t adlen, uint8_t **box, size_t *boxlen)
{
	uint8_t *b;

	b = xmalloc(CSTORE_NONCE_LEN + ptlen + CSTORE_TAG_LEN);
	randombytes_buf(b, CSTORE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(b + CSTORE_NONCE_LEN, NULL,
	    pt, ptlen, ad, adlen, NULL, b, st->keys->aead);
	*box = b;
	*boxlen = CSTORE_NONCE_LEN + ptlen + CSTORE_TAG_LEN;
}

/*
 * Opens box with ad into *pt (caller wipes and frees; *ptlen bytes). The
 * box comes from the file: its size is checked before anything is
 * allocated. ERR_STORE if it is malformed or does not authenticate.
 */
static int
cstore_open_box(const struct cstore *st, const uint8_t *box, size_t boxlen,
    const uint8_t *ad, size_t adlen, uint8_t **pt, size_t *ptlen)
{
	uint8_t *p;
	size_t n;

	*pt = NULL;
	*ptlen = 0;
	if (boxlen < CSTORE_NONCE_LEN + CSTORE_PAD + CSTORE_TAG_LEN ||
	    boxlen > CSTORE_BOX_MAX)
		return ERR_STORE;
	n = boxlen - CSTORE_NONCE_LEN - CSTORE_TAG_LEN;
	if (n % CSTORE_PAD != 0)
		return ERR_STORE;
	p = xmalloc(n);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(p, NULL, NULL,
	        box + CSTORE_NONCE_LEN, boxlen - CSTORE_NONCE_LEN, ad, adlen,
	        box, st->keys->aead) != 0) {
		sodium_memzero(p, n);
		free(p);
		return ERR_STORE;
	}
	*pt = p;
	*ptlen = n;
	return 0;
}

static void
cstore_wipe_free(uint8_t *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}

/* True if p[0..len) is all zero: the padding a sealer writes. */
static bool
cstore_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

static void
cstore_record_ad(enum cstore_kind kind,
    const uint8_t khash[static CSTORE_HASH_LEN],
    uint8_t ad[static 1 + CSTORE_HASH_LEN])
{
	ad[0] = (uint8_t)kind;
	memcpy(ad + 1, khash, CSTORE_HASH_LEN);
}

static void
cstore_log_ad(enum cstore_kind kind,
    const uint8_t scope[static CSTORE_HASH_LEN], uint64_t id,
    uint8_t ad[static 1 + CSTORE_HASH_LEN + 8])
{
	ad[0] = (uint8_t)kind;
	memcpy(ad + 1, scope, CSTORE_HASH_LEN);
	cstore_put_u64(ad + 1 + CSTORE_HASH_LEN, id);
}

/*
 * Splits a record's plaintext into key and value (borrowed from pt).
 * pt authenticated, but its lengths are still checked against its size.
 */
static int
cstore_record_parse(const uint8_t *pt, size_t ptlen, const uint8_t **key,
    size_t *klen, const uint8_t **val, size_t *vlen)
{
	size_t k, v;

	*key = *val = NULL;
	*klen = *vlen = 0;
	if (ptlen < CSTORE_REC_HEAD)
		return ERR_STORE;
	k = cstore_get_u16(pt);
	v = cstore_get_u32(pt + 2);
	if (k > CSTORE_KEY_MAX || v > CSTORE_VALUE_MAX)
		return ERR_STORE;
	if (ptlen - CSTORE_REC_HEAD < k || ptlen - CSTORE_REC_HEAD - k < v)
		return ERR_STORE;
	if (cstore_padded(CSTORE_REC_HEAD + k + v) != ptlen ||
	    !cstore_zero(
	        pt + CSTORE_REC_HEAD + k + v, ptlen - CSTORE_REC_HEAD - k - v))
		return ERR_STORE;
	*key = pt + CSTORE_REC_HEAD;
	*klen = k;
	*val = pt + CSTORE_REC_HEAD + k;
	*vlen = v;
	return 0;
}

/* The same for a log entry. */
static int
cstore_log_parse(const uint8_t *pt, size_t ptlen, uint64_t *time_s,
    uint64_t *expires_s, const uint8_t **val, size_t *vlen)
{
	size_t v;

	*time_s = *expires_s = 0;
	*val = NULL;
	*vlen = 0;
	if (ptlen < CSTORE_LOG_HEAD)
		return ERR_STORE;
	v = cstore_get_u32(pt + 16);
	if (v > CSTORE_VALUE_MAX || ptlen - CSTORE_LOG_HEAD < v)
		return ERR_STORE;
	if (cstore_padded(CSTORE_LOG_HEAD + v) != ptlen ||
	    !cstore_zero(pt + CSTORE_LOG_HEAD + v, ptlen - CSTORE_LOG_HEAD - v))
		return ERR_STORE;
	*time_s = cstore_get_u64(pt);
	*expires_s = cstore_get_u64(pt + 8);
	*val = pt + CSTORE_LOG_HEAD;
	*vlen = v;
	return 0;
}

/* Keys. */

/* The checksum that tells a damaged header from a wrong passphrase. */
static void
cstore_header_sum(
    const struct cstore_header *h, uint8_t out[static CSTORE_HASH_LEN])
{
	crypto_generichash_state s;
	uint8_t n[16];

	cstore_put_u64(n, h->ops);
	cstore_put_u64(n + 8, h->mem);
	crypto_generichash_init(&s, NULL, 0, CSTORE_HASH_LEN);
	crypto_generichash_update(&s, (const uint8_t *)CSTORE_SUM_DOMAIN,
	    sizeof CSTORE_SUM_DOMAIN - 1);
	crypto_generichash_update(&s, h->salt, sizeof h->salt);
	crypto_generichash_update(&s, n, sizeof n);
	crypto_generichash_update(&s, h->check_box, sizeof h->check_box);
	crypto_generichash_final(&s, out, CSTORE_HASH_LEN);
}

static bool
cstore_cost_ok(uint64_t ops, uint64_t mem)
{
	return ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= CSTORE_OPS_MAX &&
	       mem >= crypto_pwhash_MEMLIMIT_MIN && mem <= CSTORE_MEM_MAX;
}

/*
 * Derives the AEAD and index keys from the passphrase into a new
 * sodium_malloc()ed *out (free with cstore_keys_free). ERR_NOMEM if
 * Argon2id cannot get its memory.
 */
static int
cstore_keys_derive(const char *pass, size_t len, const struct cstore_header *h,
    struct cstore_keys **out)
{
	struct cstore_keys *k = NULL;
	uint8_t *master = NULL;
	int rc = ERR_NOMEM;

	*out = NULL;
	k = sodium_malloc(sizeof *k);
	master = sodium_malloc(crypto_kdf_KEYBYTES);
	if (k == NULL || master == NULL)
		goto out;
	if (crypto_pwhash(master, crypto_kdf_KEYBYTES, len > 0 ? pass : "", len,
	        h->salt, h->ops, (size_t)h->mem,
	        crypto_pwhash_ALG_ARGON2ID13) != 0)
		goto out;
	crypto_kdf_derive_from_key(
	    k->aead, sizeof k->aead, 1, CSTORE_KDF_AEAD, master);
	crypto_kdf_derive_from_key(
	    k->index, sizeof k->index, 2, CSTORE_KDF_INDEX, master);
	*out = k;
	k = NULL;
	rc = 0;
out:
	if (master != NULL) {
		sodium_memzero(master, crypto_kdf_KEYBYTES);
		sodium_free(master);
	}
	if (k != NULL) {
		sodium_memzero(k, sizeof *k);
		sodium_free(k);
	}
	return rc;
}

static void
cstore_keys_free(struct cstore_keys *k)
{
	if (k == NULL)
		return;
	sodium_memzero(k, sizeof *k);
	sodium_free(k);
}

/* Files. */

/* Joins dir and name into out; false if it does not fit. */
static bool
cstore_path(char *out, size_t cap, const char *dir, const char *name,
    const char *suffix)
{
	int n;

	n = snprintf(out, cap, "%s/%s%s", dir, name, suffix);
	return n >= 0 && (size_t)n < cap;
}

/*
 * Makes sure dir is a private folder of this user, creating it (0700) if
 * create. Returns an open descriptor of it in *dfd.
 */
static int
cstore_dir_open(const char *dir, bool create, int *dfd, const char **msg)
{
	struct stat sb;
	int fd;

	*dfd = -1;
	/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR for a link: look first. */
	if (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		*msg = "the data folder is a symbolic link";
		return ERR_STORE;
	}
	if (create && mkdir(dir, 0700) == 0) {
		/* The umask may have taken bits the owner needs. */
		if (chmod(dir, 0700) != 0) {
			*msg = "the data folder cannot be made private";
			return ERR_STORE;
		}
	} else if (create && errno != EEXIST) {
		*msg = "the data folder cannot be created";
		return ERR_STORE;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		switch (errno) {
		case ENOENT:
			*msg = "no store in this folder";
			return ERR_NOTFOUND;
		case ELOOP:
			*msg = "the data folder is a symbolic link";
			return ERR_STORE;
		case ENOTDIR:
			*msg = "the data folder is not a folder";
			return ERR_STORE;
		default:
			*msg = "the data folder cannot be opened";
			return ERR_STORE;
		}
	}
	if (fstat(fd, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		close(fd);
		*msg = "the data folder cannot be opened";
		return ERR_STORE;
	}
	if (sb.st_uid != geteuid()) {
		close(fd);
		*msg = "the data folder belongs to another user";
		return ERR_STORE;
	}
	/* Refused rather than fixed: someone else may have read it already. */
	if ((sb.st_mode & 077) != 0) {
		close(fd);
		*msg = "other users can open the data folder; "
		       "make it private (chmod 700)";
		return ERR_STORE;
	}
	*dfd = fd;
	return 0;
}

/* Takes DIR/hearth.lock for this process; UV_EBUSY if another has it. */
static int
cstore_lock(int dfd, int *lock_fd, const char **msg)
{
	int fd;

	*lock_fd = -1;
	fd = openat(
	    dfd, CSTORE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*msg = "the store's lock file cannot be opened";
		return ERR_STORE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		if (errno == EWOULDBLOCK) {
			*msg = "the store is open in another hearth";
			return UV_EBUSY;
		}
		*msg = "the store's lock file cannot be locked";
		return ERR_STORE;
	}
	*lock_fd = fd;
	return 0;
}

/*
 * Makes hearth.db exist as a private regular file before SQLite opens it
 * (SQLite would create it 0644 less the umask, and gives the WAL the
 * database's mode). Existing files are tightened to 0600 and may not be
 * symbolic links. ERR_NOTFOUND if there is no hearth.db and !create.
 * Sets *size to the size of hearth.db.
 */
static int
cstore_files_prepare(int dfd, bool create, off_t *size, const char **msg)
{
	char name[64];
	struct stat sb;
	size_t i;
	int fd, flags;

	*size = 0;
	for (i = 0; i < sizeof cstore_suffixes / sizeof cstore_suffixes[0];
	     i++) {
		if (!cstore_path(name, sizeof name, ".", CSTORE_FILE,
		        cstore_suffixes[i])) {
			*msg = "hearth.db could not be opened";
			return ERR_STORE;
		}
		/* O_NONBLOCK: a FIFO planted here must not hang hearth. */
		flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
		if (i == 0 && create)
			flags |= O_CREAT;
		fd = openat(dfd, name, flags, 0600);
		if (fd < 0 && errno == ENOENT) {
			if (i > 0)
				continue;
			*msg = "no store in this folder";
			return ERR_NOTFOUND;
		}
		if (fd < 0) {
			*msg =
			    errno == ELOOP
			        ? "hearth.db or its journal is a symbolic link"
			        : "hearth.db cannot be opened or created";
			return ERR_STORE;
		}
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			*msg = "hearth.db or its journal is not a regular file";
			return ERR_STORE;
		}
		if (i == 0)
			*size = sb.st_size;
		if ((sb.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
			close(fd);
			*msg = "hearth.db cannot be made private (mode 0600)";
			return ERR_STORE;
		}
		close(fd);
	}
	return 0;
}

/* Opening. */

/* Runs a single-integer query on the connection being opened. */
static int
cstore_query_int(sqlite3 *db, const char *sql, int64_t *out)
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
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_CORRUPT;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/* Reads the header row; ERR_STORE unless every field has its size. */
static int
cstore_header_read(sqlite3 *db, struct cstore_header *h)
{
	sqlite3_stmt *s = NULL;
	const uint8_t *p;
	size_t len;
	int rc;

	memset(h, 0, sizeof *h);
	rc = sqlite3_prepare_v2(db,
	    "SELECT alg, salt, ops, mem, check_box, sum FROM header"
	    " WHERE one = 1",
	    -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = cstore_err(rc);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? ERR_STORE : cstore_err(rc);
		goto out;
	}
	rc = ERR_STORE;
	if (sqlite3_column_type(s, 0) != SQLITE_INTEGER ||
	    sqlite3_column_int64(s, 0) != crypto_pwhash_ALG_ARGON2ID13)
		goto out;
	if (sqlite3_column_type(s, 2) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, 3) != SQLITE_INTEGER ||
	    sqlite3_column_int64(s, 2) < 0 || sqlite3_column_int64(s, 3) < 0)
		goto out;
	h->ops = (uint64_t)sqlite3_column_int64(s, 2);
	h->mem = (uint64_t)sqlite3_column_int64(s, 3);
	rc = cstore_col_blob(s, 1, sizeof h->salt, sizeof h->salt, &p, &len);
	if (rc != 0)
		goto out;
	memcpy(h->salt, p, len);
	rc = cstore_col_blob(
	    s, 4, sizeof h->check_box, sizeof h->check_box, &p, &len);
	if (rc != 0)
		goto out;
	memcpy(h->check_box, p, len);
	rc = cstore_col_blob(s, 5, sizeof h->sum, sizeof h->sum, &p, &len);
	if (rc != 0)
		goto out;
	memcpy(h->sum, p, len);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Makes a new store in the empty database: salt, keys, check box, tables
 * and header in one transaction. Sets st->keys.
 */
static int
cstore_create(struct cstore *st, const char *pass, size_t len,
    const struct cstore_cost *cost, const char **msg)
{
	struct cstore_header h;
	sqlite3_stmt *s = NULL;
	char sql[64];
	int rc;

	memset(&h, 0, sizeof h);
	randombytes_buf(h.salt, sizeof h.salt);
	h.ops = cost->ops;
	h.mem = cost->mem;
	rc = cstore_keys_derive(pass, len, &h, &st->keys);
	if (rc != 0) {
		*msg = "out of memory while deriving the store's key";
		return rc;
	}
	randombytes_buf(h.check_box, CSTORE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    h.check_box + CSTORE_NONCE_LEN, NULL,
	    (const uint8_t *)CSTORE_CHECK_TEXT, sizeof CSTORE_CHECK_TEXT - 1,
	    (const uint8_t *)CSTORE_CHECK_AD, sizeof CSTORE_CHECK_AD - 1, NULL,
	    h.check_box, st->keys->aead);
	cstore_header_sum(&h, h.sum);

	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, cstore_schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db,
		    "INSERT INTO header (one, alg, salt, ops, mem, check_box,"
		    " sum) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
		    -1, &s, NULL);
	if (rc == SQLITE_OK &&
	    (cstore_bind_int(s, 1, crypto_pwhash_ALG_ARGON2ID13) != 0 ||
	        cstore_bind_blob(s, 2, h.salt, sizeof h.salt) != 0 ||
	        cstore_bind_int(s, 3, (int64_t)h.ops) != 0 ||
	        cstore_bind_int(s, 4, (int64_t)h.mem) != 0 ||
	        cstore_bind_blob(s, 5, h.check_box, sizeof h.check_box) != 0 ||
	        cstore_bind_blob(s, 6, h.sum, sizeof h.sum) != 0))
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	/* PRAGMA takes no parameters, so the numbers go into the text. */
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
		    CSTORE_APP_ID);
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		snprintf(
		    sql, sizeof sql, "PRAGMA user_version = %d", CSTORE_SCHEMA);
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		*msg = cstore_why(rc);
		return cstore_err(rc);
	}
	return 0;
}

/* Reads the header of an existing store and derives its keys. */
static int
cstore_unlock(struct cstore *st, const char *pass, size_t len, const char **msg)
{
	struct cstore_header h;
	uint8_t sum[CSTORE_HASH_LEN];
	uint8_t text[sizeof CSTORE_CHECK_TEXT - 1];
	int rc;

	rc = cstore_header_read(st->db, &h);
	if (rc != 0) {
		*msg = "hearth.db is not a hearth store or is damaged";
		return rc == ERR_NOMEM ? rc : ERR_STORE;
	}
	cstore_header_sum(&h, sum);
	/* Checked before Argon2id: a damaged cost must not hang hearth. */
	if (memcmp(sum, h.sum, sizeof sum) != 0 ||
	    !cstore_cost_ok(h.ops, h.mem)) {
		*msg = "hearth.db is damaged";
		return ERR_STORE;
	}
	rc = cstore_keys_derive(pass, len, &h, &st->keys);
	if (rc != 0) {
		*msg = "out of memory while deriving the store's key";
		return rc;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(text, NULL, NULL,
	        h.check_box + CSTORE_NONCE_LEN,
	        sizeof h.check_box - CSTORE_NONCE_LEN,
	        (const uint8_t *)CSTORE_CHECK_AD, sizeof CSTORE_CHECK_AD - 1,
	        h.check_box, st->keys->aead) != 0 ||
	    memcmp(text, CSTORE_CHECK_TEXT, sizeof text) != 0) {
		cstore_keys_free(st->keys);
		st->keys = NULL;
		*msg = "wrong passphrase";
		return ERR_DENIED;
	}
	return 0;
}

/*
 * Sets the connection's limits and reads what the file says it is, without
 * writing: a database of another program is refused untouched.
 */
static int
cstore_inspect(sqlite3 *db, int64_t *version, int64_t *app, int64_t *tables,
    const char **msg)
{
	int rc;

	/*
	 * The file is data, not code: no triggers or views from it and no
	 * writable schema.
	 */
	sqlite3_busy_timeout(db, CSTORE_BUSY_MS);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, CSTORE_SQLITE_LENGTH);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	/*
	 * Before the first read: in exclusive mode the WAL index lives in
	 * this process's memory, so there is no -shm file.
	 */
	rc = sqlite3_exec(
	    db, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(
		    db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
	/* The first read of the file: this is where garbage shows. */
	if (rc == SQLITE_OK)
		rc = cstore_query_int(db, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = cstore_query_int(db, "PRAGMA application_id", app);
	if (rc == SQLITE_OK)
		rc = cstore_query_int(
		    db, "SELECT count(*) FROM sqlite_schema", tables);
	if (rc != SQLITE_OK) {
		*msg = cstore_why(rc);
		return cstore_err(rc);
	}
	return 0;
}

/* Sets the journal, durability and secure delete of a store. */
static int
cstore_tune(sqlite3 *db, const char **msg)
{
	static const char *const pragmas[] = {
	    "PRAGMA journal_mode = WAL",
	    "PRAGMA synchronous = FULL",
	    /* Deleted records are overwritten, not left in free pages. */
	    "PRAGMA secure_delete = ON",
	    /* Sorts and indexes being built never reach a temporary file. */
	    "PRAGMA temp_store = MEMORY",
	    /* After a burst, the WAL shrinks back at the next checkpoint. */
	    "PRAGMA journal_size_limit = 1048576",
	};
	int64_t wal;
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; rc == SQLITE_OK && i < sizeof pragmas / sizeof pragmas[0];
	     i++)
		rc = sqlite3_exec(db, pragmas[i], NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*msg = cstore_why(rc);
		return cstore_err(rc);
	}
	rc = cstore_query_int(
	    db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode", &wal);
	if (rc != SQLITE_OK || wal != 1) {
		*msg = "hearth.db cannot be put in WAL mode";
		return ERR_STORE;
	}
	return 0;
}

/* Finalizes, closes, unlocks and wipes the keys, without commit. */
static void
cstore_free(struct cstore *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < CSTORE_Q_MAX; i++)
		sqlite3_finalize(st->q[i]);
	sqlite3_close_v2(st->db);
	cstore_keys_free(st->keys);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st);
}

void
cstore_cost_default(struct cstore_cost *c)
{
	c->ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	c->mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

int
cstore_open(struct cstore **out, const char *dir, const char *pass, size_t len,
    bool create, const struct cstore_cost *cost, const char **msg)
{
	struct cstore_cost def;
	struct cstore *st = NULL;
	struct stat sb;
	char path[4096];
	off_t size = 0;
	int64_t version, app, tables;
	int dfd = -1, rc;
	size_t i;

	*out = NULL;
	*msg = NULL;
	if (cost == NULL) {
		cstore_cost_default(&def);
		cost = &def;
	}
	if (create && !cstore_cost_ok(cost->ops, cost->mem)) {
		*msg = "the key derivation cost is out of range";
		return UV_EINVAL;
	}
	if (sodium_init() < 0) {
		*msg = "the cryptography library could not start";
		return ERR_STORE;
	}
	if (!cstore_path(path, sizeof path, dir, CSTORE_FILE, "")) {
		*msg = "the data folder's path is too long";
		return ERR_STORE;
	}
	st = xcalloc(1, sizeof *st);
	st->lock_fd = -1;
	rc = cstore_dir_open(dir, create, &dfd, msg);
	if (rc != 0)
		goto out;
	/* Do not leave a lock file in a folder that holds no store. */
	if (!create &&
	    fstatat(dfd, CSTORE_FILE, &sb, AT_SYMLINK_NOFOLLOW) != 0 &&
	    errno == ENOENT) {
		*msg = "no store in this folder";
		rc = ERR_NOTFOUND;
		goto out;
	}
	rc = cstore_lock(dfd, &st->lock_fd, msg);
	if (rc == 0)
		rc = cstore_files_prepare(dfd, create, &size, msg);
	if (rc != 0)
		goto out;
	/*
	 * SQLite takes a file shorter than its header for an empty database
	 * (and would write one over it): that is a damaged store, not room
	 * for a new one.
	 */
	if (size > 0 && size < CSTORE_PAGE_MIN) {
		*msg = "hearth.db is not a hearth store or is damaged";
		rc = ERR_STORE;
		goto out;
	}

	/* One thread uses the connection: SQLite's mutexes buy nothing. */
	rc = sqlite3_open_v2(path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
	        SQLITE_OPEN_EXRESCODE,
	    NULL);
	if (rc != SQLITE_OK) {
		*msg = cstore_why(rc);
		rc = cstore_err(rc);
		goto out;
	}
	rc = cstore_inspect(st->db, &version, &app, &tables, msg);
	if (rc != 0)
		goto out;
	if (version == 0 && app == 0 && tables == 0) {
		/* An empty file: a creation that never finished, or none. */
		if (!create) {
			*msg = "no store in this folder";
			rc = ERR_NOTFOUND;
			goto out;
		}
		rc = cstore_tune(st->db, msg);
		if (rc == 0)
			rc = cstore_create(st, pass, len, cost, msg);
	} else if (app != CSTORE_APP_ID || version <= 0) {
		*msg = "hearth.db is not a hearth store or is damaged";
		rc = ERR_STORE;
	} else if (version > CSTORE_SCHEMA) {
		*msg = "hearth.db was written by a newer hearth";
		rc = ERR_STORE;
	} else {
		rc = cstore_unlock(st, pass, len, msg);
		if (rc == 0)
			rc = cstore_tune(st->db, msg);
	}
	if (rc != 0)
		goto out;
	for (i = 0; i < CSTORE_Q_MAX; i++) {
		rc = sqlite3_prepare_v3(st->db, cstore_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL);
		if (rc != SQLITE_OK) {
			*msg = "hearth.db is not a hearth store or is damaged";
			rc = cstore_err(rc);
			goto out;
		}
	}
	*out = st;
	st = NULL;
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	cstore_free(st);
	return rc;
}

void
cstore_close(struct cstore *st)
{
	if (st == NULL)
		return;
	/* The caller that cares about the result has committed already. */
	(void)cstore_commit(st);
	cstore_free(st);
}

/* Overwrites the regular file open as fd with random bytes, and syncs. */
static int
cstore_overwrite(int fd)
{
	uint8_t *buf = NULL;
	struct stat sb;
	off_t left;
	size_t n;
	ssize_t w;
	int rc = 0;

	if (fstat(fd, &sb) != 0)
		return ERR_IO;
	/* A FIFO or device planted here is only unlinked. */
	if (!S_ISREG(sb.st_mode))
		return 0;
	buf = xmalloc(CSTORE_WIPE_CHUNK);
	for (left = sb.st_size; left > 0; left -= (off_t)n) {
		n = left < CSTORE_WIPE_CHUNK ? (size_t)left : CSTORE_WIPE_CHUNK;
		randombytes_buf(buf, n);
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (w <= 0) {
			rc = ERR_IO;
			goto out;
		}
		n = (size_t)w;
	}
	if (fsync(fd) != 0)
		rc = ERR_IO;
out:
	free(buf);
	return rc;
}

/*
 * Overwrites the file name in dfd, then unlinks it even if the overwrite
 * failed: gone from view is still better than left in place. A symbolic
 * link is unlinked without touching what it points to.
 */
static int
cstore_wipe_file(int dfd, const char *name)
{
	int fd, rc = 0;

	fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == EACCES &&
	    fchmodat(dfd, name, 0600, AT_SYMLINK_NOFOLLOW) == 0)
		fd = openat(
		    dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd >= 0) {
		rc = cstore_overwrite(fd);
		close(fd);
	} else if (errno != ELOOP) {
		rc = ERR_IO;
	}
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT && rc == 0)
		rc = ERR_IO;
	return rc;
}

int
cstore_wipe(const char *dir)
{
	char name[64];
	size_t i;
	int dfd, rc = 0, r;

	if (sodium_init() < 0)
		return ERR_STORE;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : ERR_IO;
	/*
	 * No lock: this is the panic button, and it must work even while a
	 * hearth that cannot be reached holds the store. That hearth keeps
	 * writing into unlinked files, which vanish when it exits.
	 */
	for (i = 0; i < sizeof cstore_suffixes / sizeof cstore_suffixes[0];
	     i++) {
		if (!cstore_path(name, sizeof name, ".", CSTORE_FILE,
		        cstore_suffixes[i])) {
			rc = ERR_IO;
			continue;
		}
		/* Go on after a failure: wipe as much as can be wiped. */
		r = cstore_wipe_file(dfd, name);
		if (rc == 0)
			rc = r;
	}
	if (unlinkat(dfd, CSTORE_LOCK, 0) != 0 && errno != ENOENT && rc == 0)
		rc = ERR_IO;
	/* The unlinks must last too. */
	(void)fsync(dfd);
	close(dfd);
	if (rc == 0 && rmdir(dir) != 0 && errno != ENOTEMPTY &&
	    errno != EEXIST && errno != ENOENT)
		rc = ERR_IO;
	return rc;
}

/* Batches. */

int
cstore_begin(struct cstore *st)
{
	int rc;

	cstore_notice_rollback(st);
	if (st->batch || st->lost)
		return ERR_STORE;
	rc = cstore_run(st, CSTORE_Q_BEGIN);
	if (rc != 0)
		return rc;
	st->batch = true;
	return 0;
}

int
cstore_commit(struct cstore *st)
{
	int rc;

	cstore_notice_rollback(st);
	if (st->lost) {
		st->lost = false;
		return ERR_STORE;
	}
	if (!st->batch)
		return 0;
	st->batch = false;
	rc = cstore_run(st, CSTORE_Q_COMMIT);
	if (rc != 0) {
		/* Not durable means not done: nothing of the batch stays. */
		if (!sqlite3_get_autocommit(st->db))
			(void)cstore_run(st, CSTORE_Q_ROLLBACK);
		return ERR_STORE;
	}
	return 0;
}

void
cstore_rollback(struct cstore *st)
{
	if (st->batch && !sqlite3_get_autocommit(st->db))
		(void)cstore_run(st, CSTORE_Q_ROLLBACK);
	st->batch = false;
	/* The caller gave the batch up: its loss needs no report. */
	st->lost = false;
}

/* Records. */

int
cstore_put(struct cstore *st, enum cstore_kind kind, const uint8_t *key,
    size_t klen, const uint8_t *val, size_t vlen)
{
	uint8_t khash[CSTORE_HASH_LEN], ad[1 + CSTORE_HASH_LEN];
	uint8_t *pt = NULL, *box = NULL;
	size_t ptlen = 0, boxlen = 0;
	sqlite3_stmt *s;
	int rc;

	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	if (klen > CSTORE_KEY_MAX || vlen > CSTORE_VALUE_MAX)
		return ERR_TOO_BIG;
	rc = cstore_write_ok(st);
	if (rc != 0)
		return rc;
	ptlen = cstore_padded(CSTORE_REC_HEAD + klen + vlen);
	pt = xcalloc(1, ptlen);
	cstore_put_u16(pt, (uint16_t)klen);
	cstore_put_u32(pt + 2, (uint32_t)vlen);
	if (klen > 0)
		memcpy(pt + CSTORE_REC_HEAD, key, klen);
	if (vlen > 0)
		memcpy(pt + CSTORE_REC_HEAD + klen, val, vlen);
	cstore_hash(st, CSTORE_DOMAIN_RECORD, kind, key, klen, khash);
	cstore_record_ad(kind, khash, ad);
	cstore_seal(st, pt, ptlen, ad, sizeof ad, &box, &boxlen);

	rc = cstore_q(st, CSTORE_Q_REC_PUT, &s);
	if (rc == 0)
		rc = cstore_bind_int(s, 1, kind);
	if (rc == 0)
		rc = cstore_bind_blob(s, 2, khash, sizeof khash);
	if (rc == 0)
		rc = cstore_bind_blob(s, 3, box, boxlen);
	if (rc == 0)
		rc = cstore_step_done(s);
	cstore_notice_rollback(st);
	cstore_wipe_free(pt, ptlen);
	free(box);
	return rc;
}

int
cstore_get(struct cstore *st, enum cstore_kind kind, const uint8_t *key,
    size_t klen, uint8_t *val, size_t cap, size_t *vlen)
{
	uint8_t khash[CSTORE_HASH_LEN], ad[1 + CSTORE_HASH_LEN];
	const uint8_t *box, *k, *v;
	uint8_t *pt = NULL;
	size_t boxlen, ptlen = 0, kl, vl;
	sqlite3_stmt *s = NULL;
	int rc;

	*vlen = 0;
	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	if (klen > CSTORE_KEY_MAX)
		return ERR_NOTFOUND;
	cstore_hash(st, CSTORE_DOMAIN_RECORD, kind, key, klen, khash);
	rc = cstore_q(st, CSTORE_Q_REC_GET, &s);
	if (rc == 0)
		rc = cstore_bind_int(s, 1, kind);
	if (rc == 0)
		rc = cstore_bind_blob(s, 2, khash, sizeof khash);
	if (rc != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = cstore_err(rc);
		goto out;
	}
	rc = cstore_col_blob(s, 0, 0, CSTORE_BOX_MAX, &box, &boxlen);
	if (rc != 0)
		goto out;
	cstore_record_ad(kind, khash, ad);
	rc = cstore_open_box(st, box, boxlen, ad, sizeof ad, &pt, &ptlen);
	if (rc == 0)
		rc = cstore_record_parse(pt, ptlen, &k, &kl, &v, &vl);
	/* The AD binds the hash; the key inside must be the one asked. */
	if (rc == 0 && (kl != klen || (klen > 0 && memcmp(k, key, klen) != 0)))
		rc = ERR_STORE;
	if (rc != 0)
		goto out;
	*vlen = vl;
	if (vl > cap) {
		rc = ERR_TOO_BIG;
		goto out;
	}
	if (vl > 0)
		memcpy(val, v, vl);
out:
	if (s != NULL) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	cstore_wipe_free(pt, ptlen);
	return rc;
}

int
cstore_del(
    struct cstore *st, enum cstore_kind kind, const uint8_t *key, size_t klen)
{
	uint8_t khash[CSTORE_HASH_LEN];
	sqlite3_stmt *s;
	int rc;

	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	/* Nothing that long was ever stored. */
	if (klen > CSTORE_KEY_MAX)
		return 0;
	rc = cstore_write_ok(st);
	if (rc != 0)
		return rc;
	cstore_hash(st, CSTORE_DOMAIN_RECORD, kind, key, klen, khash);
	rc = cstore_q(st, CSTORE_Q_REC_DEL, &s);
	if (rc == 0)
		rc = cstore_bind_int(s, 1, kind);
	if (rc == 0)
		rc = cstore_bind_blob(s, 2, khash, sizeof khash);
	if (rc == 0)
		rc = cstore_step_done(s);
	cstore_notice_rollback(st);
	return rc;
}

int
cstore_each(
    struct cstore *st, enum cstore_kind kind, cstore_record_cb *cb, void *arg)
{
	uint8_t ad[1 + CSTORE_HASH_LEN];
	const uint8_t *khash, *box, *k, *v;
	uint8_t *pt = NULL;
	size_t hlen, boxlen, ptlen = 0, kl, vl, damaged = 0;
	sqlite3_stmt *s = NULL;
	int rc;

	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	rc = sqlite3_prepare_v2(st->db, cstore_sql_rec_each, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = cstore_err(rc);
		goto out;
	}
	rc = cstore_bind_int(s, 1, kind);
	while (rc == 0) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			rc = 0;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = cstore_err(rc);
			break;
		}
		rc = cstore_col_blob(
		    s, 0, CSTORE_HASH_LEN, CSTORE_HASH_LEN, &khash, &hlen);
		if (rc == 0)
			rc = cstore_col_blob(
			    s, 1, 0, CSTORE_BOX_MAX, &box, &boxlen);
		if (rc == 0) {
			cstore_record_ad(kind, khash, ad);
			rc = cstore_open_box(
			    st, box, boxlen, ad, sizeof ad, &pt, &ptlen);
		}
		if (rc == 0)
			rc = cstore_record_parse(pt, ptlen, &k, &kl, &v, &vl);
		if (rc == ERR_NOMEM)
			break;
		/* One damaged record hides none of the others. */
		if (rc != 0) {
			damaged++;
			rc = 0;
		} else {
			rc = cb(arg, k, kl, v, vl);
		}
		cstore_wipe_free(pt, ptlen);
		pt = NULL;
		ptlen = 0;
	}
out:
	sqlite3_finalize(s);
	cstore_wipe_free(pt, ptlen);
	if (rc == 0 && damaged > 0)
		rc = ERR_STORE;
	return rc;
}

/* Logs. */

int
cstore_log_append(struct cstore *st, enum cstore_kind kind,
    const uint8_t *scope, size_t slen, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen, uint64_t *id)
{
	uint8_t shash[CSTORE_HASH_LEN], ad[1 + CSTORE_HASH_LEN + 8];
	uint8_t *pt = NULL, *box = NULL;
	size_t ptlen = 0, boxlen = 0;
	sqlite3_stmt *s;
	sqlite3_int64 rowid = 0;
	int rc;

	*id = 0;
	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	if (slen > CSTORE_KEY_MAX || vlen > CSTORE_VALUE_MAX)
		return ERR_TOO_BIG;
	rc = cstore_op_begin(st);
	if (rc != 0)
		return rc;
	cstore_hash(st, CSTORE_DOMAIN_SCOPE, kind, scope, slen, shash);
	rc = cstore_q(st, CSTORE_Q_LOG_INSERT, &s);
	if (rc == 0)
		rc = cstore_bind_int(s, 1, kind);
	if (rc == 0)
		rc = cstore_bind_blob(s, 2, shash, sizeof shash);
	if (rc == 0)
		rc = cstore_step_done(s);
	if (rc != 0)
		goto out;
	rowid = sqlite3_last_insert_rowid(st->db);
	if (rowid <= 0) {
		rc = ERR_STORE;
		goto out;
	}

	ptlen = cstore_padded(CSTORE_LOG_HEAD + vlen);
	pt = xcalloc(1, ptlen);
	cstore_put_u64(pt, time_s);
	cstore_put_u64(pt + 8, expires_s);
	cstore_put_u32(pt + 16, (uint32_t)vlen);
	if (vlen > 0)
		memcpy(pt + CSTORE_LOG_HEAD, val, vlen);
	cstore_log_ad(kind, shash, (uint64_t)rowid, ad);
	cstore_seal(st, pt, ptlen, ad, sizeof ad, &box, &boxlen);

	rc = cstore_q(st, CSTORE_Q_LOG_SET, &s);
	if (rc == 0)
		rc = cstore_bind_int(s, 1, rowid);
	if (rc == 0)
		rc = cstore_bind_blob(s, 2, box, boxlen);
	if (rc == 0)
		rc = cstore_step_done(s);
	if (rc == 0 && sqlite3_changes(st->db) != 1)
		rc = ERR_STORE;
out:
	rc = cstore_op_end(st, rc);
	if (rc == 0) {
		*id = (uint64_t)rowid;
		if (expires_s != 0 &&
		    (st->next_expiry == 0 || expires_s < st->next_expiry))
			st->next_expiry = expires_s;
	}
	cstore_wipe_free(pt, ptlen);
	free(box);
	return rc;
}

int
cstore_log_each(struct cstore *st, enum cstore_kind kind, const uint8_t *scope,
    size_t slen, uint64_t after, cstore_log_cb *cb, void *arg)
{
	uint8_t shash[CSTORE_HASH_LEN], ad[1 + CSTORE_HASH_LEN + 8];
	const uint8_t *box, *v;
	uint8_t *pt = NULL;
	size_t boxlen, ptlen = 0, vl, damaged = 0;
	uint64_t id, t, e;
	sqlite3_stmt *s = NULL;
	int rc;

	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	/* No entry has such a scope or such an id. */
	if (slen > CSTORE_KEY_MAX || after >= INT64_MAX)
		return 0;
	cstore_hash(st, CSTORE_DOMAIN_SCOPE, kind, scope, slen, shash);
	rc = sqlite3_prepare_v2(st->db, cstore_sql_log_each, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = cstore_err(rc);
		goto out;
	}
	rc = cstore_bind_int(s, 1, kind);
	if (rc == 0)
		rc = cstore_bind_blob(s, 2, shash, sizeof shash);
	if (rc == 0)
		rc = cstore_bind_int(s, 3, (int64_t)after);
	while (rc == 0) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			rc = 0;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = cstore_err(rc);
			break;
		}
		rc = cstore_col_id(s, 0, &id);
		if (rc == 0)
			rc = cstore_col_blob(
			    s, 1, 0, CSTORE_BOX_MAX, &box, &boxlen);
		if (rc == 0) {
			cstore_log_ad(kind, shash, id, ad);
			rc = cstore_open_box(
			    st, box, boxlen, ad, sizeof ad, &pt, &ptlen);
		}
		if (rc == 0)
			rc = cstore_log_parse(pt, ptlen, &t, &e, &v, &vl);
		if (rc == ERR_NOMEM)
			break;
		/* One damaged entry hides none of the others. */
		if (rc != 0) {
			damaged++;
			rc = 0;
		} else {
			rc = cb(arg, id, t, e, v, vl);
		}
		cstore_wipe_free(pt, ptlen);
		pt = NULL;
		ptlen = 0;
	}
out:
	sqlite3_finalize(s);
	cstore_wipe_free(pt, ptlen);
	if (rc == 0 && damaged > 0)
		rc = ERR_STORE;
	return rc;
}

int
cstore_log_del(struct cstore *st, enum cstore_kind kind, uint64_t id)
{
	sqlite3_stmt *s;
	int rc;

	if (!cstore_kind_ok(kind))
		return UV_EINVAL;
	if (id == 0 || id > INT64_MAX)
		return 0;
	rc = cstore_write_ok(st);
	if (rc != 0)
		return rc;
	rc = cstore_q(st, CSTORE_Q_LOG_DEL, &s);
	if (rc == 0)
		rc = cstore_bind_int(s, 1, (int64_t)id);
	if (rc == 0)
		rc = cstore_bind_int(s, 2, kind);
	if (rc == 0)
		rc = cstore_step_done(s);
	cstore_notice_rollback(st);
	return rc;
}

/*
 * Collects the ids of expired entries into *ids (caller frees; *n of
 * them). The times are inside the boxes, so every entry is opened. One
 * that does not is left alone and counted in *damaged.
 */
static int
cstore_expired(struct cstore *st, uint64_t now_s, uint64_t **ids, size_t *n,
    size_t *damaged)
{
	uint8_t ad[1 + CSTORE_HASH_LEN + 8];
	const uint8_t *scope, *box, *v;
	uint64_t *list = NULL;
	uint8_t *pt = NULL;
	size_t cap = 0, count = 0, slen, boxlen, ptlen = 0, vl;
	uint64_t id, t, e;
	sqlite3_int64 kind;
	sqlite3_stmt *s = NULL;
	uint64_t next;
	int rc;

	*ids = NULL;
	*n = 0;
	*damaged = 0;
	next = 0;
	rc = sqlite3_prepare_v2(st->db, cstore_sql_log_all, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = cstore_err(rc);
		goto out;
	}
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE) {
			rc = 0;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = cstore_err(rc);
			break;
		}
		kind = sqlite3_column_int64(s, 1);
		if (cstore_col_id(s, 0, &id) != 0 ||
		    sqlite3_column_type(s, 1) != SQLITE_INTEGER ||
		    kind < CSTORE_PERSONA || kind > CSTORE_KIND_MAX ||
		    cstore_col_blob(s, 2, CSTORE_HASH_LEN, CSTORE_HASH_LEN,
		        &scope, &slen) != 0 ||
		    cstore_col_blob(s, 3, 0, CSTORE_BOX_MAX, &box, &boxlen) !=
		        0) {
			(*damaged)++;
			continue;
		}
		cstore_log_ad((enum cstore_kind)kind, scope, id, ad);
		if (cstore_open_box(
		        st, box, boxlen, ad, sizeof ad, &pt, &ptlen) != 0 ||
		    cstore_log_parse(pt, ptlen, &t, &e, &v, &vl) != 0) {
			(*damaged)++;
		} else if (e > now_s) {
			if (next == 0 || e < next)
				next = e;
		} else if (e != 0) {
			if (count == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				list = xreallocarray(list, cap, sizeof *list);
			}
			list[count++] = id;
		}
		cstore_wipe_free(pt, ptlen);
		pt = NULL;
		ptlen = 0;
	}
out:
	sqlite3_finalize(s);
	if (rc != 0) {
		free(list);
		return rc;
	}
	/* Only a whole walk knows the soonest: a failed one keeps the old
	 * value, which may be early, never late. */
	st->next_expiry = next;
	*ids = list;
	*n = count;
	return 0;
}

uint64_t
cstore_next_expiry(const struct cstore *st)
{
	return st->next_expiry;
}

int
cstore_expire(struct cstore *st, uint64_t now_s, uint64_t *deleted)
{
	uint64_t *ids = NULL;
	size_t n = 0, damaged = 0, i;
	sqlite3_stmt *s;
	int rc;

	*deleted = 0;
	rc = cstore_write_ok(st);
	if (rc != 0)
		return rc;
	/*
	 * Collected first: SQLite leaves undefined what a walk sees of rows
	 * deleted under it.
	 */
	rc = cstore_expired(st, now_s, &ids, &n, &damaged);
	if (rc != 0 || n == 0)
		goto out;
	rc = cstore_op_begin(st);
	if (rc != 0)
		goto out;
	for (i = 0; rc == 0 && i < n; i++) {
		rc = cstore_q(st, CSTORE_Q_LOG_DROP, &s);
		if (rc == 0)
			rc = cstore_bind_int(s, 1, (int64_t)ids[i]);
		if (rc == 0)
			rc = cstore_step_done(s);
	}
	rc = cstore_op_end(st, rc);
	if (rc == 0)
		*deleted = n;
	/*
	 * secure_delete overwrote the rows in the database, but the pages
	 * that held them stay in the write-ahead log until it is truncated:
	 * do that now, unless a batch is open (then its commit comes first
	 * and the next expiry truncates).
	 */
	if (rc == 0 && !st->batch)
		(void)sqlite3_wal_checkpoint_v2(
		    st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
out:
	free(ids);
	/* What could be expired was; a damaged entry is still reported. */
	if (rc == 0 && damaged > 0)
		rc = ERR_STORE;
	return rc;
}
