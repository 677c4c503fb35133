/* SPDX-License-Identifier: ISC */
/* Bucket padding with ISO/IEC 7816-4 marking. */
#include "common/pad.h"

#include <string.h>

#include "common/err.h"

static const size_t pad_buckets[PAD_BUCKET_COUNT] = {
    256,
    1024,
    4096,
    16384,
    PAD_BUCKET_MAX,
};

size_t
pad_size(size_t len)
{
	for (size_t i = 0; i < PAD_BUCKET_COUNT; i++)
		if (len < pad_buckets[i]) /* one byte for the 0x80 mark */
			return pad_buckets[i];
	return 0;
}

int
pad_apply(uint8_t *b, size_t len, size_t cap, size_t *out_len)
{
	return pad_apply_reserve(b, len, cap, 0, out_len);
}

int
pad_apply_reserve(
    uint8_t *b, size_t len, size_t cap, size_t reserve, size_t *out_len)
{
	size_t size;

	*out_len = 0;
	if (reserve >= PAD_BUCKET_MAX || len > PAD_BUCKET_MAX)
		return ERR_TOO_BIG;
	size = pad_size(len + reserve);
	if (size == 0 || size - reserve > cap)
		return ERR_TOO_BIG;
	size -= reserve;
	b[len] = 0x80;
	memset(b + len + 1, 0, size - len - 1);
	*out_len = size;
	return 0;
}

int
pad_remove(const uint8_t *b, size_t len, size_t *content_len)
{
	return pad_remove_reserve(b, len, 0, content_len);
}

int
pad_remove_reserve(
    const uint8_t *b, size_t len, size_t reserve, size_t *content_len)
{
	size_t i;
	int bucket = 0;

	*content_len = 0;
	for (i = 0; i < PAD_BUCKET_COUNT; i++)
		if (len <= PAD_BUCKET_MAX && len + reserve == pad_buckets[i])
			bucket = 1;
	if (!bucket)
		return ERR_PAD;
	i = len;
	while (i > 0 && b[i - 1] == 0)
		i--;
	if (i == 0 || b[i - 1] != 0x80)
		return ERR_PAD;
	*content_len = i - 1;
	return 0;
}
