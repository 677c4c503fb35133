/* SPDX-License-Identifier: ISC */
/*
 * Tests for relay/store.c: each case gets a fresh data folder under /tmp.
 * Beyond the contract in store.h, these check what the relay relies on
 * without seeing it: the file's mode, what survives a crash, and that a
 * damaged or hostile relay.db is refused rather than trusted.
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
#include <unistd.h>

#include "common/err.h"
#include "relay/store.h"
#include "tests/unit/cm.h"

#define GOT_MAX 64

struct fx {
	char dir[64];
	char path[128];
	struct relay_store *st;
};

/* What a fetch callback saw. */
struct got {
	size_t n;
	uint64_t seq[GOT_MAX];
	uint64_t time_s[GOT_MAX];
	size_t len[GOT_MAX];
	uint8_t first[GOT_MAX];
	size_t stop_after; /* return ERR_RATE after this many; 0: never */
};

/* What an escrow release callback saw. */
struct released {
	size_t n;
	uint8_t mbox[RELAY_STORE_ID_LEN];
	uint64_t id;
	uint64_t time_s;
	size_t len;
	uint8_t first;
};

static void
tmpdir_make(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/hearth-store-XXXXXX");
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

static struct relay_store *
store_open_ok(const char *dir, bool sync_full)
{
	struct relay_store *st = NULL;
	const char *msg = "unset";

	assert_int_equal(relay_store_open(&st, dir, sync_full, &msg), 0);
	assert_non_null(st);
	assert_null(msg);
	return st;
}

static int
fx_setup(void **state)
{
	struct fx *f;

	f = calloc(1, sizeof *f);
	assert_non_null(f);
	tmpdir_make(f->dir, sizeof f->dir);
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, RELAY_STORE_FILE);
	f->st = store_open_ok(f->dir, false);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	relay_store_close(f->st);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void
fx_reopen(struct fx *f)
{
	relay_store_close(f->st);
	f->st = store_open_ok(f->dir, false);
}

static void
id_of(uint8_t id[RELAY_STORE_ID_LEN], uint8_t v)
{
	memset(id, v, RELAY_STORE_ID_LEN);
}

static int
got_cb(void *arg, uint64_t seq, uint64_t time_s, const uint8_t *env, size_t len)
{
	struct got *g = arg;

	if (g->n >= GOT_MAX)
		return ERR_TOO_BIG;
	g->seq[g->n] = seq;
	g->time_s[g->n] = time_s;
	g->len[g->n] = len;
	g->first[g->n] = len > 0 ? env[0] : 0;
	g->n++;
	if (g->stop_after != 0 && g->n == g->stop_after)
		return ERR_RATE;
	return 0;
}

static void
released_cb(void *arg, const uint8_t mbox[RELAY_STORE_ID_LEN], uint64_t id,
    uint64_t time_s, const uint8_t *env, size_t len)
{
	struct released *r = arg;

	r->n++;
	memcpy(r->mbox, mbox, RELAY_STORE_ID_LEN);
	r->id = id;
	r->time_s = time_s;
	r->len = len;
	r->first = len > 0 ? env[0] : 0;
}

static void
room_make(struct relay_store_room *r, uint8_t id, uint64_t keep_count,
    uint64_t keep_age_s)
{
	memset(r, 0, sizeof *r);
	id_of(r->id, id);
	memset(r->access_pub, 0xa0 | id, RELAY_STORE_KEY_LEN);
	r->keep_count = keep_count;
	r->keep_age_s = keep_age_s;
	r->next_seq = 99; /* ignored */
}

/* Appends envelope {seq} to room id at time_s. */
static int
append(struct relay_store *st, uint8_t id, uint64_t seq, uint64_t time_s)
{
	uint8_t rid[RELAY_STORE_ID_LEN], env[8];

	id_of(rid, id);
	memset(env, (uint8_t)seq, sizeof env);
	return relay_store_room_append(st, rid, seq, time_s, env, sizeof env);
}

/* Puts len bytes of value v into mailbox mb, with generous quotas. */
static uint64_t
put(struct relay_store *st, uint8_t mb, uint64_t time_s, uint8_t v, size_t len)
{
	uint8_t mbox[RELAY_STORE_ID_LEN], env[256];
	uint64_t id = 0;

	assert_true(len <= sizeof env);
	id_of(mbox, mb);
	memset(env, v, len);
	assert_int_equal(relay_store_mbox_put(
	                     st, mbox, time_s, env, len, 1000, 1000000, &id),
	    0);
	assert_true(id > 0);
	return id;
}

static void
usage(struct relay_store *st, uint8_t mb, uint64_t count, uint64_t bytes)
{
	uint8_t mbox[RELAY_STORE_ID_LEN];
	uint64_t c = 99, b = 99;

	id_of(mbox, mb);
	assert_int_equal(relay_store_mbox_usage(st, mbox, &c, &b), 0);
	assert_int_equal(c, count);
	assert_int_equal(b, bytes);
}

static void
mbox_fetch(struct relay_store *st, uint8_t mb, uint64_t after, unsigned limit,
    struct got *g)
{
	uint8_t mbox[RELAY_STORE_ID_LEN];

	memset(g, 0, sizeof *g);
	id_of(mbox, mb);
	assert_int_equal(
	    relay_store_mbox_fetch(st, mbox, after, limit, got_cb, g), 0);
}

static int
room_fetch(struct relay_store *st, uint8_t id, uint64_t after, unsigned limit,
    struct got *g)
{
	uint8_t rid[RELAY_STORE_ID_LEN];

	memset(g, 0, sizeof *g);
	id_of(rid, id);
	return relay_store_room_fetch(st, rid, after, limit, got_cb, g);
}

/* Runs SQL on relay.db behind the store's back, as a damaged disk would. */
static void
tamper(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
expect_open_refused(const char *dir, const char *want_msg)
{
	struct relay_store *st = (struct relay_store *)&st;
	const char *msg = NULL;

	assert_int_equal(relay_store_open(&st, dir, false, &msg), ERR_STORE);
	assert_null(st);
	assert_non_null(msg);
	assert_true(strlen(msg) > 0);
	if (want_msg != NULL)
		assert_string_equal(msg, want_msg);
}

/* True if the file at path holds n bytes of v in a row. */
static bool
file_has_run(const char *path, uint8_t v, size_t n)
{
	FILE *f = fopen(path, "rb");
	size_t run = 0;
	int ch;

	if (f == NULL)
		return false;
	while ((ch = fgetc(f)) != EOF && run < n)
		run = ch == v ? run + 1 : 0;
	fclose(f);
	return run >= n;
}

static void
test_checkpoint_leaves_no_trace(void **state)
{
	char dir[64], path[128], wal[140];
	uint8_t mbox[RELAY_STORE_ID_LEN];
	struct relay_store *st;
	struct stat sb;
	uint64_t id;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	snprintf(wal, sizeof wal, "%s-wal", path);
	st = store_open_ok(dir, true);
	id = put(st, 7, 100, 0xe7, 200);
	assert_int_equal(relay_store_commit(st), 0);
	assert_true(file_has_run(wal, 0xe7, 200));
	id_of(mbox, 7);
	assert_int_equal(relay_store_mbox_ack(st, mbox, id), 0);
	/* Not inside a batch. */
	assert_int_equal(relay_store_checkpoint(st), ERR_STORE);
	assert_int_equal(relay_store_commit(st), 0);
	assert_int_equal(relay_store_checkpoint(st), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_false(file_has_run(wal, 0xe7, 200));
	assert_false(file_has_run(path, 0xe7, 200));
	relay_store_close(st);
	tmpdir_remove(dir);
}

static void
test_open_private_file_in_wal_mode(void **state)
{
	char dir[64], path[128], wal[140];
	uint8_t head[100];
	struct relay_store *st;
	struct stat sb;
	mode_t old;
	int fd;

	/* A permissive umask must not leak into the file's mode. */
	old = umask(0);
	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	snprintf(wal, sizeof wal, "%s-wal", path);
	st = store_open_ok(dir, true);
	put(st, 1, 100, 'a', 10);
	assert_int_equal(relay_store_commit(st), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	relay_store_close(st);
	umask(old);

	/* Bytes 18 and 19 of the header are 2 in a WAL database. */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, head, sizeof head), sizeof head);
	close(fd);
	assert_memory_equal(head, "SQLite format 3", 16);
	assert_int_equal(head[18], 2);
	assert_int_equal(head[19], 2);

	/* An existing file left readable by others is tightened. */
	assert_int_equal(chmod(path, 0644), 0);
	st = store_open_ok(dir, false);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	relay_store_close(st);
	tmpdir_remove(dir);
}

static void
test_open_refuses_symlink(void **state)
{
	char dir[64], path[128], target[128];
	struct stat sb;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	snprintf(target, sizeof target, "%s/elsewhere.db", dir);
	assert_int_equal(symlink(target, path), 0);
	expect_open_refused(dir, NULL);
	/* Nothing was created through the link. */
	assert_int_not_equal(stat(target, &sb), 0);
	tmpdir_remove(dir);
}

static void
test_open_missing_dir(void **state)
{
	expect_open_refused("/tmp/hearth-store-no-such-dir/x", NULL);
	relay_store_close(NULL);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r, got_room;
	uint8_t rid[RELAY_STORE_ID_LEN];
	struct got g;
	uint64_t id, n;

	room_make(&r, 7, 10, 1000);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(append(f->st, 7, 1, 500), 0);
	id = put(f->st, 3, 500, 'x', 20);
	assert_int_equal(relay_store_commit(f->st), 0);
	fx_reopen(f);

	id_of(rid, 7);
	assert_int_equal(relay_store_room_get(f->st, rid, &got_room), 0);
	assert_memory_equal(got_room.access_pub, r.access_pub, 32);
	assert_int_equal(got_room.next_seq, 2);
	assert_int_equal(room_fetch(f->st, 7, 0, 10, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.time_s[0], 500);
	mbox_fetch(f->st, 3, 0, 10, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], id);
	assert_int_equal(g.len[0], 20);
	assert_int_equal(g.first[0], 'x');
	usage(f->st, 3, 1, 20);
	assert_int_equal(relay_store_room_count(f->st, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_room_create_get_set_key(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r, out;
	uint8_t rid[RELAY_STORE_ID_LEN], key[RELAY_STORE_KEY_LEN];
	uint64_t n = 99;

	assert_int_equal(relay_store_room_count(f->st, &n), 0);
	assert_int_equal(n, 0);
	room_make(&r, 1, 50, 3600);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	id_of(rid, 1);
	assert_int_equal(relay_store_room_get(f->st, rid, &out), 0);
	assert_memory_equal(out.id, r.id, RELAY_STORE_ID_LEN);
	assert_memory_equal(out.access_pub, r.access_pub, RELAY_STORE_KEY_LEN);
	assert_int_equal(out.keep_count, 50);
	assert_int_equal(out.keep_age_s, 3600);
	/* A new room starts at 1 whatever the caller passed. */
	assert_int_equal(out.next_seq, 1);

	room_make(&r, 1, 5, 5);
	assert_int_equal(relay_store_room_create(f->st, &r), ERR_EXISTS);
	assert_int_equal(relay_store_room_get(f->st, rid, &out), 0);
	assert_int_equal(out.keep_count, 50);

	id_of(rid, 2);
	memset(&out, 0xff, sizeof out);
	assert_int_equal(relay_store_room_get(f->st, rid, &out), ERR_NOTFOUND);
	assert_int_equal(out.next_seq, 0);
	memset(key, 0x5a, sizeof key);
	assert_int_equal(
	    relay_store_room_set_key(f->st, rid, key), ERR_NOTFOUND);

	id_of(rid, 1);
	assert_int_equal(relay_store_room_set_key(f->st, rid, key), 0);
	assert_int_equal(relay_store_room_get(f->st, rid, &out), 0);
	assert_memory_equal(out.access_pub, key, RELAY_STORE_KEY_LEN);
	assert_int_equal(relay_store_room_count(f->st, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_room_append_and_fetch_pages(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r;
	uint8_t rid[RELAY_STORE_ID_LEN];
	struct got g;
	uint64_t s;

	assert_int_equal(append(f->st, 4, 1, 10), ERR_NOTFOUND);
	room_make(&r, 4, 100, 0);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(append(f->st, 4, 0, 10), ERR_EXISTS);
	for (s = 1; s <= 10; s++)
		assert_int_equal(append(f->st, 4, s, 100 + s), 0);
	assert_int_equal(append(f->st, 4, 10, 200), ERR_EXISTS);
	assert_int_equal(append(f->st, 4, 1, 200), ERR_EXISTS);
	id_of(rid, 4);
	assert_int_equal(relay_store_room_get(f->st, rid, &r), 0);
	assert_int_equal(r.next_seq, 11);
	/* After a lost batch the relay skips numbers: a gap, never reuse. */
	assert_int_equal(append(f->st, 4, 13, 200), 0);
	assert_int_equal(relay_store_room_get(f->st, rid, &r), 0);
	assert_int_equal(r.next_seq, 14);
	assert_int_equal(append(f->st, 4, 12, 200), ERR_EXISTS);

	assert_int_equal(room_fetch(f->st, 4, 0, 3, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.seq[0], 1);
	assert_int_equal(g.seq[2], 3);
	assert_int_equal(g.time_s[2], 103);
	assert_int_equal(g.first[2], 3);
	assert_int_equal(room_fetch(f->st, 4, 3, 3, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.seq[0], 4);
	assert_int_equal(g.seq[2], 6);
	assert_int_equal(room_fetch(f->st, 4, 9, 100, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.seq[0], 10);
	assert_int_equal(g.seq[1], 13);
	assert_int_equal(room_fetch(f->st, 4, 10, 100, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(room_fetch(f->st, 4, 13, 100, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(room_fetch(f->st, 4, UINT64_MAX, 100, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(room_fetch(f->st, 4, 0, 0, &g), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(room_fetch(f->st, 5, 0, 10, &g), ERR_NOTFOUND);

	/* A callback's code stops the walk and comes back. */
	memset(&g, 0, sizeof g);
	g.stop_after = 2;
	assert_int_equal(
	    relay_store_room_fetch(f->st, rid, 0, 10, got_cb, &g), ERR_RATE);
	assert_int_equal(g.n, 2);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_room_keep_count_prunes(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r;
	uint8_t rid[RELAY_STORE_ID_LEN];
	struct got g;
	uint64_t s;

	room_make(&r, 1, 3, 0);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	for (s = 1; s <= 10; s++)
		assert_int_equal(append(f->st, 1, s, 100), 0);
	assert_int_equal(room_fetch(f->st, 1, 0, 100, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.seq[0], 8);
	assert_int_equal(g.seq[1], 9);
	assert_int_equal(g.seq[2], 10);

	/* keep_count 0: a live-only room keeps no log but still counts. */
	room_make(&r, 2, 0, 0);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(append(f->st, 2, 1, 100), 0);
	assert_int_equal(append(f->st, 2, 2, 100), 0);
	assert_int_equal(room_fetch(f->st, 2, 0, 100, &g), 0);
	assert_int_equal(g.n, 0);
	id_of(rid, 2);
	assert_int_equal(relay_store_room_get(f->st, rid, &r), 0);
	assert_int_equal(r.next_seq, 3);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_room_keep_age_prunes(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r;
	struct got g;
	uint64_t n = 0;

	room_make(&r, 1, 1000, 100);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	room_make(&r, 2, 1000, 10000);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(append(f->st, 1, 1, 1000), 0);
	assert_int_equal(append(f->st, 1, 2, 1050), 0);
	assert_int_equal(append(f->st, 1, 3, 1200), 0);
	assert_int_equal(append(f->st, 2, 1, 1000), 0);

	/* Nothing is old yet. */
	assert_int_equal(relay_store_prune(f->st, 1100, 1000000, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(relay_store_prune(f->st, 1120, 1000000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(room_fetch(f->st, 1, 0, 100, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.seq[0], 2);
	assert_int_equal(relay_store_prune(f->st, 1400, 1000000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(room_fetch(f->st, 1, 0, 100, &g), 0);
	assert_int_equal(g.n, 0);
	/* The other room's age limit is its own. */
	assert_int_equal(room_fetch(f->st, 2, 0, 100, &g), 0);
	assert_int_equal(g.n, 1);
	/* The sequence goes on after the log emptied. */
	assert_int_equal(append(f->st, 1, 4, 1400), 0);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_mbox_put_fetch_ack(void **state)
{
	struct fx *f = *state;
	uint8_t mbox[RELAY_STORE_ID_LEN];
	uint64_t a1, a2, a3, b1;
	struct got g;

	a1 = put(f->st, 1, 100, 'a', 10);
	b1 = put(f->st, 2, 101, 'b', 5);
	a2 = put(f->st, 1, 102, 'c', 20);
	a3 = put(f->st, 1, 103, 'd', 0);
	assert_true(a1 < b1 && b1 < a2 && a2 < a3);
	usage(f->st, 1, 3, 30);
	usage(f->st, 2, 1, 5);
	usage(f->st, 9, 0, 0);

	mbox_fetch(f->st, 1, 0, 10, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.seq[0], a1);
	assert_int_equal(g.seq[1], a2);
	assert_int_equal(g.seq[2], a3);
	assert_int_equal(g.time_s[1], 102);
	assert_int_equal(g.len[1], 20);
	assert_int_equal(g.first[1], 'c');
	assert_int_equal(g.len[2], 0);
	mbox_fetch(f->st, 1, a1, 1, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], a2);
	mbox_fetch(f->st, 9, 0, 10, &g);
	assert_int_equal(g.n, 0);

	id_of(mbox, 1);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, a2), 0);
	usage(f->st, 1, 2, 10);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, a2), 0);
	usage(f->st, 1, 2, 10);
	mbox_fetch(f->st, 1, 0, 10, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.seq[1], a3);

	/* Acknowledging under the wrong mailbox deletes nothing. */
	id_of(mbox, 2);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, a1), 0);
	usage(f->st, 1, 2, 10);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, UINT64_MAX), 0);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, b1), 0);
	usage(f->st, 2, 0, 0);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_mbox_quota_stores_nothing(void **state)
{
	struct fx *f = *state;
	uint8_t mbox[RELAY_STORE_ID_LEN], env[100];
	uint64_t id = 7;
	struct got g;

	id_of(mbox, 1);
	memset(env, 'q', sizeof env);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 10, 2, 1000, &id), 0);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 10, 2, 1000, &id), 0);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 10, 2, 1000, &id),
	    ERR_QUOTA);
	assert_int_equal(id, 0);
	usage(f->st, 1, 2, 20);
	mbox_fetch(f->st, 1, 0, 10, &g);
	assert_int_equal(g.n, 2);

	/* Bytes: up to the quota exactly, and not one byte more. */
	id_of(mbox, 2);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 60, 10, 100, &id), 0);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 41, 10, 100, &id),
	    ERR_QUOTA);
	usage(f->st, 2, 1, 60);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 40, 10, 100, &id), 0);
	usage(f->st, 2, 2, 100);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 0, 10, 100, &id), 0);
	id_of(mbox, 3);
	assert_int_equal(
	    relay_store_mbox_put(f->st, mbox, 1, env, 100, 10, 99, &id),
	    ERR_QUOTA);
	usage(f->st, 3, 0, 0);

	/* The refusals did not undo the batch around them. */
	assert_true(relay_store_pending(f->st));
	assert_int_equal(relay_store_commit(f->st), 0);
	fx_reopen(f);
	usage(f->st, 1, 2, 20);
	usage(f->st, 2, 3, 100);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_mbox_ttl_prune_updates_usage(void **state)
{
	struct fx *f = *state;
	uint64_t n = 0, keep;
	struct got g;

	put(f->st, 1, 100, 'a', 10);
	put(f->st, 1, 100, 'b', 11);
	put(f->st, 2, 100, 'c', 12);
	keep = put(f->st, 1, 200, 'd', 13);
	assert_int_equal(relay_store_prune(f->st, 250, 150, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(relay_store_prune(f->st, 250, 100, &n), 0);
	assert_int_equal(n, 3);
	usage(f->st, 1, 1, 13);
	usage(f->st, 2, 0, 0);
	mbox_fetch(f->st, 1, 0, 10, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], keep);
	assert_int_equal(relay_store_check(f->st), 0);
	/* A TTL longer than the epoch is old deletes nothing. */
	assert_int_equal(relay_store_prune(f->st, 250, UINT64_MAX, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_mbox_ids_never_repeat(void **state)
{
	struct fx *f = *state;
	uint8_t mbox[RELAY_STORE_ID_LEN];
	uint64_t a, b, c, d;

	id_of(mbox, 1);
	a = put(f->st, 1, 1, 'a', 1);
	b = put(f->st, 1, 1, 'b', 1);
	assert_true(b > a);
	/* Deleting the newest must not free its id for the next put. */
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, b), 0);
	c = put(f->st, 1, 1, 'c', 1);
	assert_true(c > b);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, c), 0);
	assert_int_equal(relay_store_mbox_ack(f->st, mbox, a), 0);
	assert_int_equal(relay_store_commit(f->st), 0);
	fx_reopen(f);
	d = put(f->st, 2, 1, 'd', 1);
	assert_true(d > c);
}

static void
test_prekeys(void **state)
{
	struct fx *f = *state;
	uint8_t mbox[RELAY_STORE_ID_LEN], keys[6 * RELAY_STORE_KEY_LEN];
	uint8_t otk[RELAY_STORE_KEY_LEN], bundle[64];
	size_t len = 99, i;
	uint64_t n = 99;
	bool have = true;

	id_of(mbox, 1);
	for (i = 0; i < 6; i++)
		memset(keys + i * RELAY_STORE_KEY_LEN, 'A' + (int)i,
		    RELAY_STORE_KEY_LEN);
	assert_int_equal(relay_store_prekey_take(f->st, mbox, bundle,
	                     sizeof bundle, &len, otk, &have),
	    ERR_NOTFOUND);
	assert_int_equal(len, 0);
	assert_false(have);
	assert_false(relay_store_pending(f->st));

	assert_int_equal(
	    relay_store_prekey_set(f->st, mbox, (const uint8_t *)"b1", 2), 0);
	assert_int_equal(relay_store_prekey_take(f->st, mbox, bundle,
	                     sizeof bundle, &len, otk, &have),
	    0);
	assert_int_equal(len, 2);
	assert_memory_equal(bundle, "b1", 2);
	assert_false(have);
	assert_int_equal(relay_store_prekey_set(
	                     f->st, mbox, (const uint8_t *)"bundle-two", 10),
	    0);

	/* A, B, C; then B again (skipped) and D. */
	assert_int_equal(relay_store_prekey_add(f->st, mbox, keys, 3, 5), 0);
	assert_int_equal(relay_store_prekey_add(
	                     f->st, mbox, keys + 1 * RELAY_STORE_KEY_LEN, 1, 5),
	    0);
	assert_int_equal(relay_store_prekey_add(
	                     f->st, mbox, keys + 3 * RELAY_STORE_KEY_LEN, 1, 5),
	    0);
	assert_int_equal(relay_store_prekey_count(f->st, mbox, &n), 0);
	assert_int_equal(n, 4);
	/* E and F would make 6 of at most 5: neither goes in. */
	assert_int_equal(relay_store_prekey_add(
	                     f->st, mbox, keys + 4 * RELAY_STORE_KEY_LEN, 2, 5),
	    ERR_QUOTA);
	assert_int_equal(relay_store_prekey_count(f->st, mbox, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(relay_store_prekey_add(
	                     f->st, mbox, keys + 4 * RELAY_STORE_KEY_LEN, 1, 5),
	    0);

	/* A bundle too big for the caller's buffer takes no key. */
	assert_int_equal(
	    relay_store_prekey_take(f->st, mbox, bundle, 9, &len, otk, &have),
	    ERR_TOO_BIG);
	assert_int_equal(len, 0);
	assert_false(have);
	assert_int_equal(relay_store_prekey_count(f->st, mbox, &n), 0);
	assert_int_equal(n, 5);

	/* Each key once, oldest first. */
	for (i = 0; i < 5; i++) {
		assert_int_equal(relay_store_prekey_take(f->st, mbox, bundle,
		                     sizeof bundle, &len, otk, &have),
		    0);
		assert_int_equal(len, 10);
		assert_memory_equal(bundle, "bundle-two", 10);
		assert_true(have);
		assert_int_equal(otk[0], 'A' + (int)i);
		assert_int_equal(otk[31], 'A' + (int)i);
	}
	assert_int_equal(relay_store_prekey_take(f->st, mbox, bundle,
	                     sizeof bundle, &len, otk, &have),
	    0);
	assert_false(have);
	assert_int_equal(relay_store_prekey_count(f->st, mbox, &n), 0);
	assert_int_equal(n, 0);

	/* Another mailbox's keys are its own. */
	assert_int_equal(relay_store_prekey_add(f->st, mbox, keys, 1, 5), 0);
	id_of(mbox, 2);
	assert_int_equal(relay_store_prekey_add(f->st, mbox, keys, 1, 5), 0);
	assert_int_equal(relay_store_prekey_count(f->st, mbox, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(relay_store_prekey_take(f->st, mbox, bundle,
	                     sizeof bundle, &len, otk, &have),
	    ERR_NOTFOUND);
	assert_int_equal(relay_store_prekey_count(f->st, mbox, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_escrows(void **state)
{
	struct fx *f = *state;
	uint8_t h1[RELAY_STORE_ID_LEN], h2[RELAY_STORE_ID_LEN];
	uint8_t h3[RELAY_STORE_ID_LEN], mbox[RELAY_STORE_ID_LEN];
	struct released r;
	struct got g;
	uint64_t t = 0, n = 99, id;

	id_of(h1, 0xe1);
	id_of(h2, 0xe2);
	id_of(h3, 0xe3);
	id_of(mbox, 5);
	assert_int_equal(relay_store_escrow_next(f->st, &t), ERR_NOTFOUND);
	assert_int_equal(relay_store_escrow_put(f->st, h1, mbox, 1000,
	                     (const uint8_t *)"alert", 5, 10),
	    0);
	assert_int_equal(relay_store_escrow_put(f->st, h1, mbox, 1500,
	                     (const uint8_t *)"other", 5, 10),
	    ERR_EXISTS);
	assert_int_equal(relay_store_escrow_put(f->st, h2, mbox, 2000,
	                     (const uint8_t *)"two", 3, 10),
	    0);
	assert_int_equal(relay_store_escrow_count(f->st, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(relay_store_escrow_next(f->st, &t), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(relay_store_escrow_extend(f->st, h1, 3000), 0);
	assert_int_equal(
	    relay_store_escrow_extend(f->st, h3, 3000), ERR_NOTFOUND);
	assert_int_equal(relay_store_escrow_next(f->st, &t), 0);
	assert_int_equal(t, 2000);
	assert_int_equal(relay_store_escrow_cancel(f->st, h2), 0);
	assert_int_equal(relay_store_escrow_cancel(f->st, h2), ERR_NOTFOUND);
	assert_int_equal(relay_store_escrow_next(f->st, &t), 0);
	assert_int_equal(t, 3000);

	/* The mailbox is full: the alert is delivered all the same. */
	id_of(mbox, 5);
	assert_int_equal(relay_store_mbox_put(f->st, mbox, 1,
	                     (const uint8_t *)"m", 1, 1, 1000, &id),
	    0);
	assert_int_equal(relay_store_commit(f->st), 0);

	memset(&r, 0, sizeof r);
	assert_int_equal(
	    relay_store_escrow_release(f->st, 2999, released_cb, &r, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(r.n, 0);
	assert_false(relay_store_pending(f->st));
	assert_int_equal(
	    relay_store_escrow_release(f->st, 3000, released_cb, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r.n, 1);
	assert_memory_equal(r.mbox, mbox, RELAY_STORE_ID_LEN);
	assert_true(r.id > id);
	assert_int_equal(r.time_s, 3000);
	assert_int_equal(r.len, 5);
	assert_int_equal(r.first, 'a');
	mbox_fetch(f->st, 5, id, 10, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.seq[0], r.id);
	assert_int_equal(g.len[0], 5);
	usage(f->st, 5, 2, 6);
	assert_int_equal(
	    relay_store_escrow_release(f->st, 9999, released_cb, &r, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(relay_store_escrow_cancel(f->st, h1), ERR_NOTFOUND);
	assert_int_equal(relay_store_escrow_count(f->st, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(relay_store_escrow_next(f->st, &t), ERR_NOTFOUND);

	/* The store-wide bound. */
	assert_int_equal(relay_store_escrow_put(
	                     f->st, h1, mbox, 10, (const uint8_t *)"", 0, 2),
	    0);
	assert_int_equal(relay_store_escrow_put(
	                     f->st, h2, mbox, 10, (const uint8_t *)"", 0, 2),
	    0);
	assert_int_equal(relay_store_escrow_put(
	                     f->st, h3, mbox, 10, (const uint8_t *)"", 0, 2),
	    ERR_QUOTA);
	assert_int_equal(relay_store_escrow_count(f->st, &n), 0);
	assert_int_equal(n, 2);
	/* Two due at once: both released, without a callback. */
	assert_int_equal(
	    relay_store_escrow_release(f->st, 10, NULL, NULL, &n), 0);
	assert_int_equal(n, 2);
	usage(f->st, 5, 4, 6);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(relay_store_check(f->st), 0);
}

static void
test_batch_visible_then_durable(void **state)
{
	struct fx *f = *state;
	struct got g;

	assert_false(relay_store_pending(f->st));
	assert_int_equal(relay_store_commit(f->st), 0);
	put(f->st, 1, 1, 'a', 3);
	assert_true(relay_store_pending(f->st));
	/* Reads see the batch's own writes before it is committed. */
	usage(f->st, 1, 1, 3);
	mbox_fetch(f->st, 1, 0, 10, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_false(relay_store_pending(f->st));
	/* Reads open no batch. */
	mbox_fetch(f->st, 1, 0, 10, &g);
	assert_false(relay_store_pending(f->st));
	put(f->st, 1, 1, 'b', 4);
	/* Close commits what is pending. */
	fx_reopen(f);
	usage(f->st, 1, 2, 7);
}

static void
test_refused_first_write_opens_no_batch(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r;

	room_make(&r, 1, 1, 1);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(relay_store_room_create(f->st, &r), ERR_EXISTS);
	assert_false(relay_store_pending(f->st));
	assert_int_equal(append(f->st, 1, 0, 1), ERR_EXISTS);
	assert_false(relay_store_pending(f->st));
}

static void
test_store_failure_loses_whole_batch(void **state)
{
	struct fx *f = *state;
	uint8_t h[RELAY_STORE_ID_LEN], mbox[RELAY_STORE_ID_LEN];
	uint64_t id;

	put(f->st, 1, 1, 'a', 3);
	assert_int_equal(relay_store_commit(f->st), 0);
	relay_store_close(f->st);
	/* Without its counter row, an escrow put fails inside SQLite's data. */
	tamper(f->path, "DELETE FROM counts WHERE name = 'escrows'");
	f->st = store_open_ok(f->dir, false);
	id_of(h, 9);
	id_of(mbox, 1);

	put(f->st, 1, 2, 'b', 4);
	assert_int_equal(relay_store_escrow_put(
	                     f->st, h, mbox, 10, (const uint8_t *)"e", 1, 10),
	    ERR_STORE);
	/* The put before it is gone, and the store says so. */
	assert_true(relay_store_pending(f->st));
	assert_int_equal(relay_store_mbox_put(f->st, mbox, 3,
	                     (const uint8_t *)"c", 1, 100, 100, &id),
	    ERR_STORE);
	usage(f->st, 1, 1, 3);
	assert_int_equal(relay_store_commit(f->st), ERR_STORE);
	assert_false(relay_store_pending(f->st));
	assert_int_equal(relay_store_commit(f->st), 0);

	/* The next batch starts clean. */
	put(f->st, 1, 4, 'd', 5);
	assert_int_equal(relay_store_commit(f->st), 0);
	fx_reopen(f);
	usage(f->st, 1, 2, 8);
}

/*
 * In a child: opens, puts, commits and puts more, then returns 0 with the
 * batch still open, or the number of the step that failed.
 */
static int
crash_child(const char *dir)
{
	uint8_t mbox[RELAY_STORE_ID_LEN], env[60000];
	struct relay_store *st = NULL;
	const char *msg;
	uint64_t id;
	int i;

	id_of(mbox, 1);
	memset(env, 'c', sizeof env);
	if (relay_store_open(&st, dir, true, &msg) != 0)
		return 1;
	if (relay_store_mbox_put(st, mbox, 1, (const uint8_t *)"one", 3, 1000,
	        UINT64_MAX, &id) != 0)
		return 2;
	if (relay_store_commit(st) != 0)
		return 3;
	if (relay_store_mbox_put(st, mbox, 2, (const uint8_t *)"two", 3, 1000,
	        UINT64_MAX, &id) != 0)
		return 4;
	/* Enough to overflow SQLite's page cache into the WAL, uncommitted. */
	for (i = 0; i < 300; i++)
		if (relay_store_mbox_put(st, mbox, 3, env, sizeof env, 1000,
		        UINT64_MAX, &id) != 0)
			return 5;
	if (!relay_store_pending(st))
		return 6;
	return 0;
}

static void
test_crash_loses_only_uncommitted(void **state)
{
	char dir[64];
	struct relay_store *st;
	struct got g;
	unsigned char step = 99;
	ssize_t nread;
	int fds[2], status;
	pid_t pid;

	tmpdir_make(dir, sizeof dir);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/*
		 * Never closes the store: it reports, then waits to be killed
		 * with the batch open, as a crash would leave it.
		 */
		close(fds[0]);
		step = (unsigned char)crash_child(dir);
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

	st = store_open_ok(dir, true);
	mbox_fetch(st, 1, 0, 10, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 3);
	assert_int_equal(g.first[0], 'o');
	usage(st, 1, 1, 3);
	assert_int_equal(relay_store_check(st), 0);
	relay_store_close(st);
	tmpdir_remove(dir);
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

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_garbage_file_refused(void **state)
{
	char dir[64], path[128];
	uint8_t junk[16384];
	uint64_t seed = 0x9e3779b97f4a7c15u;
	size_t i;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)rng_next(&seed);
	write_file(path, junk, sizeof junk);
	expect_open_refused(dir, "relay.db is not a database or is damaged");

	/* The right magic, then garbage. */
	memcpy(junk, "SQLite format 3", 16);
	write_file(path, junk, sizeof junk);
	expect_open_refused(dir, NULL);
	tmpdir_remove(dir);
}

static void
test_newer_schema_refused(void **state)
{
	char dir[64], path[128];
	struct relay_store *st;

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	st = store_open_ok(dir, false);
	relay_store_close(st);
	tamper(path, "PRAGMA user_version = 2");
	expect_open_refused(
	    dir, "database was written by a newer hearth-relay");
	tmpdir_remove(dir);
}

static void
test_foreign_database_refused(void **state)
{
	char dir[64], path[128];

	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	tamper(path, "CREATE TABLE notes (x TEXT)");
	expect_open_refused(dir, NULL);
	tmpdir_remove(dir);
}

static void
test_check_finds_broken_counters(void **state)
{
	struct fx *f = *state;

	put(f->st, 1, 1, 'a', 3);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(relay_store_check(f->st), 0);
	relay_store_close(f->st);
	tamper(f->path, "UPDATE mailboxes SET bytes = bytes + 1");
	f->st = store_open_ok(f->dir, false);
	assert_int_equal(relay_store_check(f->st), ERR_STORE);
}

static void
test_tampered_rows_not_trusted(void **state)
{
	struct fx *f = *state;
	struct relay_store_room r;
	uint8_t rid[RELAY_STORE_ID_LEN], mbox[RELAY_STORE_ID_LEN];
	uint8_t otk[RELAY_STORE_KEY_LEN], bundle[4096];
	struct got g;
	size_t len = 1;
	uint64_t n;
	bool have = true;

	room_make(&r, 1, 10, 10);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(append(f->st, 1, 1, 5), 0);
	put(f->st, 2, 1, 'a', 3);
	id_of(mbox, 3);
	assert_int_equal(
	    relay_store_prekey_set(f->st, mbox, (const uint8_t *)"b", 1), 0);
	relay_store_close(f->st);
	tamper(f->path, "UPDATE rooms SET access_pub = x'0102';"
	                "UPDATE room_log SET time_s = -5;"
	                "UPDATE mbox_msg SET env = zeroblob(70000);"
	                "UPDATE prekey_bundle SET bundle = zeroblob(5000);");
	f->st = store_open_ok(f->dir, false);

	id_of(rid, 1);
	assert_int_equal(relay_store_room_get(f->st, rid, &r), ERR_STORE);
	assert_int_equal(room_fetch(f->st, 1, 0, 10, &g), ERR_STORE);
	assert_int_equal(g.n, 0);
	memset(&g, 0, sizeof g);
	id_of(mbox, 2);
	assert_int_equal(
	    relay_store_mbox_fetch(f->st, mbox, 0, 10, got_cb, &g), ERR_STORE);
	assert_int_equal(g.n, 0);
	id_of(mbox, 3);
	assert_int_equal(relay_store_prekey_take(f->st, mbox, bundle,
	                     sizeof bundle, &len, otk, &have),
	    ERR_TOO_BIG);
	assert_int_equal(len, 0);
	assert_false(have);
	/* Pruning needs no envelope read: both rows go. */
	assert_int_equal(relay_store_prune(f->st, 1000000, 10, &n), 0);
	assert_int_equal(n, 2);
	usage(f->st, 2, 0, 0);
}

static void
test_oversized_input_refused(void **state)
{
	struct fx *f = *state;
	static uint8_t big[RELAY_STORE_BLOB_MAX + 1];
	uint8_t id[RELAY_STORE_ID_LEN];
	struct relay_store_room r;
	uint64_t mid = 5;

	id_of(id, 1);
	assert_int_equal(relay_store_mbox_put(f->st, id, 1, big, sizeof big, 10,
	                     UINT64_MAX, &mid),
	    ERR_TOO_BIG);
	assert_int_equal(mid, 0);
	assert_int_equal(relay_store_mbox_put(f->st, id, UINT64_MAX, big, 1, 10,
	                     UINT64_MAX, &mid),
	    ERR_TOO_BIG);
	assert_int_equal(
	    relay_store_prekey_set(f->st, id, big, sizeof big), ERR_TOO_BIG);
	assert_int_equal(
	    relay_store_escrow_put(f->st, id, id, 1, big, sizeof big, 10),
	    ERR_TOO_BIG);
	room_make(&r, 1, UINT64_MAX, 1);
	assert_int_equal(relay_store_room_create(f->st, &r), ERR_TOO_BIG);
	room_make(&r, 1, 1, 1);
	assert_int_equal(relay_store_room_create(f->st, &r), 0);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(
	    relay_store_room_append(f->st, id, 1, 1, big, sizeof big),
	    ERR_TOO_BIG);
	assert_false(relay_store_pending(f->st));
	/* The bound itself is fine. */
	assert_int_equal(relay_store_mbox_put(f->st, id, 1, big, sizeof big - 1,
	                     10, UINT64_MAX, &mid),
	    0);
	assert_int_equal(
	    relay_store_room_append(f->st, id, 1, 1, big, sizeof big - 1), 0);
}

/* Acknowledges each envelope as it is fetched. */
static int
ack_cb(void *arg, uint64_t seq, uint64_t time_s, const uint8_t *env, size_t len)
{
	struct relay_store *st = arg;
	uint8_t mbox[RELAY_STORE_ID_LEN];

	id_of(mbox, 1);
	return relay_store_mbox_ack(st, mbox, seq);
}

/* Fetches again from inside a fetch. */
static int
refetch_cb(
    void *arg, uint64_t seq, uint64_t time_s, const uint8_t *env, size_t len)
{
	struct relay_store *st = arg;
	uint8_t mbox[RELAY_STORE_ID_LEN];
	struct got g;

	id_of(mbox, 1);
	memset(&g, 0, sizeof g);
	return relay_store_mbox_fetch(st, mbox, 0, 10, got_cb, &g);
}

static void
test_callbacks_may_use_store(void **state)
{
	struct fx *f = *state;
	uint8_t mbox[RELAY_STORE_ID_LEN];

	id_of(mbox, 1);
	put(f->st, 1, 1, 'a', 3);
	put(f->st, 1, 1, 'b', 3);
	put(f->st, 1, 1, 'c', 3);
	assert_int_equal(
	    relay_store_mbox_fetch(f->st, mbox, 0, 10, refetch_cb, f->st),
	    ERR_STORE);
	usage(f->st, 1, 3, 9);
	/* The first write of a batch can start inside a read. */
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(
	    relay_store_mbox_fetch(f->st, mbox, 0, 10, ack_cb, f->st), 0);
	usage(f->st, 1, 0, 0);
	assert_int_equal(relay_store_commit(f->st), 0);
	assert_int_equal(relay_store_check(f->st), 0);
}

/* Fills a store with some of everything, and closes it. */
static void
populate(const char *dir)
{
	uint8_t id[RELAY_STORE_ID_LEN], env[300], keys[4 * RELAY_STORE_KEY_LEN];
	struct relay_store_room r;
	struct relay_store *st;
	uint64_t s, mid;
	int i;

	st = store_open_ok(dir, false);
	memset(keys, 'k', sizeof keys);
	for (i = 0; i < 4; i++)
		keys[i * RELAY_STORE_KEY_LEN] = (uint8_t)i;
	for (i = 1; i <= 4; i++) {
		room_make(&r, (uint8_t)i, 20, 1000);
		assert_int_equal(relay_store_room_create(st, &r), 0);
		for (s = 1; s <= 25; s++) {
			memset(env, (int)s, sizeof env);
			assert_int_equal(relay_store_room_append(st, r.id, s,
			                     100 + s, env, sizeof env),
			    0);
		}
		id_of(id, (uint8_t)(0x40 + i));
		for (s = 0; s < 10; s++)
			assert_int_equal(
			    relay_store_mbox_put(st, id, 100 + s, env,
			        100 + (size_t)s, 100, UINT64_MAX, &mid),
			    0);
		assert_int_equal(
		    relay_store_prekey_set(st, id, env, 200 + (size_t)i), 0);
		assert_int_equal(
		    relay_store_prekey_add(st, id, keys, 4, 10), 0);
		id_of(r.id, (uint8_t)(0x80 + i));
		assert_int_equal(relay_store_escrow_put(st, r.id, id,
		                     500 + (uint64_t)i, env, 50, 100),
		    0);
	}
	assert_int_equal(relay_store_commit(st), 0);
	relay_store_close(st);
}

static bool
code_ok(int rc)
{
	return rc == 0 || rc == ERR_STORE || rc == ERR_NOTFOUND ||
	       rc == ERR_EXISTS || rc == ERR_QUOTA || rc == ERR_TOO_BIG ||
	       rc == ERR_NOMEM;
}

/*
 * Opens whatever is in dir and, if that works, drives every kind of call
 * once. Nothing may crash, and every result must be a documented code.
 */
static void
exercise(const char *dir)
{
	uint8_t id[RELAY_STORE_ID_LEN], otk[RELAY_STORE_KEY_LEN], buf[512];
	struct relay_store *st = NULL;
	struct relay_store_room r;
	struct released rel;
	const char *msg = NULL;
	struct got g;
	uint64_t n, b;
	size_t len;
	bool have;
	int rc, i;

	memset(buf, 'x', sizeof buf);
	rc = relay_store_open(&st, dir, false, &msg);
	if (rc != 0) {
		assert_int_equal(rc, ERR_STORE);
		assert_null(st);
		assert_non_null(msg);
		return;
	}
	assert_true(code_ok(relay_store_check(st)));
	for (i = 1; i <= 5; i++) {
		id_of(id, (uint8_t)i);
		assert_true(code_ok(relay_store_room_get(st, id, &r)));
		assert_true(code_ok(room_fetch(st, (uint8_t)i, 0, 64, &g)));
		assert_true(code_ok(append(st, (uint8_t)i, 26, 200)));
		id_of(id, (uint8_t)(0x40 + i));
		memset(&g, 0, sizeof g);
		assert_true(
		    code_ok(relay_store_mbox_fetch(st, id, 0, 64, got_cb, &g)));
		assert_true(code_ok(relay_store_mbox_usage(st, id, &n, &b)));
		assert_true(code_ok(relay_store_mbox_put(
		    st, id, 300, buf, 10, 100, UINT64_MAX, &n)));
		assert_true(code_ok(relay_store_mbox_ack(st, id, 3)));
		assert_true(code_ok(relay_store_prekey_take(
		    st, id, buf, sizeof buf, &len, otk, &have)));
		assert_true(len <= sizeof buf);
		assert_true(
		    code_ok(relay_store_prekey_add(st, id, buf, 2, 10)));
	}
	assert_true(code_ok(relay_store_room_count(st, &n)));
	assert_true(code_ok(relay_store_escrow_count(st, &n)));
	assert_true(code_ok(relay_store_escrow_next(st, &n)));
	memset(&rel, 0, sizeof rel);
	assert_true(code_ok(
	    relay_store_escrow_release(st, 600, released_cb, &rel, &n)));
	assert_true(rel.len <= RELAY_STORE_BLOB_MAX);
	assert_true(code_ok(relay_store_prune(st, 2000, 10, &n)));
	assert_true(code_ok(relay_store_commit(st)));
	relay_store_close(st);
}

static void
test_truncated_file_never_crashes(void **state)
{
	char good[64], dir[64], path[128];
	size_t sizes[10], len, i;
	uint8_t *db;

	tmpdir_make(good, sizeof good);
	populate(good);
	snprintf(path, sizeof path, "%s/%s", good, RELAY_STORE_FILE);
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
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		write_file(path, db, sizes[i]);
		exercise(dir);
		tmpdir_remove(dir);
		assert_int_equal(mkdir(dir, 0700), 0);
	}
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
	size_t len, flips, j;
	int round;

	tmpdir_make(good, sizeof good);
	populate(good);
	snprintf(path, sizeof path, "%s/%s", good, RELAY_STORE_FILE);
	len = read_file(path, &db);
	copy = malloc(len);
	assert_non_null(copy);
	tmpdir_make(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, RELAY_STORE_FILE);
	for (round = 0; round < 120; round++) {
		memcpy(copy, db, len);
		flips = 1 + rng_next(&seed) % 16;
		for (j = 0; j < flips; j++) {
			uint64_t at = rng_next(&seed);

			/* Half the hits on the header and first pages. */
			at %= (at & 1) ? len : 2 * 4096;
			copy[at] ^= (uint8_t)(1 + rng_next(&seed) % 255);
		}
		write_file(path, copy, len);
		exercise(dir);
		tmpdir_remove(dir);
		assert_int_equal(mkdir(dir, 0700), 0);
	}
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
	    cmocka_unit_test(test_open_private_file_in_wal_mode),
	    cmocka_unit_test(test_checkpoint_leaves_no_trace),
	    cmocka_unit_test(test_open_refuses_symlink),
	    cmocka_unit_test(test_open_missing_dir),
	    FX(test_reopen_keeps_data),
	    FX(test_room_create_get_set_key),
	    FX(test_room_append_and_fetch_pages),
	    FX(test_room_keep_count_prunes),
	    FX(test_room_keep_age_prunes),
	    FX(test_mbox_put_fetch_ack),
	    FX(test_mbox_quota_stores_nothing),
	    FX(test_mbox_ttl_prune_updates_usage),
	    FX(test_mbox_ids_never_repeat),
	    FX(test_prekeys),
	    FX(test_escrows),
	    FX(test_batch_visible_then_durable),
	    FX(test_refused_first_write_opens_no_batch),
	    FX(test_store_failure_loses_whole_batch),
	    cmocka_unit_test(test_crash_loses_only_uncommitted),
	    cmocka_unit_test(test_garbage_file_refused),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_foreign_database_refused),
	    FX(test_check_finds_broken_counters),
	    FX(test_tampered_rows_not_trusted),
	    FX(test_oversized_input_refused),
	    FX(test_callbacks_may_use_store),
	    cmocka_unit_test(test_truncated_file_never_crashes),
	    cmocka_unit_test(test_damaged_file_never_crashes),
	};
#undef FX

	return cmocka_run_group_tests(tests, NULL, NULL);
}
