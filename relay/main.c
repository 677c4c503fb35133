/* SPDX-License-Identifier: ISC */
/*
 * hearth-relay: argument parsing and the loop. See man/hearth-relay.8.
 *   hearth-relay init    --data DIR [--listen HOST:PORT]
 *   hearth-relay run     --data DIR [--listen HOST:PORT] [options]
 *   hearth-relay address --data DIR [--listen HOST:PORT]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/addr.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secmem.h"
#include "relay/keyfile.h"
#include "relay/relay.h"
#include "relay/store.h"

#define RELAY_VERSION HEARTH_VERSION

static const char relay_usage[] =
    "usage: hearth-relay init    --data DIR [--listen HOST:PORT]\n"
    "       hearth-relay run     --data DIR [--listen HOST:PORT] [options]\n"
    "       hearth-relay address --data DIR [--listen HOST:PORT]\n"
    "\n"
    "  init     make the relay's key pair in DIR and print its address\n"
    "  run      serve clients until SIGINT or SIGTERM\n"
    "  address  print the hearth:// address clients use to reach the relay\n"
    "\n"
    "options:\n"
    "  --data DIR               data folder (made 0700 by init)\n"
    "  --listen HOST:PORT       address to listen on (default "
    "127.0.0.1:7483;\n"
    "                           port 0 picks a free port)\n"
    "  --ready-fd N             write the bound port and a newline to fd N\n"
    "  --max-connections N      connections at once (default 4096)\n"
    "  --handshake-timeout MS   time to finish the handshake (default "
    "10000)\n"
    "  --idle-timeout MS        close after MS without traffic (default "
    "300000)\n"
    "  --queue-max BYTES        unsent bytes per connection before it is\n"
    "                           closed as a slow reader (default 4194304)\n"
    "  --log-level LEVEL        error, warn, info (default) or debug\n"
    "  -h, --help               show this help\n"
    "  -V, --version            show the version\n";

enum {
	OPT_DATA = 256,
	OPT_LISTEN,
	OPT_READY_FD,
	OPT_MAX_CONNS,
	OPT_HS_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_QUEUE_MAX,
	OPT_LOG_LEVEL,
};

static const struct option relay_options[] = {
    {"data", required_argument, NULL, OPT_DATA},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"ready-fd", required_argument, NULL, OPT_READY_FD},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNS},
    {"handshake-timeout", required_argument, NULL, OPT_HS_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"queue-max", required_argument, NULL, OPT_QUEUE_MAX},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
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
	snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", data);
	rc = relay_start(&r, &loop, cfg, priv, &msg);
	secmem_give(priv);
	if (rc == ERR_STORE)
		fprintf(stderr, "hearth-relay: cannot open %s/%s: %s\n", data,
		    RELAY_STORE_FILE, msg != NULL ? msg : err_str(rc));
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

int
main(int argc, char **argv)
{
	struct relay_config cfg;
	const char *cmd, *data = NULL;
	enum log_level level = LOG_INFO;
	int opt;
	uint8_t priv[32], pub[32];

	log_init("hearth-relay", LOG_INFO);
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	relay_config_defaults(&cfg);
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
		usage_error("%s", "missing command (init, run or address)");
	cmd = argv[1];
	argc--;
	argv++;
	while (
	    (opt = getopt_long(argc, argv, "hV", relay_options, NULL)) != -1) {
		switch (opt) {
		case OPT_DATA:
			data = optarg;
			break;
		case OPT_LISTEN:
			if (addr_hostport_parse(optarg, strlen(optarg),
			        ADDR_DEFAULT_PORT, cfg.host, &cfg.port) != 0)
				usage_error(
				    "--listen: '%s' is not HOST:PORT", optarg);
			break;
		case OPT_READY_FD:
			cfg.ready_fd =
			    (int)parse_number("--ready-fd", optarg, 3, 1024);
			break;
		case OPT_MAX_CONNS:
			cfg.max_conns = (unsigned)parse_number(
			    "--max-connections", optarg, 1, 1000000);
			break;
		case OPT_HS_TIMEOUT:
			cfg.limits.handshake_ms = parse_number(
			    "--handshake-timeout", optarg, 1, 3600000);
			break;
		case OPT_IDLE_TIMEOUT:
			cfg.limits.idle_ms =
			    parse_number("--idle-timeout", optarg, 1, 86400000);
			break;
		case OPT_QUEUE_MAX:
			cfg.limits.queue_max = (size_t)parse_number(
			    "--queue-max", optarg, 65536, 1ull << 30);
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &level) != 0)
				usage_error("--log-level: '%s' is not error, "
				            "warn, info or debug",
				    optarg);
			break;
		case 'h':
			fputs(relay_usage, stdout);
			return 0;
		case 'V':
			printf("hearth-relay %s\n", RELAY_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'hearth-relay --help'.\n");
			return 2;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	log_init("hearth-relay", level);
	if (data == NULL)
		usage_error("%s", "--data DIR is required");

	if (strcmp(cmd, "init") == 0)
		return cmd_init(data, cfg.host, cfg.port);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(data, &cfg);
	if (strcmp(cmd, "address") == 0) {
		if (load_key(data, priv, pub) != 0)
			return 1;
		sodium_memzero(priv, sizeof priv);
		return print_address(cfg.host, cfg.port, pub) == 0 ? 0 : 1;
	}
	usage_error("unknown command '%s' (init, run or address)", cmd);
	return 2;
}
