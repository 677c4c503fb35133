/* SPDX-License-Identifier: ISC */
/*
 * Envelope padding: an end-to-end envelope is padded to one of a few bucket
 * sizes before encryption, so its length says little about its content.
 * The scheme is ISO/IEC 7816-4: one 0x80 byte, then zeros up to the bucket,
 * which can always be removed unambiguously.
 */
#ifndef HEARTH_PAD_H
#define HEARTH_PAD_H

#include <stddef.h>
#include <stdint.h>

/* The buckets: 256 B, 1 KiB, 4 KiB, 16 KiB and 64 KiB less 1 KiB, so a
 * padded envelope plus its message header fits one transport frame. */
#define PAD_BUCKET_COUNT 5
#define PAD_BUCKET_MAX (65536 - 1024)
/* The most content a padded envelope can carry. */
#define PAD_CONTENT_MAX (PAD_BUCKET_MAX - 1)

/* Returns the padded size for len bytes of content, or 0 if too long. */
size_t pad_size(size_t len);

/*
 * Pads the len content bytes at b in place up to pad_size(len); b must have
 * room for cap >= pad_size(len) bytes. Stores the padded length in *out_len.
 * ERR_TOO_BIG if the content is too long or cap too small.
 */
int pad_apply(uint8_t *b, size_t len, size_t cap, size_t *out_len);

/*
 * Finds the content length of the padded envelope b[0..len). ERR_PAD if len
 * is not a bucket size or the padding is not 0x80 followed by zeros.
 */
int pad_remove(const uint8_t *b, size_t len, size_t *content_len);

/*
 * For a layer that adds reserve bytes (headers, tag, signature) after
 * padding: pads to pad_size(len + reserve) - reserve, so the finished
 * envelope is exactly a bucket size. Otherwise as pad_apply; ERR_TOO_BIG
 * also if reserve leaves no room in the largest bucket.
 */
int pad_apply_reserve(
    uint8_t *b, size_t len, size_t cap, size_t reserve, size_t *out_len);

/* The inverse of pad_apply_reserve: len + reserve must be a bucket size. */
int pad_remove_reserve(
    const uint8_t *b, size_t len, size_t reserve, size_t *content_len);

#endif
