/* SPDX-License-Identifier: ISC */
/*
 * The command-line splitter. The line is copied once into the struct and
 * split there; cmdline_rest() finds the remainder in an untouched copy, so
 * free text keeps its spacing.
 */
#include "client/cmdline.h"

#include <string.h>

#include "common/err.h"
#include "common/utf8.h"

static int
cmdline_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
cmdline_split(struct cmdline *c, const char *line, size_t len)
{
	size_t i = 0;

	c->nwords = 0;
	c->line[0] = c->buf[0] = '\0';
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CMDLINE_MAX)
		return ERR_TOO_BIG;
	if (!utf8_valid((const uint8_t *)line, len))
		return ERR_UTF8;
	for (size_t k = 0; k < len; k++) {
		unsigned char ch = (unsigned char)line[k];

		/* Control characters would reach names and the screen. */
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return ERR_UTF8;
	}
	memcpy(c->line, line, len);
	c->line[len] = '\0';
	memcpy(c->buf, line, len);
	c->buf[len] = '\0';
	while (i < len && cmdline_blank(c->buf[i]))
		i++;
	if (i == len || c->buf[i] != '/')
		return ERR_USAGE;
	while (i < len && c->nwords < CMDLINE_WORDS_MAX) {
		c->off[c->nwords] = i;
		c->word[c->nwords++] = c->buf + i;
		/* The last word keeps the rest of the line, blanks and all. */
		if (c->nwords == CMDLINE_WORDS_MAX)
			break;
		while (i < len && !cmdline_blank(c->buf[i]))
			i++;
		while (i < len && cmdline_blank(c->buf[i]))
			c->buf[i++] = '\0';
	}
	return 0;
}

const char *
cmdline_rest(const struct cmdline *c, size_t n)
{
	if (n == 0 || n >= c->nwords)
		return "";
	return c->line + c->off[n];
}
