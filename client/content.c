/* SPDX-License-Identifier: ISC */
#include "client/content.h"

#include <string.h>

#include "client/codec.h"
#include "common/err.h"
#include "common/utf8.h"

/* The rules both directions share: 0 or the error. */
static int
content_check(const struct content *c)
{
	if (c->expire_s > CONTENT_EXPIRE_MAX)
		return ERR_PROTO;
	switch (c->type) {
	case CONTENT_URGENT:
	case CONTENT_TEXT:
		if (c->len == 0 || c->len > CONTENT_TEXT_MAX)
			return ERR_PROTO;
		if (!utf8_valid(c->body, c->len))
			return ERR_UTF8;
		return 0;
	case CONTENT_SENDERKEY:
		return c->len == SENDERKEY_DIST_LEN ? 0 : ERR_PROTO;
	case CONTENT_ALERT:
		if (c->len > CONTENT_TEXT_MAX)
			return ERR_PROTO;
		if (c->len > 0 && !utf8_valid(c->body, c->len))
			return ERR_UTF8;
		return 0;
	}
	return ERR_PROTO;
}

int
content_encode(
    const struct content *c, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr w;
	int rc;

	*out_len = 0;
	if ((rc = content_check(c)) != 0)
		return rc;
	wr_init(&w, out, cap);
	wr_uint(&w, CONTENT_VERSION, 1);
	wr_uint(&w, c->type, 1);
	wr_bytes(&w, c->id, CONTENT_ID_LEN);
	wr_uint(&w, c->time_s, 8);
	wr_uint(&w, c->expire_s, 4);
	wr_uint(&w, c->len, 2);
	wr_bytes(&w, c->body, c->len);
	if (w.bad)
		return ERR_TOO_BIG;
	*out_len = w.off;
	return 0;
}

int
content_decode(struct content *c, const uint8_t *in, size_t len)
{
	struct rd r;
	unsigned ver;

	memset(c, 0, sizeof *c);
	rd_init(&r, in, len);
	ver = (unsigned)rd_uint(&r, 1);
	if (r.bad)
		return ERR_TRUNCATED;
	if (ver != CONTENT_VERSION)
		return ERR_VERSION;
	c->type = (enum content_type)rd_uint(&r, 1);
	rd_copy(&r, c->id, CONTENT_ID_LEN);
	c->time_s = rd_uint(&r, 8);
	c->expire_s = (uint32_t)rd_uint(&r, 4);
	c->len = (size_t)rd_uint(&r, 2);
	c->body = rd_take(&r, c->len);
	if (r.bad) {
		memset(c, 0, sizeof *c);
		return ERR_TRUNCATED;
	}
	if (rd_left(&r) != 0) {
		memset(c, 0, sizeof *c);
		return ERR_TOO_BIG;
	}
	int rc = content_check(c);
	if (rc != 0)
		memset(c, 0, sizeof *c);
	return rc;
}
