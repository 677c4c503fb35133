/* SPDX-License-Identifier: ISC */
/* The command table. */
#include "client/cmd.h"

#include <string.h>

const struct cmd_entry *const cmd_table[] = {
    &cmd_persona_entry,
    &cmd_relay_entry,
    &cmd_proxy_entry,
    &cmd_panic_entry,
    &cmd_notify_entry,
    &cmd_room_entry,
    &cmd_join_entry,
    &cmd_invite_entry,
    &cmd_rooms_entry,
    &cmd_members_entry,
    &cmd_say_entry,
    &cmd_alert_entry,
    &cmd_dm_entry,
    &cmd_verify_entry,
    &cmd_timer_entry,
    &cmd_safe_entry,
    &cmd_history_entry,
    &cmd_expire_entry,
    &cmd_leave_entry,
    &cmd_help_entry,
    &cmd_quit_entry,
    NULL,
};

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}
