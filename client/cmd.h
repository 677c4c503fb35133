/* SPDX-License-Identifier: ISC */
/*
 * The slash commands: one table that headless mode and the interface both
 * use, so they accept exactly the same commands. Each client/cmd-<name>.c
 * defines one entry (after tmux's cmd-*.c).
 */
#ifndef HEARTH_CLIENT_CMD_H
#define HEARTH_CLIENT_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "client/cmdline.h"

struct engine;

struct cmd_entry {
	const char *name;    /* "/persona" */
	const char *usage;   /* "/persona new|use|rename|list [NAME...]" */
	const char *summary; /* one plain sentence */
	size_t min_args;     /* words after the command */
	size_t max_args;
	/* Runs the command; c is valid, argument counts are checked. */
	void (*exec)(struct engine *e, const struct cmdline *c);
};

extern const struct cmd_entry cmd_persona_entry;
extern const struct cmd_entry cmd_relay_entry;
extern const struct cmd_entry cmd_proxy_entry;
extern const struct cmd_entry cmd_panic_entry;
extern const struct cmd_entry cmd_notify_entry;
extern const struct cmd_entry cmd_room_entry;
extern const struct cmd_entry cmd_join_entry;
extern const struct cmd_entry cmd_invite_entry;
extern const struct cmd_entry cmd_rooms_entry;
extern const struct cmd_entry cmd_members_entry;
extern const struct cmd_entry cmd_say_entry;
extern const struct cmd_entry cmd_alert_entry;
extern const struct cmd_entry cmd_dm_entry;
extern const struct cmd_entry cmd_verify_entry;
extern const struct cmd_entry cmd_timer_entry;
extern const struct cmd_entry cmd_safe_entry;
extern const struct cmd_entry cmd_history_entry;
extern const struct cmd_entry cmd_expire_entry;
extern const struct cmd_entry cmd_leave_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_quit_entry;

/* Every command, in the order /help lists them; NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* The command named name (with its '/'), or NULL. */
const struct cmd_entry *cmd_find(const char *name);

#endif
