/* SPDX-License-Identifier: ISC */
/*
 * The proxy URL parser and the SOCKS5 reply parser over arbitrary bytes.
 *
 * The whole input is a proxy URL. It is also a conversation: byte 0 picks
 * credentials (bit 0) and the relay host's kind (bits 1-2), the rest is
 * what the proxy says. The oracle: fed one byte at a time or in whole
 * messages (split where the byte-wise run had a reply to send), the
 * machine must reach the same verdict at the same byte, and bytes past an
 * open tunnel must be refused.
 */
#include <stdlib.h>
#include <string.h>

#include "client/socks5.h"
#include "common/err.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_SPLITS_MAX 8

static void
fuzz_url(const uint8_t *data, size_t size)
{
	struct socks5_proxy p;

	if (socks5_url_parse((const char *)data, size, &p) != 0)
		return;
	if (p.port == 0 || p.host[0] == '\0' ||
	    strlen(p.host) > ADDR_HOST_MAX || addr_is_onion(p.host))
		abort();
	if ((p.user_len == 0) != (p.pass_len == 0))
		abort();
	socks5_proxy_release(&p);
}

static void
fuzz_start(struct socks5 *c, uint8_t mode)
{
	static const char *const hosts[] = {
	    "relay.example", "192.0.2.1", "2001:db8::1", "x.onion"};
	struct socks5_proxy p;

	memset(&p, 0, sizeof p);
	memcpy(p.host, "127.0.0.1", 10);
	p.port = 9050;
	if (mode & 1) {
		p.user_len = 3;
		memcpy(p.user, "usr", 3);
		p.pass_len = 2;
		memcpy(p.pass, "pw", 2);
	}
	if (socks5_start(c, &p, hosts[(mode >> 1) & 3], 7483) != 0)
		abort();
}

static void
fuzz_exchange(const uint8_t *data, size_t size)
{
	struct socks5 a, b;
	size_t splits[FUZZ_SPLITS_MAX], nsplits = 0, end = 0, from = 0;
	int rc = SOCKS5_MORE, rc2 = SOCKS5_MORE;

	if (size < 1)
		return;
	fuzz_start(&a, data[0]);
	fuzz_start(&b, data[0]);
	data++;
	size--;

	/* Byte by byte, noting where each message ended. */
	for (end = 0; end < size; end++) {
		rc = socks5_feed(&a, data + end, 1);
		if (rc == SOCKS5_SEND) {
			if (a.out_len == 0 || a.out_len > SOCKS5_OUT_MAX ||
			    nsplits == FUZZ_SPLITS_MAX)
				abort();
			splits[nsplits++] = end + 1;
			continue;
		}
		if (rc != SOCKS5_MORE) {
			end++;
			break;
		}
	}

	/* Whole messages: each split ends in SEND, then the verdict. */
	for (size_t i = 0; i < nsplits; i++) {
		if (socks5_feed(&b, data + from, splits[i] - from) !=
		    SOCKS5_SEND)
			abort();
		from = splits[i];
	}
	if (from < size)
		rc2 = socks5_feed(&b, data + from, size - from);
	if (rc == SOCKS5_OPEN && end < size)
		rc = ERR_SOCKS_PROTO; /* the bytes past the reply */
	if (rc == SOCKS5_SEND)
		rc = SOCKS5_MORE; /* the input ended right after it */
	if (from < size && rc2 != rc)
		abort();
	socks5_release(&a);
	socks5_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_url(data, size);
	fuzz_exchange(data, size);
	return 0;
}
