/* SPDX-License-Identifier: ISC */
/*
 * The relay's data folder and its static key. The folder is made 0700 and
 * the key file 0600; a key file that others can read, that is a link, or
 * that is not exactly one base64url key is refused rather than used.
 */
#ifndef HEARTH_RELAY_KEYFILE_H
#define HEARTH_RELAY_KEYFILE_H

#include <stdint.h>

#define KEYFILE_NAME "relay.key"

/*
 * Creates dir (0700) if missing and a new key file in it. Refuses with
 * UV_EEXIST if a key file is already there: an existing key is never
 * replaced. Stores the new public key in pub.
 */
int keyfile_create(const char *dir, uint8_t pub[static 32]);

/*
 * Loads the private key from dir into priv and derives pub. Returns 0,
 * ERR_KEYFILE (malformed or unsafe permissions) or a negative errno.
 */
int keyfile_load(
    const char *dir, uint8_t priv[static 32], uint8_t pub[static 32]);

#endif
