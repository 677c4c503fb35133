/* SPDX-License-Identifier: ISC */
/*
 * Error codes. Fallible functions return 0 or a negative code: libuv's
 * UV_E* codes pass through unchanged, and the project's own ERR_* codes
 * start at -10000, clear of libuv's range. err_str() renders both.
 */
#ifndef HEARTH_ERR_H
#define HEARTH_ERR_H

enum err_code {
	ERR_BASE = -10000,
	ERR_NOMEM = -10001,          /* an allocation failed */
	ERR_TOO_BIG = -10002,        /* input or output over its bound */
	ERR_TRUNCATED = -10003,      /* input ended inside an item */
	ERR_FRAME_SIZE = -10004,     /* frame length zero or over the limit */
	ERR_WIRE_MALFORMED = -10005, /* bytes are not valid msgpack */
	ERR_WIRE_LIMIT = -10006,     /* msgpack count, depth or size limit */
	ERR_WIRE_TYPE = -10007,      /* unknown message type */
	ERR_WIRE_SCHEMA = -10008,    /* wrong arity, field type or length */
	ERR_WIRE_TRAILING = -10009,  /* bytes after the last message */
	ERR_UTF8 = -10010,           /* text is not valid UTF-8 or has NUL */
	ERR_CRYPTO = -10011,     /* authentication or key agreement failed */
	ERR_NONCE = -10012,      /* cipher nonce space used up */
	ERR_HS_STATE = -10013,   /* handshake call out of order */
	ERR_HS_VERSION = -10014, /* peer speaks another protocol version */
	ERR_HS_KEY = -10015,     /* relay does not hold the pinned key */
	ERR_HS_REFUSED = -10016, /* relay refused the handshake */
	ERR_PAD = -10017,        /* padding is malformed */
	ERR_ADDR = -10018,       /* address string is malformed */
	ERR_PROTO = -10019,      /* message not valid in this state */
	ERR_TIMEOUT = -10020,    /* peer took too long */
	ERR_CLOSED = -10021,     /* peer closed the connection */
	ERR_REMOTE = -10022,     /* peer sent an error message */
	ERR_IO = -10023,         /* file system error, see errno */
	ERR_KEYFILE = -10024,    /* key file missing, malformed or unsafe */
	ERR_USAGE = -10025,      /* bad command line */
	ERR_STORE = -10026,      /* database failed, corrupt or too new */
	ERR_NOTFOUND = -10027,   /* no such room, mailbox, bundle or escrow */
	ERR_EXISTS = -10028,     /* the id is already taken */
	ERR_QUOTA = -10029,      /* a quota or configured bound is reached */
	ERR_DENIED = -10030,     /* proof of access missing or invalid */
	ERR_CONFIG = -10031,     /* configuration file is invalid */
	ERR_RATE = -10032,       /* too many requests too fast */
	ERR_REPLAY = -10033,     /* message key already used or deleted */
	ERR_SKIP = -10034,       /* message gap over the skip bound */
	ERR_EPOCH = -10035,      /* room message from another epoch */
	ERR_VERSION = -10036,    /* unknown format version byte */
	/* SOCKS5 proxy (client/socks5.c): one code per reply the user sees. */
	ERR_PROXY_URL = -10037,      /* proxy URL is malformed */
	ERR_PROXY_NEEDED = -10038,   /* .onion relay without a proxy */
	ERR_SOCKS_PROTO = -10039,    /* proxy broke the SOCKS5 protocol */
	ERR_SOCKS_METHOD = -10040,   /* proxy wants auth we were not given */
	ERR_SOCKS_AUTH = -10041,     /* proxy rejected the username/password */
	ERR_SOCKS_FAILURE = -10042,  /* reply 1 (or unknown): general failure */
	ERR_SOCKS_DENIED = -10043,   /* reply 2: not allowed by ruleset */
	ERR_SOCKS_NET = -10044,      /* reply 3: network unreachable */
	ERR_SOCKS_HOST = -10045,     /* reply 4: host unreachable */
	ERR_SOCKS_REFUSED = -10046,  /* reply 5: connection refused */
	ERR_SOCKS_TTL = -10047,      /* reply 6: TTL expired */
	ERR_SOCKS_COMMAND = -10048,  /* reply 7: command not supported */
	ERR_SOCKS_ADDRTYPE = -10049, /* reply 8: address type not supported */
	ERR_INVITE = -10050,         /* invite string is malformed */
	ERR_LAST = -10051,
};

/* Returns a static English description of code (project or libuv code). */
const char *err_str(int code);

#endif
