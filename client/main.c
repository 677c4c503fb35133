/* SPDX-License-Identifier: ISC */
/*
 * hearth: the client. Until the engine and the interface land, it can
 * check a relay: `hearth ping ADDRESS` connects, verifies the relay's key
 * through the Noise handshake, and measures round trips, directly or
 * through a SOCKS5 proxy such as Tor. See man/hearth.1.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <sodium.h>

#include "client/headless.h"
#include "client/store.h"
#include "client/tui.h"
#include "client/upstream.h"
#include "common/err.h"
#include "common/log.h"
#include "common/secmem.h"

#define PING_COUNT_MAX 100000

enum {
	OPT_HEADLESS = 256,
	OPT_HOME,
	OPT_PASSFILE,
	OPT_WIPE,
};

static const char hearth_usage[] =
    "usage: hearth [--home DIR] [--passphrase-file FILE] [--proxy URL]\n"
    "       hearth ping ADDRESS [--count N] [--proxy URL]\n"
    "       hearth --headless [--home DIR] [--passphrase-file FILE]"
    " [--proxy URL]\n"
    "       hearth --wipe [--home DIR]\n"
    "\n"
    "  (no command)   the chat interface, in this terminal; F1 shows the\n"
    "                 keys, /help the commands\n"
    "  ping ADDRESS   connect to the relay at ADDRESS "
    "(hearth://KEY@HOST:PORT),\n"
    "                 verify that it holds KEY, and time N round trips\n"
    "                 (default 3)\n"
    "  --proxy URL    connect through the SOCKS5 proxy at URL,\n"
    "                 socks5://[USER:PASS@]HOST:PORT; for Tor\n"
    "                 socks5://127.0.0.1:9050. The proxy resolves the\n"
    "                 relay's name; hearth never looks it up itself.\n"
    "\n"
    "  --headless     read slash commands on standard input and write one\n"
    "                 JSON event per line on standard output; the\n"
    "                 passphrase comes from HEARTH_PASSPHRASE or\n"
    "                 --passphrase-file, never from the command line\n"
    "  --wipe         delete the store and every key in it at once and\n"
    "                 for good (overwritten, then removed); no question\n"
    "  --home DIR     where the encrypted store lives (default\n"
    "                 $XDG_DATA_HOME/hearth or ~/.local/share/hearth)\n"
    "\n"
    "  -h, --help     show this help\n"
    "  -V, --version  show the version\n"
    "\n"
    "The chat interface is not built yet; headless mode has personas.\n";

struct ping_run {
	struct upstream up;
	unsigned count;
	unsigned sent;
	unsigned answered;
	uint64_t sent_at;
	double *rtt_ms;
	int err;
	char reason[PROTO_REASON_MAX + 1];
	uv_signal_t sigint;
};

static void ping_on_ready(struct upstream *u, const struct wire_welcome *w);
static void ping_on_msg(struct upstream *u, const struct wire_msg *m);
static void ping_on_close(struct upstream *u, int err, const char *reason);

static const struct upstream_ops ping_ops = {
    .on_ready = ping_on_ready,
    .on_msg = ping_on_msg,
    .on_close = ping_on_close,
};

static void
ping_send(struct ping_run *p)
{
	struct wire_msg m;

	memset(&m, 0, sizeof m);
	m.type = WIRE_MSG_PING;
	m.u.ping.token = ++p->sent;
	p->sent_at = uv_hrtime();
	if (upstream_send(&p->up, &m) != 0)
		upstream_close(&p->up);
}

static void
ping_on_ready(struct upstream *u, const struct wire_welcome *w)
{
	struct ping_run *p = u->data;

	printf("connected to %s port %u: relay key verified, wire version "
	       "%llu\n",
	    u->addr.host, (unsigned)u->addr.port,
	    (unsigned long long)w->version);
	if (p->count == 0) {
		upstream_close(u);
		return;
	}
	ping_send(p);
}

static void
ping_on_msg(struct upstream *u, const struct wire_msg *m)
{
	struct ping_run *p = u->data;

	if (m->type != WIRE_MSG_PONG || m->u.ping.token != p->sent) {
		p->err = ERR_PROTO;
		upstream_close(u);
		return;
	}
	p->rtt_ms[p->answered++] = (double)(uv_hrtime() - p->sent_at) / 1e6;
	if (p->answered == p->count)
		upstream_close(u);
	else
		ping_send(p);
}

static void
ping_on_close(struct upstream *u, int err, const char *reason)
{
	struct ping_run *p = u->data;

	if (p->err == 0)
		p->err = err;
	if (reason != NULL)
		snprintf(p->reason, sizeof p->reason, "%s", reason);
	uv_close((uv_handle_t *)&p->sigint, NULL);
}

static void
ping_on_signal(uv_signal_t *h, int signum)
{
	struct ping_run *p = h->data;

	p->err = ERR_TIMEOUT;
	upstream_close(&p->up);
}

/*
 * The default home: $XDG_DATA_HOME/hearth or $HOME/.local/share/hearth.
 * With make, makes the folders above it that are missing (0700, as the
 * XDG base directory specification asks), so that the first run works;
 * the store makes the last one itself. Returns 0, or -1 (errno set if a
 * folder could not be made).
 */
static int
default_home(char *out, size_t cap, bool make)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	size_t base;
	int n;

	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(out, cap, "%s/hearth", xdg);
		base = strlen(xdg);
	} else if (home != NULL && home[0] == '/') {
		n = snprintf(out, cap, "%s/.local/share/hearth", home);
		base = strlen(home);
	} else {
		return -1;
	}
	if (n <= 0 || (size_t)n >= cap)
		return -1;
	if (!make)
		return 0;
	/* Each '/' from the base on ends a folder; the last is the store's. */
	for (size_t i = base; out[i] != '\0'; i++) {
		if (out[i] != '/')
			continue;
		out[i] = '\0';
		if (mkdir(out, 0700) != 0 && errno != EEXIST) {
			out[i] = '/';
			return -1;
		}
		out[i] = '/';
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
ping_explain(const struct ping_run *p, const struct addr *a)
{
	const struct upstream *u = &p->up;
	char key[ADDR_KEY_B64_LEN + 1];

	/* Name the hop that failed: the proxy, or the relay through it. */
	if (u->use_proxy && u->step <= UPSTREAM_PROXY_CONNECT) {
		fprintf(stderr,
		    "hearth: cannot reach the proxy at %s port %u: %s\n",
		    u->proxy.host, (unsigned)u->proxy.port, err_str(p->err));
		return;
	}
	if (u->use_proxy && u->step == UPSTREAM_PROXY) {
		fprintf(stderr,
		    "hearth: relay %s port %u through the proxy at %s port "
		    "%u: %s\n",
		    a->host, (unsigned)a->port, u->proxy.host,
		    (unsigned)u->proxy.port, err_str(p->err));
		return;
	}
	addr_key_encode(a->key, key);
	switch (p->err) {
	case ERR_HS_KEY:
	case ERR_CRYPTO:
		fprintf(stderr,
		    "hearth: relay key mismatch: the relay at %s "
		    "port %u does not hold the key pinned in the "
		    "address (%.8s...). Check the address with the "
		    "relay's operator.\n",
		    a->host, (unsigned)a->port, key);
		break;
	case ERR_HS_VERSION:
		fprintf(stderr,
		    "hearth: the relay at %s port %u speaks "
		    "another protocol version; update hearth or "
		    "the relay.\n",
		    a->host, (unsigned)a->port);
		break;
	default:
		fprintf(stderr, "hearth: relay %s port %u: %s%s%s\n", a->host,
		    (unsigned)a->port, err_str(p->err),
		    p->reason[0] ? ": " : "", p->reason);
	}
}

static int
cmd_ping(const char *address, unsigned count, const struct socks5_proxy *proxy)
{
	struct ping_run p;
	struct addr a;
	uv_loop_t loop;
	struct stream_loop sl;
	int rc, status = 1;

	if (addr_parse(address, strlen(address), &a) != 0) {
		fprintf(stderr,
		    "hearth: '%s' is not a relay address "
		    "(hearth://KEY@HOST:PORT)\n",
		    address);
		return 2;
	}
	memset(&p, 0, sizeof p);
	p.count = count;
	p.rtt_ms = calloc(count ? count : 1, sizeof *p.rtt_ms);
	if (p.rtt_ms == NULL)
		fatalx("out of memory");
	uv_loop_init(&loop);
	stream_loop_init(&sl, &loop);
	uv_signal_init(&loop, &p.sigint);
	p.sigint.data = &p;
	uv_signal_start(&p.sigint, ping_on_signal, SIGINT);
	rc = upstream_connect_via(&p.up, &sl, &a, proxy, &ping_ops, &p);
	if (rc != 0) {
		p.err = rc;
		uv_close((uv_handle_t *)&p.sigint, NULL);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	stream_loop_release(&sl);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop) != 0)
		log_error("handles left open at exit");
	if (p.err == 0 && p.answered == count) {
		status = 0;
		if (count > 0) {
			qsort(p.rtt_ms, count, sizeof *p.rtt_ms, cmp_double);
			printf("%u pings answered: round trip min %.3f ms, "
			       "median %.3f ms, max %.3f ms\n",
			    count, p.rtt_ms[0], p.rtt_ms[count / 2],
			    p.rtt_ms[count - 1]);
		}
	} else
		ping_explain(&p, &a);
	free(p.rtt_ms);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'c'},
	    {"headless", no_argument, NULL, OPT_HEADLESS},
	    {"home", required_argument, NULL, OPT_HOME},
	    {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
	    {"wipe", no_argument, NULL, OPT_WIPE},
	    {"proxy", required_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct socks5_proxy proxy;
	bool use_proxy = false;
	unsigned long count = 3;
	const char *home = NULL, *passfile = NULL;
	char home_buf[4096];
	bool headless = false, wipe = false;
	char *end;
	int opt, rc;

	log_init("hearth", LOG_WARN);
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
	signal(SIGPIPE, SIG_IGN);
	memset(&proxy, 0, sizeof proxy);
	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-' || count > PING_COUNT_MAX) {
				fprintf(stderr,
				    "hearth: --count: '%s' is not "
				    "a number from 0 to %d\n",
				    optarg, PING_COUNT_MAX);
				return 2;
			}
			break;
		case OPT_HEADLESS:
			headless = true;
			break;
		case OPT_HOME:
			home = optarg;
			break;
		case OPT_PASSFILE:
			passfile = optarg;
			break;
		case OPT_WIPE:
			wipe = true;
			break;
		case 'x':
			/* Never echo it: it may carry a password. */
			if (socks5_url_parse(optarg, strlen(optarg), &proxy) !=
			    0) {
				fprintf(stderr, "hearth: --proxy: %s\n",
				    err_str(ERR_PROXY_URL));
				return 2;
			}
			use_proxy = true;
			/*
			 * It may hold a password: out of /proc/PID/cmdline,
			 * as far as this process can take it.
			 */
			explicit_bzero(optarg, strlen(optarg));
			break;
		case 'h':
			fputs(hearth_usage, stdout);
			return 0;
		case 'V':
			printf("hearth %s (wire version %d)\n", HEARTH_VERSION,
			    WIRE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'hearth --help'.\n");
			return 2;
		}
	}
	if (wipe) {
		if (optind != argc || headless) {
			fprintf(stderr, "hearth: --wipe takes only --home\n");
			return 2;
		}
		if (home == NULL &&
		    default_home(home_buf, sizeof home_buf, false) != 0) {
			fprintf(stderr, "hearth: no HOME or XDG_DATA_HOME; "
			                "give --home DIR\n");
			return 2;
		}
		/*
		 * No question asked: this is also what a panic key runs. The
		 * store is overwritten before it is unlinked.
		 */
		rc = cstore_wipe(home != NULL ? home : home_buf);
		if (rc != 0) {
			fprintf(stderr,
			    "hearth: wiped what could be wiped: %s\n",
			    err_str(rc));
			return 1;
		}
		printf("hearth: the store and all its keys are gone\n");
		return 0;
	}
	if (headless) {
		if (optind != argc) {
			fprintf(stderr, "hearth: --headless takes commands on "
			                "standard input, not arguments\n");
			return 2;
		}
		errno = 0;
		if (home == NULL &&
		    default_home(home_buf, sizeof home_buf, true) != 0) {
			fprintf(stderr,
			    "hearth: cannot make the default home folder "
			    "(%s); give --home DIR\n",
			    errno != 0 ? strerror(errno)
			               : "no HOME or XDG_DATA_HOME");
			return 2;
		}
		rc = headless_run(home != NULL ? home : home_buf, passfile,
		    NULL, use_proxy ? &proxy : NULL);
		secmem_shutdown();
		return rc;
	}
	if (optind == argc) {
		errno = 0;
		if (home == NULL &&
		    default_home(home_buf, sizeof home_buf, true) != 0) {
			fprintf(stderr,
			    "hearth: cannot make the default home folder "
			    "(%s); give --home DIR\n",
			    errno != 0 ? strerror(errno)
			               : "no HOME or XDG_DATA_HOME");
			return 2;
		}
		/* ncursesw draws UTF-8 only under a UTF-8 locale. */
		if (setlocale(LC_CTYPE, "") == NULL ||
		    strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
			(void)setlocale(LC_CTYPE, "C.UTF-8");
		rc = tui_run(home != NULL ? home : home_buf, passfile,
		    use_proxy ? &proxy : NULL);
		socks5_proxy_release(&proxy);
		secmem_shutdown();
		return rc;
	}
	if (optind + 2 == argc && strcmp(argv[optind], "ping") == 0) {
		rc = cmd_ping(argv[optind + 1], (unsigned)count,
		    use_proxy ? &proxy : NULL);
		socks5_proxy_release(&proxy);
		secmem_shutdown();
		return rc;
	}
	fprintf(stderr, "hearth: expected 'ping ADDRESS'\n"
	                "Try 'hearth --help'.\n");
	return 2;
}
