/* SPDX-License-Identifier: ISC */
/*
 * hearth-relay: argument parsing and the loop. See man/hearth-relay.8.
 *   hearth-relay init    --data DIR [--listen HOST:PORT]
 *   hearth-relay run     --data DIR [--listen HOST:PORT] [options]
 *   hearth-relay address --data DIR [--listen HOST:PORT]
 *   hearth-relay stats   --data DIR
 * Settings come from the defaults, then the settings file, then flags.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "common/addr.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secmem.h"
#include "common/xmalloc.h"
#include "relay/config.h"
#include "relay/keyfile.h"
#include "relay/relay.h"
#include "relay/stats.h"
#include "relay/store.h"

#define RELAY_VERSION HEARTH_VERSION

static const char relay_usage[] =
    "usage: hearth-relay init    --data DIR [--listen HOST:PORT]\n"
    "       hearth-relay run     --data DIR [--listen HOST:PORT] [options]\n"
    "       hearth-relay address --data DIR [--listen HOST:PORT]\n"
    "       hearth-relay check   --data DIR [--config FILE]\n"
    "       hearth-relay stats   --data DIR\n"
    "\n"
    "  init     make the relay's key pair in DIR and print its address\n"
    "  run      serve clients until SIGINT or SIGTERM\n"
    "  address  print the hearth:// address clients use to reach the relay\n"
    "  check    check the settings, the key and the database, then exit\n"
    "  stats    print the running relay's counters\n"
    "\n"
    "options:\n"
    "  --data DIR               data folder (made 0700 by init)\n"
    "  --config FILE            settings file (default DIR/relay.conf if it\n"
    "                           exists); flags override it\n"
    "  --ready-fd N             write the bound port and a newline to fd N\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n"
    "\n"
    "settings (also keys of the settings file; default, then bounds):\n"
    "  --listen HOST:PORT       address to listen on (127.0.0.1:7483;\n"
    "                           port 0 picks a free port)\n"
    "  --max-connections N      connections at once (4096; 1-1000000)\n"
    "  --max-connections-per-address N\n"
    "                           from one address (64; 1-1000000)\n"
    "  --handshake-timeout MS   time to finish the handshake (10000;\n"
    "                           1-3600000)\n"
    "  --idle-timeout MS        close after MS without traffic (300000;\n"
    "                           1-86400000)\n"
    "  --queue-max BYTES        unsent bytes per connection before it is\n"
    "                           closed as a slow reader (4194304;\n"
    "                           65536-1073741824)\n"
    "  --frame-max BYTES        largest frame accepted (65535; 1024-65535)\n"
    "  --rate N                 requests per second per connection (1000;\n"
    "                           1-1000000)\n"
    "  --rate-burst N           requests in a burst (4000; 1-10000000)\n"
    "  --max-subscriptions N    rooms per connection (64; 1-65536)\n"
    "  --room-create WHO        anyone (default) or token\n"
    "  --operator-token TOKEN   16-64 bytes, unpadded base64url; other\n"
    "                           users can see flags: prefer relay.conf\n"
    "  --room-keep-count N      messages a room keeps (1000; 1-100000000)\n"
    "  --room-keep-count-max N  most a room may ask for (100000;\n"
    "                           1-100000000)\n"
    "  --room-keep-age S        seconds a room keeps messages (604800;\n"
    "                           60-315360000)\n"
    "  --room-keep-age-max S    most a room may ask for (7776000;\n"
    "                           60-315360000)\n"
    "  --page-max N             messages per fetch (256; 1-4096)\n"
    "  --mailbox-ttl S          seconds mail waits (2592000; 60-31536000)\n"
    "  --mailbox-quota-count N  envelopes per mailbox (5000; 1-1000000)\n"
    "  --mailbox-quota-bytes N  bytes per mailbox (67108864;\n"
    "                           65536-17179869184)\n"
    "  --prekeys-max N          one-time prekeys per mailbox (200; 1-10000)\n"
    "  --escrow-max-delay S     furthest escrow release (604800;\n"
    "                           60-31536000)\n"
    "  --escrow-max N           escrows in the relay (100000; 1-10000000)\n"
    "  --sync MODE              full (default) or normal\n"
    "  --log-level LEVEL        error, warn, info (default) or debug\n";

enum {
	OPT_DATA = 256,
	OPT_CONFIG,
	OPT_READY_FD,
	OPT_SETTING, /* a relay.conf key: the option's name is the key */
};

static const struct option relay_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"ready-fd", required_argument, NULL, OPT_READY_FD},
    {"listen", required_argument, NULL, OPT_SETTING},
    {"max-connections", required_argument, NULL, OPT_SETTING},
    {"max-connections-per-address", required_argument, NULL, OPT_SETTING},
    {"handshake-timeout", required_argument, NULL, OPT_SETTING},
    {"idle-timeout", required_argument, NULL, OPT_SETTING},
    {"queue-max", required_argument, NULL, OPT_SETTING},
    {"frame-max", required_argument, NULL, OPT_SETTING},
    {"rate", required_argument, NULL, OPT_SETTING},
    {"rate-burst", required_argument, NULL, OPT_SETTING},
    {"max-subscriptions", required_argument, NULL, OPT_SETTING},
    {"room-create", required_argument, NULL, OPT_SETTING},
    {"operator-token", required_argument, NULL, OPT_SETTING},
    {"room-keep-count", required_argument, NULL, OPT_SETTING},
    {"room-keep-count-max", required_argument, NULL, OPT_SETTING},
    {"room-keep-age", required_argument, NULL, OPT_SETTING},
    {"room-keep-age-max", required_argument, NULL, OPT_SETTING},
    {"page-max", required_argument, NULL, OPT_SETTING},
    {"mailbox-ttl", required_argument, NULL, OPT_SETTING},
    {"mailbox-quota-count", required_argument, NULL, OPT_SETTING},
    {"mailbox-quota-bytes", required_argument, NULL, OPT_SETTING},
    {"prekeys-max", required_argument, NULL, OPT_SETTING},
    {"escrow-max-delay", required_argument, NULL, OPT_SETTING},
    {"escrow-max", required_argument, NULL, OPT_SETTING},
    {"sync", required_argument, NULL, OPT_SETTING},
    {"log-level", required_argument, NULL, OPT_SETTING},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* A setting from the command line, applied after the file. */
struct relay_flag {
	const char *key;
	char *value; /* in argv */
};

static void usage_error(const char *fmt, const char *arg)
    __attribute__((format(printf, 1, 0), noreturn));

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hearth-relay: ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
	fprintf(stderr, "\nTry 'hearth-relay --help'.\n");
	exit(2);
}

static unsigned long long
parse_number(const char *opt, const char *s, unsigned long long min,
    unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr,
		    "hearth-relay: %s: '%s' is not a number from "
		    "%llu to %llu\n",
		    opt, s, min, max);
		exit(2);
	}
	return v;
}

static int
print_address(const char *host, uint16_t port, const uint8_t pub[32])
{
	struct addr a;
	char s[ADDR_STR_MAX];

	memset(&a, 0, sizeof a);
	memcpy(a.key, pub, sizeof a.key);
	snprintf(a.host, sizeof a.host, "%s", host);
	a.port = port;
	if (addr_format(&a, s, sizeof s) != 0)
		return ERR_TOO_BIG;
	printf("%s\n", s);
	return 0;
}

static int
cmd_init(const char *data, const char *host, uint16_t port)
{
	uint8_t pub[32];
	int rc = keyfile_create(data, pub);

	if (rc == UV_EEXIST) {
		fprintf(stderr,
		    "hearth-relay: %s/%s already exists; not "
		    "replacing the relay's key\n",
		    data, KEYFILE_NAME);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "hearth-relay: cannot create %s/%s: %s\n", data,
		    KEYFILE_NAME, err_str(rc));
		return 1;
	}
	fprintf(stderr,
	    "hearth-relay: made a new key in %s; give clients "
	    "this address:\n",
	    data);
	return print_address(host, port, pub) == 0 ? 0 : 1;
}

static int
load_key(const char *data, uint8_t priv[32], uint8_t pub[32])
{
	int rc = keyfile_load(data, priv, pub);

	if (rc == 0)
		return 0;
	if (rc == UV_ENOENT)
		fprintf(stderr,
		    "hearth-relay: no key in %s; run "
		    "'hearth-relay init --data %s' first\n",
		    data, data);
	else if (rc == ERR_KEYFILE)
		fprintf(stderr,
		    "hearth-relay: %s/%s is malformed, a link, or "
		    "readable by others (it must be mode 0600)\n",
		    data, KEYFILE_NAME);
	else
		fprintf(stderr, "hearth-relay: cannot read %s/%s: %s\n", data,
		    KEYFILE_NAME, err_str(rc));
	return rc;
}

static int
cmd_run(const char *data, struct relay_config *cfg)
{
	uv_loop_t loop;
	struct relay r;
	uint8_t *priv = secmem_take(32), pub[32];
	const char *msg = NULL;
	int rc, status = 1;

	if (load_key(data, priv, pub) != 0) {
		secmem_give(priv);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&loop);
	rc = relay_start(&r, &loop, cfg, priv, &msg);
	secmem_give(priv);
	if (rc == ERR_STORE)
		fprintf(stderr, "hearth-relay: cannot open %s/%s: %s\n", data,
		    RELAY_STORE_FILE, msg != NULL ? msg : err_str(rc));
	else if (rc != 0 && msg != NULL)
		fprintf(stderr, "hearth-relay: %s: %s\n", data, msg);
	else if (rc != 0)
		fprintf(stderr,
		    "hearth-relay: cannot listen on %s port %u: "
		    "%s\n",
		    cfg->host, (unsigned)cfg->port, err_str(rc));
	uv_run(&loop, UV_RUN_DEFAULT);
	relay_release(&r);
	if (uv_loop_close(&loop) != 0)
		log_error("handles left open at exit");
	else if (rc == 0)
		status = 0;
	secmem_shutdown();
	return status;
}

/*
 * Checks what `run` would use without starting: the settings (already
 * loaded by the caller), the key file, and the database's integrity and
 * schema. Prints one line per part; exits 1 if any is wrong.
 */
static int
cmd_check(const char *data, const struct relay_config *cfg)
{
	struct relay_store *st = NULL;
	uint8_t *priv = secmem_take(32), pub[32];
	const char *msg = NULL;
	uint64_t rooms = 0, escrows = 0;
	int rc, status = 0;

	printf("settings: ok (listen %s port %u)\n", cfg->host,
	    (unsigned)cfg->port);
	if (load_key(data, priv, pub) != 0)
		status = 1;
	else
		printf("key: ok\n");
	secmem_give(priv);
	rc = relay_store_open(&st, data, cfg->sync_full, &msg);
	if (rc == 0)
		rc = relay_store_check(st);
	if (rc == 0)
		rc = relay_store_room_count(st, &rooms);
	if (rc == 0)
		rc = relay_store_escrow_count(st, &escrows);
	if (rc != 0) {
		fprintf(stderr, "hearth-relay: %s/%s: %s\n", data,
		    RELAY_STORE_FILE, msg != NULL ? msg : err_str(rc));
		status = 1;
	} else {
		printf("database: ok (%llu rooms, %llu escrows waiting)\n",
		    (unsigned long long)rooms, (unsigned long long)escrows);
	}
	relay_store_close(st);
	secmem_shutdown();
	return status;
}

static int
cmd_stats(const char *data)
{
	struct buf out;
	int rc;

	buf_init(&out, RELAY_STATS_MAX);
	rc = relay_stats_query(data, &out);
	if (rc == UV_ENOENT || rc == UV_ECONNREFUSED)
		fprintf(stderr,
		    "hearth-relay: no relay is running with data in %s\n",
		    data);
	else if (rc != 0)
		fprintf(stderr, "hearth-relay: cannot read %s/%s: %s\n", data,
		    RELAY_STATS_SOCK, err_str(rc));
	else if (out.len > 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
		rc = ERR_IO;
	buf_release(&out);
	return rc == 0 ? 0 : 1;
}

/*
 * Settings: the defaults, then the file (--config FILE, or DIR/relay.conf
 * if it exists), then the flags in their order. Exits 2 on any error.
 */
static void
load_settings(struct relay_config *cfg, const char *data, const char *config,
    const struct relay_flag *flags, size_t nflags)
{
	char path[4096], err[512];
	int n;

	relay_config_defaults(cfg);
	if (config == NULL) {
		n = snprintf(
		    path, sizeof path, "%s/%s", data, RELAY_CONFIG_FILE);
		if (n < 0 || (size_t)n >= sizeof path)
			usage_error("%s", "--data: the path is too long");
		config = path;
	}
	if (relay_config_load(cfg, config, config != path, err, sizeof err) !=
	    0) {
		fprintf(stderr, "hearth-relay: %s\n", err);
		exit(2);
	}
	for (size_t i = 0; i < nflags; i++) {
		if (relay_config_set(cfg, flags[i].key, flags[i].value,
		        strlen(flags[i].value), err, sizeof err) != 0)
			usage_error("%s", err);
	}
	if (relay_config_check(cfg, err, sizeof err) != 0)
		usage_error("%s", err);
	n = snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", data);
	if (n < 0 || (size_t)n >= sizeof cfg->data_dir)
		usage_error("%s", "--data: the path is too long");
}

int
main(int argc, char **argv)
{
	struct relay_config cfg;
	struct relay_flag *flags = NULL;
	const char *cmd, *data = NULL, *config = NULL;
	size_t nflags = 0;
	int opt, idx, ready_fd = -1, status;
	uint8_t priv[32], pub[32];

	log_init("hearth-relay", LOG_INFO);
	/*
	 * Keys, passphrases and messages live in this process: no core file
	 * may carry them to disk, and no other process of the same user may
	 * attach to read them.
	 */
	{
		struct rlimit none = {0, 0};

		(void)setrlimit(RLIMIT_CORE, &none);
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(relay_usage, stdout);
		return 0;
	}
	if (argc >= 2 &&
	    (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("hearth-relay %s (wire version %d)\n", RELAY_VERSION,
		    WIRE_VERSION);
		return 0;
	}
	if (argc < 2)
		usage_error("%s",
		    "missing command (init, run, address, check or stats)");
	cmd = argv[1];
	argc--;
	argv++;
	/* Settings are collected first: they apply on top of the file. */
	flags = xcalloc((size_t)argc, sizeof *flags);
	for (;;) {
		idx = -1;
		opt = getopt_long(argc, argv, "hV", relay_options, &idx);
		if (opt == -1)
			break;
		switch (opt) {
		case OPT_DATA:
			data = optarg;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_READY_FD:
			ready_fd =
			    (int)parse_number("--ready-fd", optarg, 3, 1024);
			break;
		case OPT_SETTING:
			flags[nflags].key = relay_options[idx].name;
			flags[nflags].value = optarg;
			nflags++;
			break;
		case 'h':
			fputs(relay_usage, stdout);
			free(flags);
			return 0;
		case 'V':
			printf("hearth-relay %s\n", RELAY_VERSION);
			free(flags);
			return 0;
		default:
			fprintf(stderr, "Try 'hearth-relay --help'.\n");
			free(flags);
			return 2;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (data == NULL)
		usage_error("%s", "--data DIR is required");

	if (strcmp(cmd, "stats") == 0) {
		free(flags);
		return cmd_stats(data);
	}
	if (strcmp(cmd, "init") != 0 && strcmp(cmd, "run") != 0 &&
	    strcmp(cmd, "address") != 0 && strcmp(cmd, "check") != 0)
		usage_error("unknown command '%s' (init, run, address, check "
		            "or stats)",
		    cmd);
	load_settings(&cfg, data, config, flags, nflags);
	/* The token now lives in cfg only; keep it out of /proc/PID/cmdline. */
	for (size_t i = 0; i < nflags; i++)
		if (strcmp(flags[i].key, "operator-token") == 0)
			sodium_memzero(flags[i].value, strlen(flags[i].value));
	free(flags);
	cfg.ready_fd = ready_fd;
	log_init("hearth-relay", cfg.log_level);

	if (strcmp(cmd, "init") == 0)
		status = cmd_init(data, cfg.host, cfg.port);
	else if (strcmp(cmd, "run") == 0)
		status = cmd_run(data, &cfg);
	else if (strcmp(cmd, "check") == 0)
		status = cmd_check(data, &cfg);
	else if (load_key(data, priv, pub) != 0)
		status = 1;
	else {
		sodium_memzero(priv, sizeof priv);
		status = print_address(cfg.host, cfg.port, pub) == 0 ? 0 : 1;
	}
	sodium_memzero(&cfg, sizeof cfg);
	return status;
}
