/* SPDX-License-Identifier: ISC */
/*
 * A hostile member for the interface tests: it posts, to a room its store
 * has joined, text no hearth would let a person type (escape sequences,
 * CR, BS, LF), straight through the engine, as a modified client could.
 * The message is encrypted and sent as any other; the test then looks at
 * what reached the other member's terminal.
 * With a count N after HEX it posts N urgent alerts instead, numbered
 * after the text, past the sender's own limit, as a flooding client
 * would: readers must show only three an hour.
 * usage: hostile HOME ROOM HEX [N]   (HEARTH_PASSPHRASE in the environment)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/engine-int.h"
#include "client/store.h"

static int delivered, want = 1;

static void
on_event(void *arg, const struct engine_event *ev)
{
	struct engine *e = arg;

	if (ev->kind == ENGINE_EV_DELIVERED && ++delivered == want)
		engine_shutdown(e);
	if (ev->kind == ENGINE_EV_ERROR)
		fprintf(stderr, "hostile: %s: %s\n", ev->command, ev->reason);
}

int
main(int argc, char **argv)
{
	static struct engine e;
	const char *pass = getenv("HEARTH_PASSPHRASE"), *msg = NULL;
	char text[1024];
	size_t n = 0;

	if ((argc != 4 && argc != 5) || pass == NULL || sodium_init() < 0 ||
	    sodium_hex2bin((unsigned char *)text, sizeof text - 1, argv[3],
	        strlen(argv[3]), NULL, &n, NULL) != 0) {
		fprintf(stderr, "usage: hostile HOME ROOM HEX\n");
		return 2;
	}
	text[n] = '\0';
	if (engine_open(&e, argv[1], pass, strlen(pass), NULL, NULL, on_event,
	        &e, &msg) != 0) {
		fprintf(stderr, "hostile: %s\n", msg);
		return 1;
	}
	if (argc == 5) {
		char numbered[1100];

		want = (int)strtol(argv[4], NULL, 10);
		if (want < 1 || want > 100)
			return 2;
		for (int i = 1; i <= want; i++) {
			snprintf(numbered, sizeof numbered, "%s %d", text, i);
			engine_room_post(
			    &e, "/alert", argv[2], CONTENT_URGENT, numbered);
		}
	} else
		engine_room_say(&e, argv[2], text);
	/* Runs until the relay has it (on_event stops the engine). */
	uv_run(&e.loop, UV_RUN_DEFAULT);
	engine_close(&e);
	return delivered == want ? 0 : 1;
}
