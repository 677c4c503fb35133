/* SPDX-License-Identifier: ISC */
/*
 * Tests for client/store.c: each case gets a fresh data folder under /tmp
 * and the cheapest Argon2id cost (one case proves the default works).
 * Beyond the contract in store.h they check what a seized device shows:
 * the modes of the files, that no name or message text is in any file,
 * that a value cannot be moved to another record, that wipe overwrites
 * before it unlinks, and that a damaged or hostile hearth.db is refused
 * rather than trusted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/store.h"
#include "common/err.h"
#include "tests/unit/cm.h"

#define PASS "correct horse battery staple"
#define GOT_MAX 64

static const struct cstore_cost cheap = {
    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

struct fx {
	char dir[64];
	char path[128];
	struct cstore *st;
};

/* What a record walk saw. */
struct recs {
	size_t n;
	char key[GOT_MAX][32];
	char val[GOT_MAX][32];
	size_t stop_after; /* return ERR_QUOTA after this many; 0: never */
};

/* What a log walk saw. */
struct ents {
	size_t n;
	uint64_t id[GOT_MAX];
	uint64_t time_s[GOT_MAX];
	uint64_t expires_s[GOT_MAX];
	char val[GOT_MAX][32];
};

static void
tmpdir_make(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/hearth-cstore-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void
tmpdir_remove(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static struct cstore *
open_ok(const char *dir, bool create)
{
	struct cstore *st = NULL;
	const char *msg = "unset";

	assert_int_equal(
	    cstore_open(&st, dir, PASS, strlen(PASS), create, &cheap, &msg), 0);
	assert_non_null(st);
	assert_null(msg);
	return st;
}

/* Opens and expects code rc with a message; returns the message. */
static const char *
open_fails(const char *dir, const char *pass, bool create, int rc)
{
	struct cstore *st = (struct cstore *)&st;
	const char *msg = NULL;

	assert_int_equal(
	    cstore_open(&st, dir, pass, strlen(pass), create, &cheap, &msg),
	    rc);
	assert_null(st);
	assert_non_null(msg);
	assert_true(strlen(msg) > 0);
	return msg;
}

static int
fx_setup(void **state)
{
	struct fx *f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	tmpdir_make(f->dir, sizeof f->dir);
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, CSTORE_FILE);
	f->st = open_ok(f->dir, true);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	cstore_close(f->st);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void
fx_reopen(struct fx *f)
{
	cstore_close(f->st);
	f->st = open_ok(f->dir, false);
}

static int
put_str(struct cstore *st, enum cstore_kind kind, const char *k, const char *v)
{
	return cstore_put(st, kind, (const uint8_t *)k, strlen(k),
	    (const uint8_t *)v, strlen(v));
}

/* Gets (kind, k) as a string into out (cap bytes); returns the code. */
static int
get_str(struct cstore *st, enum cstore_kind kind, const char *k, char *out,
    size_t cap)
{
	size_t len = 99;
	int rc;

	memset(out, 0, cap);
	rc = cstore_get(st, kind, (const uint8_t *)k, strlen(k), (uint8_t *)out,
	    cap - 1, &len);
	if (rc != 0 && rc != ERR_TOO_BIG)
		assert_int_equal(len, 0);
	return rc;
}

static uint64_t
append_str(struct cstore *st, enum cstore_kind kind, const char *scope,
    uint64_t time_s, uint64_t expires_s, const char *v)
{
	uint64_t id = 0;

	assert_int_equal(
	    cstore_log_append(st, kind, (const uint8_t *)scope, strlen(scope),
	        time_s, expires_s, (const uint8_t *)v, strlen(v), &id),
	    0);
	assert_true(id > 0);
	return id;
}

static void
copy_str(char *dst, size_t cap, const uint8_t *p, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

static int
recs_cb(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct recs *r = arg;

	if (r->n >= GOT_MAX)
		return ERR_TOO_BIG;
	copy_str(r->key[r->n], sizeof r->key[0], key, klen);
	copy_str(r->val[r->n], sizeof r->val[0], val, vlen);
	r->n++;
	if (r->stop_after != 0 && r->n == r->stop_after)
		return ERR_QUOTA;
	return 0;
}

static int
ents_cb(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct ents *e = arg;

	if (e->n >= GOT_MAX)
		return ERR_TOO_BIG;
	e->id[e->n] = id;
	e->time_s[e->n] = time_s;
	e->expires_s[e->n] = expires_s;
	copy_str(e->val[e->n], sizeof e->val[0], val, vlen);
	e->n++;
	return 0;
}

static int
log_walk(struct cstore *st, enum cstore_kind kind, const char *scope,
    uint64_t after, struct ents *e)
{
	memset(e, 0, sizeof *e);
	return cstore_log_each(
	    st, kind, (const uint8_t *)scope, strlen(scope), after, ents_cb, e);
}

/* Runs SQL on hearth.db behind the store's back, as a damaged disk would. */
static void
tamper(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
write_file(const char *path, const uint8_t *p, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Reads all of path into *out (caller frees). */
static size_t
read_file(const char *path, uint8_t **out)
{
	struct stat sb;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	*out = malloc((size_t)sb.st_size + 1);
	assert_non_null(*out);
	assert_int_equal(read(fd, *out, (size_t)sb.st_size), sb.st_size);
	close(fd);
	return (size_t)sb.st_size;
}

static bool
has_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t i;

	for (i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

/* True if p holds s as ASCII, UTF-16LE, UTF-16BE or lowercase hex. */
static bool
has_text(const uint8_t *p, size_t n, const char *s)
{
	uint8_t wide[128];
	char hex[128];
	size_t m = strlen(s), i;

	assert_true(2 * m <= sizeof wide);
	if (has_bytes(p, n, (const uint8_t *)s, m))
		return true;
	for (i = 0; i < m; i++) {
		wide[2 * i] = (uint8_t)s[i];
		wide[2 * i + 1] = 0;
	}
	if (has_bytes(p, n, wide, 2 * m) ||
	    has_bytes(p, n, wide + 1, 2 * m - 1))
		return true;
	assert_true(2 * m < sizeof hex);
	for (i = 0; i < m; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)s[i]);
	return has_bytes(p, n, (const uint8_t *)hex, 2 * m);
}

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
test_create_and_reopen(void **state)
{
	char dir[64], path[128], out[64];
	struct cstore *st;

	tmpdir_make(dir, sizeof dir);
	st = open_ok(dir, true);
	assert_int_equal(put_str(st, CSTORE_SETTING, "theme", "dark"), 0);
	cstore_close(st);
	st = open_ok(dir, false);
	assert_int_equal(
	    get_str(st, CSTORE_SETTING, "theme", out, sizeof out), 0);
	assert_string_equal(out, "dark");
	cstore_close(st);
	/* create on an existing store opens it and keeps what it holds. */
	st = open_ok(dir, true);
	assert_int_equal(
	    get_str(st, CSTORE_SETTING, "theme", out, sizeof out), 0);
	assert_string_equal(out, "dark");
	cstore_close(st);
	cstore_close(NULL);
	/* A clean close leaves the database and the lock, no journal. */
	snprintf(path, sizeof path, "%s/%s-wal", dir, CSTORE_FILE);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof path, "%s/%s-shm", dir, CSTORE_FILE);
	assert_int_not_equal(access(path, F_OK), 0);
	tmpdir_remove(dir);
}

static void
test_wrong_passphrase(void **state)
{
	struct fx *f = *state;
	char out[64];

	assert_int_equal(put_str(f->st, CSTORE_SETTING, "k", "v"), 0);
	cstore_close(f->st);
	f->st = NULL;
	assert_string_equal(open_fails(f->dir, "correct horse battery stapl",
	                        false, ERR_DENIED),
	    "wrong passphrase");
	assert_string_equal(
	    open_fails(f->dir, "", true, ERR_DENIED), "wrong passphrase");
	/* A refused open leaves the store as it was. */
	f->st = open_ok(f->dir, false);
	assert_int_equal(
	    get_str(f->st, CSTORE_SETTING, "k", out, sizeof out), 0);
	assert_string_equal(out, "v");
}

static void
test_missing_store(void **state)
{
	char dir[64], sub[96], lock[128];
	struct stat sb;

	tmpdir_make(dir, sizeof dir);
	snprintf(sub, sizeof sub, "%s/none", dir);
	assert_string_equal(open_fails(sub, PASS, false, ERR_NOTFOUND),
	    "no store in this folder");
	assert_int_not_equal(stat(sub, &sb), 0);
	/* An empty folder holds no store either, and gets no lock file. */
	open_fails(dir, PASS, false, ERR_NOTFOUND);
	snprintf(lock, sizeof lock, "%s/%s", dir, CSTORE_LOCK);
	assert_int_not_equal(stat(lock, &sb), 0);
	/* Nor does an empty hearth.db: a creation that never finished. */
	snprintf(lock, sizeof lock, "%s/%s", dir, CSTORE_FILE);
	write_file(lock, (const uint8_t *)"", 0);
	open_fails(dir, PASS, false, ERR_NOTFOUND);
	tmpdir_remove(dir);
	/* The parent must exist. */
	open_fails("/tmp/hearth-cstore-no-such/x", PASS, true, ERR_STORE);
}

static void
test_private_modes(void **state)
{
	char dir[64], sub[96], path[128], alias[128];
	struct cstore *st;
	struct stat sb;
	mode_t old;

	/* A permissive umask must not leak into any mode. */
	old = umask(0);
	tmpdir_make(dir, sizeof dir);
	snprintf(sub, sizeof sub, "%s/data", dir);
	st = open_ok(sub, true);
	assert_int_equal(put_str(st, CSTORE_SETTING, "a", "b"), 0);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	snprintf(path, sizeof path, "%s/%s", sub, CSTORE_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(path, sizeof path, "%s/%s-wal", sub, CSTORE_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(path, sizeof path, "%s/%s", sub, CSTORE_LOCK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	cstore_close(st);
	umask(old);

	/* A database left readable is tightened. */
	snprintf(path, sizeof path, "%s/%s", sub, CSTORE_FILE);
	assert_int_equal(chmod(path, 0644), 0);
	cstore_close(open_ok(sub, false));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);

	/* A folder others can enter is refused, not silently fixed. */
	assert_int_equal(chmod(sub, 0750), 0);
	assert_non_null(
	    strstr(open_fails(sub, PASS, false, ERR_STORE), "make it private"));
	assert_int_equal(chmod(sub, 0701), 0);
	open_fails(sub, PASS, true, ERR_STORE);
	assert_int_equal(chmod(sub, 0700), 0);

	/* So is a folder reached through a symbolic link. */
	snprintf(alias, sizeof alias, "%s/link", dir);
	assert_int_equal(symlink(sub, alias), 0);
	assert_string_equal(open_fails(alias, PASS, false, ERR_STORE),
	    "the data folder is a symbolic link");
	unlink(alias);

	/* And a hearth.db that is a symbolic link. */
	snprintf(alias, sizeof alias, "%s/elsewhere.db", sub);
	assert_int_equal(rename(path, alias), 0);
	assert_int_equal(symlink(alias, path), 0);
	open_fails(sub, PASS, false, ERR_STORE);
	tmpdir_remove(sub);
	tmpdir_remove(dir);
}

static void
test_records(void **state)
{
	struct fx *f = *state;
	struct recs r;
	char out[64];
	uint8_t small[3];
	size_t len = 0;

	assert_int_equal(put_str(f->st, CSTORE_ROOM, "p|room-b", "B1"), 0);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "p|room-a", "A1"), 0);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "p|room-c", "C1"), 0);
	/* Same key, other kind: another record. */
	assert_int_equal(
	    put_str(f->st, CSTORE_CONTACT, "p|room-a", "contact"), 0);
	assert_int_equal(
	    get_str(f->st, CSTORE_ROOM, "p|room-a", out, sizeof out), 0);
	assert_string_equal(out, "A1");
	assert_int_equal(
	    get_str(f->st, CSTORE_CONTACT, "p|room-a", out, sizeof out), 0);
	assert_string_equal(out, "contact");
	assert_int_equal(
	    get_str(f->st, CSTORE_ROOM, "p|room-z", out, sizeof out),
	    ERR_NOTFOUND);

	/* Replace keeps the record's place; delete and put moves it last. */
	assert_int_equal(
	    put_str(f->st, CSTORE_ROOM, "p|room-b", "B2 longer"), 0);
	assert_int_equal(
	    cstore_del(f->st, CSTORE_ROOM, (const uint8_t *)"p|room-a", 8), 0);
	assert_int_equal(
	    cstore_del(f->st, CSTORE_ROOM, (const uint8_t *)"p|room-a", 8), 0);
	assert_int_equal(
	    get_str(f->st, CSTORE_ROOM, "p|room-a", out, sizeof out),
	    ERR_NOTFOUND);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "p|room-a", "A2"), 0);
	fx_reopen(f);
	memset(&r, 0, sizeof r);
	assert_int_equal(cstore_each(f->st, CSTORE_ROOM, recs_cb, &r), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.key[0], "p|room-b");
	assert_string_equal(r.val[0], "B2 longer");
	assert_string_equal(r.key[1], "p|room-c");
	assert_string_equal(r.key[2], "p|room-a");
	assert_string_equal(r.val[2], "A2");
	memset(&r, 0, sizeof r);
	assert_int_equal(cstore_each(f->st, CSTORE_SEEN, recs_cb, &r), 0);
	assert_int_equal(r.n, 0);
	/* The callback's code stops the walk and comes back. */
	memset(&r, 0, sizeof r);
	r.stop_after = 2;
	assert_int_equal(
	    cstore_each(f->st, CSTORE_ROOM, recs_cb, &r), ERR_QUOTA);
	assert_int_equal(r.n, 2);

	/* Too small a buffer says how much is needed. */
	assert_int_equal(
	    cstore_get(f->st, CSTORE_ROOM, (const uint8_t *)"p|room-b", 8,
	        small, sizeof small, &len),
	    ERR_TOO_BIG);
	assert_int_equal(len, 9);
	assert_int_equal(cstore_get(f->st, CSTORE_ROOM,
	                     (const uint8_t *)"p|room-b", 8, NULL, 0, &len),
	    ERR_TOO_BIG);
	assert_int_equal(len, 9);

	/* Empty values and keys are values and keys. */
	assert_int_equal(
	    cstore_put(f->st, CSTORE_SETTING, NULL, 0, NULL, 0), 0);
	len = 99;
	assert_int_equal(
	    cstore_get(f->st, CSTORE_SETTING, NULL, 0, small, 0, &len), 0);
	assert_int_equal(len, 0);

	/* Kinds outside the enum are refused. */
	assert_int_equal(put_str(f->st, 0, "k", "v"), UV_EINVAL);
	assert_int_equal(
	    put_str(f->st, CSTORE_KIND_MAX + 1, "k", "v"), UV_EINVAL);
}

static void
test_bounds(void **state)
{
	struct fx *f = *state;
	static uint8_t big[CSTORE_VALUE_MAX + 1];
	uint8_t key[CSTORE_KEY_MAX + 1];
	size_t len = 5;
	uint64_t id = 5;

	memset(key, 'k', sizeof key);
	memset(big, 'v', sizeof big);
	assert_int_equal(
	    cstore_put(f->st, CSTORE_SETTING, key, sizeof key, big, 1),
	    ERR_TOO_BIG);
	assert_int_equal(
	    cstore_put(f->st, CSTORE_SETTING, key, 1, big, sizeof big),
	    ERR_TOO_BIG);
	assert_int_equal(cstore_log_append(f->st, CSTORE_HISTORY, key, 1, 1, 0,
	                     big, sizeof big, &id),
	    ERR_TOO_BIG);
	assert_int_equal(id, 0);
	assert_int_equal(cstore_log_append(f->st, CSTORE_HISTORY, key,
	                     sizeof key, 1, 0, big, 1, &id),
	    ERR_TOO_BIG);
	assert_int_equal(
	    cstore_get(f->st, CSTORE_SETTING, key, sizeof key, big, 1, &len),
	    ERR_NOTFOUND);
	assert_int_equal(len, 0);

	/* The bounds themselves are fine, and come back whole. */
	big[CSTORE_VALUE_MAX - 1] = 'z';
	assert_int_equal(cstore_put(f->st, CSTORE_SETTING, key, CSTORE_KEY_MAX,
	                     big, CSTORE_VALUE_MAX),
	    0);
	assert_int_equal(cstore_log_append(f->st, CSTORE_HISTORY, key,
	                     CSTORE_KEY_MAX, 1, 0, big, CSTORE_VALUE_MAX, &id),
	    0);
	fx_reopen(f);
	memset(big, 0, sizeof big);
	assert_int_equal(cstore_get(f->st, CSTORE_SETTING, key, CSTORE_KEY_MAX,
	                     big, sizeof big, &len),
	    0);
	assert_int_equal(len, CSTORE_VALUE_MAX);
	assert_int_equal(big[0], 'v');
	assert_int_equal(big[CSTORE_VALUE_MAX - 1], 'z');
}

static void
test_value_bound_to_its_record(void **state)
{
	struct fx *f = *state;
	struct recs r;
	char out[64];

	assert_int_equal(put_str(f->st, CSTORE_CONTACT, "alice", "trusted"), 0);
	assert_int_equal(
	    put_str(f->st, CSTORE_CONTACT, "mallory", "blocked"), 0);
	assert_int_equal(put_str(f->st, CSTORE_CONTACT, "bob", "friend"), 0);
	assert_int_equal(
	    get_str(f->st, CSTORE_CONTACT, "alice", out, sizeof out), 0);
	assert_string_equal(out, "trusted");
	cstore_close(f->st);
	f->st = NULL;
	/* Swap the two ciphertexts: each row now holds the other's value. */
	tamper(f->path, "CREATE TEMP TABLE t AS SELECT seq, box FROM records;"
	                "UPDATE records SET box = (SELECT box FROM t"
	                " WHERE t.seq = 3 - records.seq) WHERE seq IN (1, 2);");
	f->st = open_ok(f->dir, false);
	assert_int_equal(
	    get_str(f->st, CSTORE_CONTACT, "alice", out, sizeof out),
	    ERR_STORE);
	assert_int_equal(
	    get_str(f->st, CSTORE_CONTACT, "mallory", out, sizeof out),
	    ERR_STORE);
	/* The walk skips them, shows the rest, and reports the damage. */
	memset(&r, 0, sizeof r);
	assert_int_equal(
	    cstore_each(f->st, CSTORE_CONTACT, recs_cb, &r), ERR_STORE);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.key[0], "bob");
	assert_string_equal(r.val[0], "friend");
	/* A callback's own code still wins. */
	memset(&r, 0, sizeof r);
	r.stop_after = 1;
	assert_int_equal(
	    cstore_each(f->st, CSTORE_CONTACT, recs_cb, &r), ERR_QUOTA);
	cstore_close(f->st);
	f->st = NULL;

	/* Moving a row to another kind breaks it too. */
	tamper(f->path, "DELETE FROM records;");
	f->st = open_ok(f->dir, false);
	assert_int_equal(put_str(f->st, CSTORE_CONTACT, "alice", "trusted"), 0);
	cstore_close(f->st);
	f->st = NULL;
	tamper(f->path, "UPDATE records SET kind = 3");
	f->st = open_ok(f->dir, false);
	memset(&r, 0, sizeof r);
	assert_int_equal(
	    cstore_each(f->st, CSTORE_ROOM, recs_cb, &r), ERR_STORE);
	assert_int_equal(r.n, 0);
}

static void
test_logs(void **state)
{
	struct fx *f = *state;
	uint64_t a1, a2, b1, a3, a4;
	struct ents e;

	a1 = append_str(f->st, CSTORE_HISTORY, "p|room-a", 100, 0, "hello");
	b1 = append_str(f->st, CSTORE_HISTORY, "p|room-b", 101, 0, "other");
	a2 = append_str(f->st, CSTORE_HISTORY, "p|room-a", 102, 500, "there");
	a3 = append_str(f->st, CSTORE_HISTORY, "p|room-a", 103, 0, "you");
	/* Same scope, other kind: another log. */
	append_str(f->st, CSTORE_OUTBOX, "p|room-a", 104, 0, "queued");
	assert_true(a1 < b1 && b1 < a2 && a2 < a3);

	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "p|room-a", 0, &e), 0);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.id[0], a1);
	assert_int_equal(e.id[1], a2);
	assert_int_equal(e.id[2], a3);
	assert_int_equal(e.time_s[1], 102);
	assert_int_equal(e.expires_s[1], 500);
	assert_string_equal(e.val[0], "hello");
	assert_string_equal(e.val[2], "you");
	assert_int_equal(
	    log_walk(f->st, CSTORE_HISTORY, "p|room-a", a1, &e), 0);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.id[0], a2);
	assert_int_equal(
	    log_walk(f->st, CSTORE_HISTORY, "p|room-a", a3, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(
	    log_walk(f->st, CSTORE_HISTORY, "p|room-a", UINT64_MAX, &e), 0);
	assert_int_equal(e.n, 0);
	assert_int_equal(log_walk(f->st, CSTORE_OUTBOX, "p|room-a", 0, &e), 0);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.val[0], "queued");
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "p|room-z", 0, &e), 0);
	assert_int_equal(e.n, 0);

	/* Delete is by kind and id; the wrong kind deletes nothing. */
	assert_int_equal(cstore_log_del(f->st, CSTORE_OUTBOX, a2), 0);
	assert_int_equal(cstore_log_del(f->st, CSTORE_HISTORY, a2), 0);
	assert_int_equal(cstore_log_del(f->st, CSTORE_HISTORY, a2), 0);
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "p|room-a", 0, &e), 0);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.id[1], a3);

	/* Ids keep growing after the newest is deleted, across a reopen. */
	a4 = append_str(f->st, CSTORE_HISTORY, "p|room-a", 105, 0, "new");
	assert_int_equal(cstore_log_del(f->st, CSTORE_HISTORY, a4), 0);
	fx_reopen(f);
	assert_true(
	    append_str(f->st, CSTORE_HISTORY, "p|room-a", 106, 0, "x") > a4);
}

struct walker {
	struct cstore *st;
	size_t n;
};

/* Deletes each record as it is walked. */
static int
del_cb(
    void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct walker *w = arg;

	w->n++;
	return cstore_del(w->st, CSTORE_SEEN, key, klen);
}

/* Deletes each entry as it is walked, and walks the log again inside. */
static int
log_del_cb(void *arg, uint64_t id, uint64_t time_s, uint64_t expires_s,
    const uint8_t *val, size_t vlen)
{
	struct walker *w = arg;
	struct ents e;
	int rc;

	w->n++;
	rc = log_walk(w->st, CSTORE_HISTORY, "s", id, &e);
	if (rc == 0)
		rc = cstore_log_del(w->st, CSTORE_HISTORY, id);
	return rc;
}

static void
test_callbacks_may_use_store(void **state)
{
	struct fx *f = *state;
	struct walker w = {f->st, 0};
	struct recs r;
	struct ents e;
	char key[16];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof key, "msg-%d", i);
		assert_int_equal(put_str(f->st, CSTORE_SEEN, key, "1"), 0);
		append_str(f->st, CSTORE_HISTORY, "s", 1, 0, key);
	}
	assert_int_equal(cstore_each(f->st, CSTORE_SEEN, del_cb, &w), 0);
	assert_int_equal(w.n, 10);
	memset(&r, 0, sizeof r);
	assert_int_equal(cstore_each(f->st, CSTORE_SEEN, recs_cb, &r), 0);
	assert_int_equal(r.n, 0);
	w.n = 0;
	assert_int_equal(cstore_log_each(f->st, CSTORE_HISTORY,
	                     (const uint8_t *)"s", 1, 0, log_del_cb, &w),
	    0);
	assert_int_equal(w.n, 10);
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "s", 0, &e), 0);
	assert_int_equal(e.n, 0);
}

static void
test_expire(void **state)
{
	struct fx *f = *state;
	uint64_t n = 99, keep0, keep1, keep2;
	struct ents e;

	keep0 = append_str(f->st, CSTORE_HISTORY, "s", 10, 0, "forever");
	append_str(f->st, CSTORE_HISTORY, "s", 10, 100, "gone at 100");
	keep1 = append_str(f->st, CSTORE_HISTORY, "s", 10, 201, "at 201");
	append_str(f->st, CSTORE_OUTBOX, "t", 10, 200, "gone at 200");
	keep2 = append_str(f->st, CSTORE_OUTBOX, "t", 10, 0, "forever too");
	assert_int_equal(cstore_expire(f->st, 99, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cstore_expire(f->st, 200, &n), 0);
	assert_int_equal(n, 2);
	/* The log pages that held them are gone from the WAL too. */
	{
		char wal[600];
		struct stat sb;

		snprintf(wal, sizeof wal, "%s-wal", f->path);
		assert_true(stat(wal, &sb) != 0 || sb.st_size == 0);
	}
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "s", 0, &e), 0);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.id[0], keep0);
	assert_int_equal(e.id[1], keep1);
	assert_int_equal(log_walk(f->st, CSTORE_OUTBOX, "t", 0, &e), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.id[0], keep2);
	assert_int_equal(cstore_expire(f->st, 200, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cstore_expire(f->st, UINT64_MAX, &n), 0);
	assert_int_equal(n, 1);

	/* A damaged entry is reported, and does not stop the others. */
	append_str(f->st, CSTORE_HISTORY, "s", 10, 300, "gone at 300");
	append_str(f->st, CSTORE_HISTORY, "s", 10, 300, "damaged");
	cstore_close(f->st);
	f->st = NULL;
	tamper(f->path, "UPDATE logs SET box = zeroblob(100)"
	                " WHERE id = (SELECT max(id) FROM logs)");
	f->st = open_ok(f->dir, false);
	assert_int_equal(
	    log_walk(f->st, CSTORE_HISTORY, "s", 0, &e), ERR_STORE);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.val[1], "gone at 300");
	assert_int_equal(cstore_expire(f->st, 1000, &n), ERR_STORE);
	assert_int_equal(n, 1);
	assert_int_equal(
	    log_walk(f->st, CSTORE_HISTORY, "s", 0, &e), ERR_STORE);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.id[0], keep0);
}

static void
test_batches(void **state)
{
	struct fx *f = *state;
	struct ents e;
	char out[64];
	uint64_t id;

	assert_int_equal(cstore_begin(f->st), 0);
	assert_int_equal(cstore_begin(f->st), ERR_STORE);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "r", "1"), 0);
	append_str(f->st, CSTORE_HISTORY, "r", 1, 0, "m");
	/* Visible inside the batch. */
	assert_int_equal(get_str(f->st, CSTORE_ROOM, "r", out, sizeof out), 0);
	cstore_rollback(f->st);
	assert_int_equal(
	    get_str(f->st, CSTORE_ROOM, "r", out, sizeof out), ERR_NOTFOUND);
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "r", 0, &e), 0);
	assert_int_equal(e.n, 0);
	/* Nothing to commit is fine, and rollback without a batch too. */
	assert_int_equal(cstore_commit(f->st), 0);
	cstore_rollback(f->st);

	assert_int_equal(cstore_begin(f->st), 0);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "r", "2"), 0);
	id = append_str(f->st, CSTORE_HISTORY, "r", 1, 0, "m");
	assert_int_equal(cstore_commit(f->st), 0);
	fx_reopen(f);
	assert_int_equal(get_str(f->st, CSTORE_ROOM, "r", out, sizeof out), 0);
	assert_string_equal(out, "2");
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "r", 0, &e), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.id[0], id);

	/* Close commits what is pending. */
	assert_int_equal(cstore_begin(f->st), 0);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "r", "3"), 0);
	fx_reopen(f);
	assert_int_equal(get_str(f->st, CSTORE_ROOM, "r", out, sizeof out), 0);
	assert_string_equal(out, "3");
}

/*
 * In a child: opens, commits one record, then begins a batch and fills
 * it past SQLite's page cache. Returns 0 with the batch still open, or
 * the number of the step that failed.
 */
static int
crash_child(const char *dir)
{
	static uint8_t val[60000];
	struct cstore *st = NULL;
	const char *msg;
	uint8_t key[8];
	uint64_t id;
	int i;

	memset(val, 'c', sizeof val);
	if (cstore_open(&st, dir, PASS, strlen(PASS), false, &cheap, &msg) != 0)
		return 1;
	if (put_str(st, CSTORE_ROOM, "kept", "yes") != 0)
		return 2;
	if (cstore_begin(st) != 0)
		return 3;
	if (put_str(st, CSTORE_ROOM, "lost", "no") != 0)
		return 4;
	for (i = 0; i < 100; i++) {
		memset(key, 'a' + i % 26, sizeof key);
		key[0] = (uint8_t)i;
		if (cstore_put(
		        st, CSTORE_SEEN, key, sizeof key, val, sizeof val) != 0)
			return 5;
	}
	if (cstore_log_append(st, CSTORE_HISTORY, (const uint8_t *)"s", 1, 1, 0,
	        val, 10, &id) != 0)
		return 6;
	return 0;
}

static void
test_crash_loses_only_uncommitted(void **state)
{
	struct fx *f = *state;
	struct recs r;
	struct ents e;
	char out[64];
	unsigned char step = 99;
	ssize_t nread;
	int fds[2], status;
	pid_t pid;

	cstore_close(f->st);
	f->st = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Reports, then waits to be killed with the batch open. */
		close(fds[0]);
		step = (unsigned char)crash_child(f->dir);
		if (write(fds[1], &step, 1) != 1 || step != 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	nread = read(fds[0], &step, 1);
	close(fds[0]);
	/* Reap the child before any assertion can leave it behind. */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(nread, 1);
	assert_int_equal(step, 0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	/* The lock died with the child. */
	f->st = open_ok(f->dir, false);
	assert_int_equal(
	    get_str(f->st, CSTORE_ROOM, "kept", out, sizeof out), 0);
	assert_int_equal(
	    get_str(f->st, CSTORE_ROOM, "lost", out, sizeof out), ERR_NOTFOUND);
	memset(&r, 0, sizeof r);
	assert_int_equal(cstore_each(f->st, CSTORE_SEEN, recs_cb, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(log_walk(f->st, CSTORE_HISTORY, "s", 0, &e), 0);
	assert_int_equal(e.n, 0);
}

static void
test_second_process_busy(void **state)
{
	struct fx *f = *state;
	struct cstore *st = NULL;
	const char *msg = NULL;
	int status, rc;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		rc = cstore_open(
		    &st, f->dir, PASS, strlen(PASS), false, &cheap, &msg);
		_exit(rc == UV_EBUSY && st == NULL && msg != NULL &&
		              strcmp(msg,
		                  "the store is open in another hearth") == 0
		          ? 0
		          : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The holder is undisturbed. */
	assert_int_equal(put_str(f->st, CSTORE_SETTING, "still", "here"), 0);

	/* Once it closes, another process may open. */
	cstore_close(f->st);
	f->st = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		rc = cstore_open(
		    &st, f->dir, PASS, strlen(PASS), false, &cheap, &msg);
		cstore_close(st);
		_exit(rc == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	f->st = open_ok(f->dir, false);
}

/* Fails if any file in dir holds one of the secrets below. */
static void
assert_no_secrets(const char *dir)
{
	static const char *const secrets[] = {
	    "Kateryna-Ivanova", "Rivers-Room", "meet at the pharmacy"};
	char path[512];
	struct dirent *ent;
	uint8_t *p;
	size_t len, i, files = 0;
	DIR *d;

	d = opendir(dir);
	assert_non_null(d);
	while ((ent = readdir(d)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 ||
		    strcmp(ent->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		len = read_file(path, &p);
		for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
			if (has_text(p, len, secrets[i]))
				fail_msg("%s holds \"%s\"", path, secrets[i]);
		free(p);
		files++;
	}
	closedir(d);
	assert_true(files >= 2);
}

static void
test_privacy_nothing_readable(void **state)
{
	struct fx *f = *state;
	const char *msg = "meet at the pharmacy";
	char val[200];
	uint8_t *p;
	size_t len;
	int i;

	snprintf(val, sizeof val, "name=Kateryna-Ivanova; room=Rivers-Room");
	assert_int_equal(
	    put_str(f->st, CSTORE_PERSONA, "Kateryna-Ivanova", val), 0);
	assert_int_equal(
	    put_str(f->st, CSTORE_ROOM, "Kateryna-Ivanova|Rivers-Room", msg),
	    0);
	assert_int_equal(put_str(f->st, CSTORE_SETTING, msg, "Rivers-Room"), 0);
	for (i = 0; i < 20; i++) {
		append_str(f->st, CSTORE_HISTORY,
		    "Kateryna-Ivanova|Rivers-Room", 1700000000 + (uint64_t)i, 0,
		    msg);
		append_str(f->st, CSTORE_OUTBOX, "Rivers-Room", 1, 0,
		    "Kateryna-Ivanova");
	}
	/* Replaced and deleted values must not linger in free pages. */
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "Rivers-Room", msg), 0);
	assert_int_equal(put_str(f->st, CSTORE_ROOM, "Rivers-Room", "x"), 0);
	assert_int_equal(
	    cstore_del(f->st, CSTORE_ROOM, (const uint8_t *)"Rivers-Room", 11),
	    0);
	/* While open, with the WAL in place. */
	assert_no_secrets(f->dir);
	cstore_close(f->st);
	f->st = NULL;
	assert_no_secrets(f->dir);
	/* The check itself can fail: the same search finds a planted one. */
	len = read_file(f->path, &p);
	assert_false(has_text(p, len, "Rivers-Room"));
	memcpy(p + len / 2, "R\0i\0v\0e\0r\0s\0-\0R\0o\0o\0m\0", 22);
	assert_true(has_text(p, len, "Rivers-Room"));
	free(p);
	f->st = open_ok(f->dir, false);
}

static void
test_header_damage_is_not_a_wrong_passphrase(void **state)
{
	struct fx *f = *state;

	cstore_close(f->st);
	f->st = NULL;
	tamper(f->path, "UPDATE header SET salt = zeroblob(16)");
	assert_string_equal(
	    open_fails(f->dir, PASS, false, ERR_STORE), "hearth.db is damaged");
	/* A hostile cost is refused before Argon2id runs on it. */
	tamper(f->path, "UPDATE header SET ops = 1000000, mem = 1 << 40");
	open_fails(f->dir, PASS, false, ERR_STORE);
	tamper(f->path, "DELETE FROM header");
	open_fails(f->dir, PASS, false, ERR_STORE);
}

static void
test_foreign_or_newer_refused(void **state)
{
	char dir[64], path[128];
	struct cstore *st;
	uint8_t *p;
	size_t len;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, CSTORE_FILE);
	tamper(path, "CREATE TABLE notes (x TEXT)");
	assert_string_equal(open_fails(dir, PASS, true, ERR_STORE),
	    "hearth.db is not a hearth store or is damaged");
	/* Refused untouched: still in rollback-journal mode, not WAL. */
	len = read_file(path, &p);
	assert_true(len >= 100);
	assert_int_equal(p[18], 1);
	assert_int_equal(p[19], 1);
	free(p);
	unlink(path);
	st = open_ok(dir, true);
	cstore_close(st);
	tamper(path, "PRAGMA user_version = 2");
	assert_string_equal(open_fails(dir, PASS, false, ERR_STORE),
	    "hearth.db was written by a newer hearth");
	tmpdir_remove(dir);
}

static void
test_cost_out_of_range(void **state)
{
	struct cstore_cost c = {0, crypto_pwhash_MEMLIMIT_MIN};
	struct cstore *st = NULL;
	const char *msg = NULL;
	char dir[64];

	tmpdir_make(dir, sizeof dir);
	assert_int_equal(
	    cstore_open(&st, dir, PASS, strlen(PASS), true, &c, &msg),
	    UV_EINVAL);
	assert_null(st);
	assert_non_null(msg);
	c.ops = crypto_pwhash_OPSLIMIT_MIN;
	c.mem = (size_t)1 << 40;
	assert_int_equal(
	    cstore_open(&st, dir, PASS, strlen(PASS), true, &c, &msg),
	    UV_EINVAL);
	tmpdir_remove(dir);
}

static void
test_default_cost(void **state)
{
	struct cstore_cost c;
	struct cstore *st = NULL;
	const char *msg = NULL;
	char dir[64];
	double t0, t1, t2;

	cstore_cost_default(&c);
	assert_int_equal(c.ops, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_int_equal(c.mem, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	tmpdir_make(dir, sizeof dir);
	t0 = now_ms();
	assert_int_equal(
	    cstore_open(&st, dir, PASS, strlen(PASS), true, &c, &msg), 0);
	assert_int_equal(put_str(st, CSTORE_SETTING, "k", "v"), 0);
	cstore_close(st);
	t1 = now_ms();
	/* The limits are read back from the file, whatever cost is passed. */
	assert_int_equal(
	    cstore_open(&st, dir, PASS, strlen(PASS), false, &cheap, &msg), 0);
	t2 = now_ms();
	cstore_close(st);
	assert_int_equal(
	    cstore_open(&st, dir, "nope", 4, false, &cheap, &msg), ERR_DENIED);
	print_message(
	    "default cost: create %.0f ms, open %.0f ms\n", t1 - t0, t2 - t1);
	tmpdir_remove(dir);
}

static void
test_wipe(void **state)
{
	char dir[64], path[128], alias[128], wal[140];
	uint8_t *orig, *after;
	size_t len, len2;
	struct cstore *st;
	struct stat sb;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, CSTORE_FILE);
	snprintf(alias, sizeof alias, "%s/second-name", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	st = open_ok(dir, true);
	assert_int_equal(put_str(st, CSTORE_PERSONA, "me", "keys"), 0);
	cstore_close(st);
	/* A second name for the same bytes shows what wipe did to them. */
	len = read_file(path, &orig);
	assert_true(len > 0);
	assert_int_equal(link(path, alias), 0);
	/* A leftover journal is wiped too, and a read-only file. */
	write_file(wal, orig, 100);
	assert_int_equal(chmod(path, 0400), 0);

	assert_int_equal(cstore_wipe(dir), 0);
	assert_int_not_equal(lstat(path, &sb), 0);
	assert_int_not_equal(lstat(wal, &sb), 0);
	snprintf(wal, sizeof wal, "%s/%s", dir, CSTORE_LOCK);
	assert_int_not_equal(lstat(wal, &sb), 0);
	len2 = read_file(alias, &after);
	assert_int_equal(len2, len);
	assert_memory_not_equal(after, orig, len);
	/* Not a byte of the header survives in place. */
	assert_memory_not_equal(after, "SQLite format 3", 16);
	free(after);
	free(orig);
	/* The folder held something else, so it stays. */
	assert_int_equal(stat(dir, &sb), 0);
	unlink(alias);

	/* A store open in no process: everything goes, the folder too. */
	st = open_ok(dir, true);
	cstore_close(st);
	assert_int_equal(cstore_wipe(dir), 0);
	assert_int_not_equal(stat(dir, &sb), 0);
	/* Wiping nothing is not an error. */
	assert_int_equal(cstore_wipe(dir), 0);

	/*
	 * The panic button works while the store is open; closing it later
	 * writes into unlinked files and brings nothing back.
	 */
	assert_int_equal(mkdir(dir, 0700), 0);
	st = open_ok(dir, true);
	assert_int_equal(put_str(st, CSTORE_PERSONA, "me", "keys"), 0);
	assert_int_equal(cstore_wipe(dir), 0);
	assert_int_not_equal(stat(dir, &sb), 0);
	assert_int_equal(put_str(st, CSTORE_PERSONA, "me", "more keys"), 0);
	cstore_close(st);
	assert_int_not_equal(stat(dir, &sb), 0);

	/* A planted link is removed, not followed. */
	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, CSTORE_FILE);
	snprintf(alias, sizeof alias, "%s-target", dir);
	write_file(alias, (const uint8_t *)"keep me", 7);
	assert_int_equal(symlink(alias, path), 0);
	assert_int_equal(cstore_wipe(dir), 0);
	assert_int_not_equal(lstat(path, &sb), 0);
	len = read_file(alias, &orig);
	assert_int_equal(len, 7);
	assert_memory_equal(orig, "keep me", 7);
	free(orig);
	unlink(alias);
	tmpdir_remove(dir);
}

/* Fills a store with some of everything, and closes it. */
static void
populate(const char *dir)
{
	static uint8_t val[5000];
	struct cstore *st;
	uint8_t key[16];
	uint64_t id;
	int i;

	st = open_ok(dir, true);
	for (i = 0; i < 40; i++) {
		memset(key, 'k', sizeof key);
		key[0] = (uint8_t)i;
		memset(val, i, sizeof val);
		assert_int_equal(
		    cstore_put(st, (enum cstore_kind)(1 + i % 8), key,
		        sizeof key, val, (size_t)(i % 3 == 0 ? 5000 : 40 + i)),
		    0);
		assert_int_equal(
		    cstore_log_append(st,
		        i % 2 ? CSTORE_HISTORY : CSTORE_OUTBOX, key,
		        1 + (size_t)i % 3, 100 + (uint64_t)i, i % 4 ? 0 : 150,
		        val, (size_t)(i % 5 == 0 ? 3000 : 60), &id),
		    0);
	}
	cstore_close(st);
}

static bool
code_ok(int rc)
{
	return rc == 0 || rc == ERR_STORE || rc == ERR_NOTFOUND ||
	       rc == ERR_TOO_BIG || rc == ERR_NOMEM;
}

/*
 * Opens whatever is in dir and, if that works, drives every kind of call
 * once. Nothing may crash, and every result must be a documented code.
 * Returns whether the store opened.
 */
static bool
exercise(const char *dir)
{
	static uint8_t buf[8192];
	struct cstore *st = NULL;
	const char *msg = NULL;
	struct recs r;
	struct ents e;
	uint8_t key[16];
	size_t len;
	uint64_t n;
	int rc, i;

	rc = cstore_open(&st, dir, PASS, strlen(PASS), false, &cheap, &msg);
	if (rc != 0) {
		assert_true(
		    rc == ERR_STORE || rc == ERR_DENIED || rc == ERR_NOTFOUND);
		assert_null(st);
		assert_non_null(msg);
		return false;
	}
	for (i = 0; i < 8; i++) {
		memset(key, 'k', sizeof key);
		key[0] = (uint8_t)i;
		len = 0;
		rc = cstore_get(st, (enum cstore_kind)(1 + i % 8), key,
		    sizeof key, buf, sizeof buf, &len);
		assert_true(code_ok(rc));
		assert_true(len <= CSTORE_VALUE_MAX);
		memset(&r, 0, sizeof r);
		assert_true(code_ok(
		    cstore_each(st, (enum cstore_kind)(1 + i), recs_cb, &r)));
		memset(&e, 0, sizeof e);
		assert_true(code_ok(cstore_log_each(st, CSTORE_HISTORY, key,
		    1 + (size_t)i % 3, 0, ents_cb, &e)));
		assert_true(code_ok(
		    cstore_put(st, CSTORE_SETTING, key, sizeof key, buf, 10)));
		assert_true(
		    code_ok(cstore_del(st, CSTORE_ROOM, key, sizeof key)));
		assert_true(code_ok(cstore_log_del(st, CSTORE_OUTBOX, 3)));
		assert_true(code_ok(cstore_log_append(
		    st, CSTORE_OUTBOX, key, 2, 1, 1, buf, 10, &n)));
	}
	assert_true(code_ok(cstore_expire(st, 1000, &n)));
	assert_true(code_ok(cstore_begin(st)));
	assert_true(code_ok(put_str(st, CSTORE_SETTING, "a", "b")));
	assert_true(code_ok(cstore_commit(st)));
	cstore_close(st);
	return true;
}

static void
test_garbage_file_refused(void **state)
{
	char dir[64], path[128];
	uint8_t junk[16384];
	uint64_t seed = 0x9e3779b97f4a7c15u;
	struct stat sb;
	size_t i;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, CSTORE_FILE);
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)rng_next(&seed);
	write_file(path, junk, sizeof junk);
	assert_string_equal(open_fails(dir, PASS, true, ERR_STORE),
	    "hearth.db is not a hearth store or is damaged");
	/* The right magic, then garbage. */
	memcpy(junk, "SQLite format 3", 16);
	write_file(path, junk, sizeof junk);
	open_fails(dir, PASS, false, ERR_STORE);
	/*
	 * A file too short to hold a page, which SQLite would take for an
	 * empty database, is damage, not room for a new store: it is left
	 * as it is.
	 */
	write_file(path, junk, 1);
	open_fails(dir, PASS, true, ERR_STORE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 1);
	tmpdir_remove(dir);
}

static void
test_truncated_file_never_crashes(void **state)
{
	char good[64], dir[64], path[128];
	size_t sizes[10], len, i, opened = 0;
	uint8_t *db;

	tmpdir_make(good, sizeof good);
	populate(good);
	snprintf(path, sizeof path, "%s/%s", good, CSTORE_FILE);
	len = read_file(path, &db);
	assert_true(len > 8 * 4096);
	sizes[0] = 1;
	sizes[1] = 50;
	sizes[2] = 100;
	sizes[3] = 4095;
	sizes[4] = 4096;
	sizes[5] = 4097;
	sizes[6] = len / 3;
	sizes[7] = len / 2;
	sizes[8] = len - 4096;
	sizes[9] = len - 1;
	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, CSTORE_FILE);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		write_file(path, db, sizes[i]);
		opened += exercise(dir);
		tmpdir_remove(dir);
		assert_int_equal(mkdir(dir, 0700), 0);
	}
	/* The last pages go first: some copies still open. */
	print_message("truncated: %zu of 10 opened\n", opened);
	assert_true(opened > 0);
	free(db);
	tmpdir_remove(dir);
	tmpdir_remove(good);
}

static void
test_damaged_file_never_crashes(void **state)
{
	char good[64], dir[64], path[128];
	uint64_t seed = 0x2545f4914f6cdd1du;
	uint8_t *db, *copy;
	size_t len, flips, j, opened = 0;
	int round;

	tmpdir_make(good, sizeof good);
	populate(good);
	snprintf(path, sizeof path, "%s/%s", good, CSTORE_FILE);
	len = read_file(path, &db);
	copy = malloc(len);
	assert_non_null(copy);
	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, CSTORE_FILE);
	for (round = 0; round < 100; round++) {
		memcpy(copy, db, len);
		flips = 1 + rng_next(&seed) % 16;
		for (j = 0; j < flips; j++) {
			uint64_t at = rng_next(&seed);

			/* Half the hits on the header and first pages. */
			at %= (at & 1) ? len : 2 * 4096;
			copy[at] ^= (uint8_t)(1 + rng_next(&seed) % 255);
		}
		write_file(path, copy, len);
		opened += exercise(dir);
		tmpdir_remove(dir);
		assert_int_equal(mkdir(dir, 0700), 0);
	}
	/* Most damage is past the header, so most copies open. */
	print_message("damaged: %zu of 100 opened\n", opened);
	assert_true(opened > 10);
	free(copy);
	free(db);
	tmpdir_remove(dir);
	tmpdir_remove(good);
}

int
main(void)
{
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_and_reopen),
	    FX(test_wrong_passphrase),
	    cmocka_unit_test(test_missing_store),
	    cmocka_unit_test(test_private_modes),
	    FX(test_records),
	    FX(test_bounds),
	    FX(test_value_bound_to_its_record),
	    FX(test_logs),
	    FX(test_expire),
	    FX(test_callbacks_may_use_store),
	    FX(test_batches),
	    FX(test_crash_loses_only_uncommitted),
	    FX(test_second_process_busy),
	    FX(test_privacy_nothing_readable),
	    FX(test_header_damage_is_not_a_wrong_passphrase),
	    cmocka_unit_test(test_foreign_or_newer_refused),
	    cmocka_unit_test(test_cost_out_of_range),
	    cmocka_unit_test(test_default_cost),
	    cmocka_unit_test(test_wipe),
	    cmocka_unit_test(test_garbage_file_refused),
	    cmocka_unit_test(test_truncated_file_never_crashes),
	    cmocka_unit_test(test_damaged_file_never_crashes),
	};
#undef FX

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
