/* SPDX-License-Identifier: ISC */
/* Reading and writing the relay's static key with safe permissions. */
#include "relay/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/err.h"
#include "common/noise.h"

/* The key line: 43 base64url characters and a newline. */
#define KEYFILE_LEN (ADDR_KEY_B64_LEN + 1)

static int
keyfile_path(const char *dir, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", dir, KEYFILE_NAME);

	return n < 0 || (size_t)n >= cap ? ERR_TOO_BIG : 0;
}

int
keyfile_create(const char *dir, uint8_t pub[static 32])
{
	uint8_t priv[NOISE_DH_LEN];
	char path[4096], line[KEYFILE_LEN + 1];
	int fd = -1, rc;

	memset(pub, 0, 32);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	rc = keyfile_path(dir, path, sizeof path);
	if (rc != 0)
		return rc;
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	noise_keypair(priv, pub);
	addr_key_encode(priv, line);
	line[ADDR_KEY_B64_LEN] = '\n';
	rc = 0;
	if (write(fd, line, KEYFILE_LEN) != KEYFILE_LEN || fsync(fd) != 0)
		rc = -errno ? -errno : ERR_IO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		unlink(path);
		memset(pub, 0, 32);
	}
	explicit_bzero(priv, sizeof priv);
	explicit_bzero(line, sizeof line);
	return rc;
}

int
keyfile_load(const char *dir, uint8_t priv[static 32], uint8_t pub[static 32])
{
	char path[4096], line[KEYFILE_LEN + 1];
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(priv, 0, 32);
	memset(pub, 0, 32);
	rc = keyfile_path(dir, path, sizeof path);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? ERR_KEYFILE : -errno;
	rc = ERR_KEYFILE;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_size != KEYFILE_LEN)
		goto out;
	n = read(fd, line, sizeof line);
	if (n != KEYFILE_LEN || line[ADDR_KEY_B64_LEN] != '\n')
		goto out;
	if (addr_key_decode(line, ADDR_KEY_B64_LEN, priv) != 0)
		goto out;
	noise_pubkey(pub, priv);
	rc = 0;
out:
	explicit_bzero(line, sizeof line);
	close(fd);
	return rc;
}
