/* SPDX-License-Identifier: ISC */
/*
 * Level-filtered logging to stderr, one line per call, with a UTC time
 * stamp so operators can correlate without a syslog.
 */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"

static const char *log_prog = "hearth";
static enum log_level log_max = LOG_INFO;

static const char *const log_names[] = {"error", "warn", "info", "debug"};

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_max = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof log_names / sizeof log_names[0]; i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return ERR_USAGE;
}

static void log_vwrite(enum log_level level, const char *fmt, va_list ap,
    const char *suffix) __attribute__((format(printf, 2, 0)));

static void
log_vwrite(
    enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	char stamp[32];
	struct tm tm;
	time_t now;

	if (level > log_max)
		return;
	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	fprintf(stderr, "%s %s %s: ", stamp, log_prog, log_names[level]);
	vfprintf(stderr, fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

#define LOG_FN(name, level)                                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vwrite(level, fmt, ap, NULL);                              \
		va_end(ap);                                                    \
	}

LOG_FN(log_error, LOG_ERROR)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

void
fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, fmt, ap, why);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
