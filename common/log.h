/* SPDX-License-Identifier: ISC */
/*
 * Logging to stderr with levels. Privacy rule: callers never pass IP
 * addresses, keys, names or message text; connections are named by a
 * process-local counter only. fatal() and fatalx() are for startup failures
 * and allocation failure, never for anything a peer sends.
 */
#ifndef HEARTH_LOG_H
#define HEARTH_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Sets the most verbose level printed and the program name prefix. */
void log_init(const char *progname, enum log_level level);

/* Parses "error", "warn", "info" or "debug"; returns 0 or ERR_USAGE. */
int log_level_parse(const char *s, enum log_level *out);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the message (fatal() appends strerror(errno)) and exits 1. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
