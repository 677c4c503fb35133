/* SPDX-License-Identifier: ISC */
/* The command table. */
#include "client/cmd.h"

#include <string.h>

const struct cmd_entry *const cmd_table[] = {
    &cmd_persona_entry,
    &cmd_relay_entry,
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
