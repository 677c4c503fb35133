/* SPDX-License-Identifier: ISC */
/*
 * The configuration file parser over arbitrary text, on top of the
 * defaults. Oracles: a refusal is ERR_CONFIG, leaves the settings exactly
 * as they were and explains itself in printable ASCII (so it quotes no raw
 * input, and so no token); an accepted text passes the cross-key check
 * and applying it again changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "relay/config.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct relay_config cfg, before, again;
	static char err[512];
	const char *text = (const char *)data;
	int rc;

	relay_config_defaults(&cfg);
	memcpy(&before, &cfg, sizeof cfg);
	memset(err, 0xa5, sizeof err);
	rc = relay_config_parse(&cfg, text, size, err, sizeof err);
	if (rc != 0) {
		if (rc != ERR_CONFIG || memcmp(&cfg, &before, sizeof cfg) != 0)
			abort();
		if (strncmp(err, "relay.conf", 10) != 0)
			abort();
		for (size_t i = 0; err[i] != '\0'; i++)
			if (i + 1 >= sizeof err || err[i] < 0x20 ||
			    err[i] > 0x7e)
				abort();
		return 0;
	}
	if (err[0] != '\0' || relay_config_check(&cfg, NULL, 0) != 0)
		abort();
	memcpy(&again, &cfg, sizeof cfg);
	if (relay_config_parse(&again, text, size, NULL, 0) != 0 ||
	    memcmp(&again, &cfg, sizeof cfg) != 0)
		abort();
	return 0;
}
