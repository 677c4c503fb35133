/* SPDX-License-Identifier: ISC */
/*
 * Renders error codes. Project codes have a table here; anything else is
 * handed to libuv, whose codes are negated errno values on Unix.
 */
#include "common/err.h"

#include <uv.h>

static const char *const err_text[] = {
    [-(ERR_NOMEM - ERR_BASE)] = "out of memory",
    [-(ERR_TOO_BIG - ERR_BASE)] = "too big",
    [-(ERR_TRUNCATED - ERR_BASE)] = "truncated input",
    [-(ERR_FRAME_SIZE - ERR_BASE)] = "frame length out of bounds",
    [-(ERR_WIRE_MALFORMED - ERR_BASE)] = "malformed message encoding",
    [-(ERR_WIRE_LIMIT - ERR_BASE)] =
        "message exceeds a count, depth or size limit",
    [-(ERR_WIRE_TYPE - ERR_BASE)] = "unknown message type",
    [-(ERR_WIRE_SCHEMA - ERR_BASE)] = "message fields do not match its type",
    [-(ERR_WIRE_TRAILING - ERR_BASE)] = "trailing bytes after message",
    [-(ERR_UTF8 - ERR_BASE)] = "text is not valid UTF-8",
    [-(ERR_CRYPTO - ERR_BASE)] = "decryption or key agreement failed",
    [-(ERR_NONCE - ERR_BASE)] = "cipher nonces used up",
    [-(ERR_HS_STATE - ERR_BASE)] = "handshake step out of order",
    [-(ERR_HS_VERSION - ERR_BASE)] = "peer speaks another protocol version",
    [-(ERR_HS_KEY - ERR_BASE)] =
        "relay key mismatch: the relay does not hold the key in the address",
    [-(ERR_HS_REFUSED - ERR_BASE)] = "relay refused the connection",
    [-(ERR_PAD - ERR_BASE)] = "malformed padding",
    [-(ERR_ADDR - ERR_BASE)] = "malformed relay address",
    [-(ERR_PROTO - ERR_BASE)] = "message not allowed now",
    [-(ERR_TIMEOUT - ERR_BASE)] = "timed out",
    [-(ERR_CLOSED - ERR_BASE)] = "connection closed by peer",
    [-(ERR_REMOTE - ERR_BASE)] = "peer reported an error",
    [-(ERR_IO - ERR_BASE)] = "file system error",
    [-(ERR_KEYFILE - ERR_BASE)] = "key file missing, malformed or unsafe",
    [-(ERR_USAGE - ERR_BASE)] = "bad usage",
    [-(ERR_STORE - ERR_BASE)] = "database failed, corrupt or too new",
    [-(ERR_NOTFOUND - ERR_BASE)] = "not found",
    [-(ERR_EXISTS - ERR_BASE)] = "already exists",
    [-(ERR_QUOTA - ERR_BASE)] = "quota or limit reached",
    [-(ERR_DENIED - ERR_BASE)] = "access denied: proof missing or invalid",
    [-(ERR_CONFIG - ERR_BASE)] = "invalid configuration",
    [-(ERR_RATE - ERR_BASE)] = "too many requests, slow down",
    [-(ERR_REPLAY - ERR_BASE)] = "message already received or its key deleted",
    [-(ERR_SKIP - ERR_BASE)] = "too many messages skipped",
    [-(ERR_EPOCH - ERR_BASE)] = "room message from another epoch",
    [-(ERR_VERSION - ERR_BASE)] = "unknown format version",
    [-(ERR_PROXY_URL - ERR_BASE)] =
        "malformed proxy address (socks5://[USER:PASS@]HOST:PORT)",
    [-(ERR_PROXY_NEEDED - ERR_BASE)] =
        "a .onion relay needs --proxy (Tor), for example "
        "--proxy socks5://127.0.0.1:9050",
    [-(ERR_SOCKS_PROTO - ERR_BASE)] =
        "the proxy broke the SOCKS5 protocol (is it a SOCKS5 proxy?)",
    [-(ERR_SOCKS_METHOD - ERR_BASE)] =
        "the proxy wants a username and password "
        "(socks5://USER:PASS@HOST:PORT) or another authentication method",
    [-(ERR_SOCKS_AUTH - ERR_BASE)] =
        "the proxy rejected the username or password",
    [-(ERR_SOCKS_FAILURE - ERR_BASE)] =
        "the proxy could not connect to the relay (general failure)",
    [-(ERR_SOCKS_DENIED - ERR_BASE)] =
        "the proxy's rules do not allow this connection",
    [-(ERR_SOCKS_NET - ERR_BASE)] =
        "the proxy reports the relay's network unreachable",
    [-(ERR_SOCKS_HOST - ERR_BASE)] =
        "the proxy reports the relay host unreachable",
    [-(ERR_SOCKS_REFUSED - ERR_BASE)] =
        "the relay host refused the proxy's connection",
    [-(ERR_SOCKS_TTL - ERR_BASE)] =
        "the proxy timed out reaching the relay (TTL expired)",
    [-(ERR_SOCKS_COMMAND - ERR_BASE)] = "the proxy does not support CONNECT",
    [-(ERR_SOCKS_ADDRTYPE - ERR_BASE)] =
        "the proxy does not support this kind of relay address",
    [-(ERR_INVITE - ERR_BASE)] =
        "malformed invite (hearth-invite:..., copied whole, on one line)",
};

const char *
err_str(int code)
{
	if (code == 0)
		return "success";
	if (code < ERR_BASE && code > ERR_LAST)
		return err_text[-(code - ERR_BASE)];
	if (code <= ERR_BASE)
		return "unknown error";
	return uv_strerror(code);
}
