/* SPDX-License-Identifier: ISC */
/*
 * Identity keys, fingerprints and safety numbers.
 *
 * The safety number follows the shape of Signal's: each person's half is
 * an iterated hash of their key, so grinding a key whose half collides
 * with someone else's costs IDENT_ITER hashes per try; the halves are
 * sorted so both people see the same digits. The word form encodes the
 * first 12 bytes of each half, one word per byte.
 */
#include "common/ident.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/err.h"

#define IDENT_ITER 5200
#define IDENT_HALF 30

static const char ident_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * Our own list: short concrete nouns, sorted, no two alike in sound (no
 * homophones, no word that is a prefix-plus-s of another).
 */
static const char *const ident_words[IDENT_WORD_COUNT] = {
    "acorn",
    "actor",
    "adobe",
    "agent",
    "album",
    "alley",
    "amber",
    "anchor",
    "angel",
    "ankle",
    "apple",
    "apron",
    "arrow",
    "atlas",
    "attic",
    "autumn",
    "bacon",
    "badge",
    "bagel",
    "baker",
    "bamboo",
    "banjo",
    "barn",
    "basket",
    "beach",
    "beaver",
    "bell",
    "berry",
    "bison",
    "blanket",
    "blossom",
    "boat",
    "bonfire",
    "border",
    "bottle",
    "bracket",
    "branch",
    "bread",
    "brick",
    "bridge",
    "broom",
    "bubble",
    "bucket",
    "buffalo",
    "bugle",
    "butter",
    "button",
    "cabin",
    "cactus",
    "camel",
    "camera",
    "candle",
    "canoe",
    "canyon",
    "carpet",
    "carrot",
    "castle",
    "cedar",
    "cello",
    "chalk",
    "cherry",
    "chess",
    "chimney",
    "cider",
    "circus",
    "clock",
    "cloud",
    "clover",
    "cobra",
    "coconut",
    "comet",
    "copper",
    "coral",
    "cotton",
    "cowboy",
    "coyote",
    "crayon",
    "cricket",
    "crown",
    "cupcake",
    "curtain",
    "daisy",
    "dancer",
    "delta",
    "denim",
    "desert",
    "diamond",
    "dinner",
    "doctor",
    "dolphin",
    "donkey",
    "dragon",
    "drum",
    "eagle",
    "easel",
    "echo",
    "elbow",
    "ember",
    "engine",
    "falcon",
    "feather",
    "fence",
    "ferry",
    "fiddle",
    "finch",
    "flame",
    "flute",
    "forest",
    "fossil",
    "fountain",
    "fox",
    "garden",
    "garlic",
    "gecko",
    "giant",
    "ginger",
    "glacier",
    "globe",
    "goat",
    "gorilla",
    "grape",
    "gravel",
    "guitar",
    "hammer",
    "harbor",
    "harp",
    "hazel",
    "helmet",
    "hermit",
    "hockey",
    "honey",
    "hornet",
    "hotel",
    "igloo",
    "island",
    "ivory",
    "jacket",
    "jaguar",
    "jelly",
    "jester",
    "jungle",
    "kayak",
    "kettle",
    "kitten",
    "koala",
    "ladder",
    "lagoon",
    "lantern",
    "laptop",
    "lemon",
    "leopard",
    "lettuce",
    "lily",
    "lion",
    "lizard",
    "lobster",
    "locket",
    "magnet",
    "mango",
    "maple",
    "marble",
    "meadow",
    "melon",
    "mermaid",
    "meteor",
    "mirror",
    "mitten",
    "monkey",
    "moose",
    "mosaic",
    "motor",
    "muffin",
    "napkin",
    "nectar",
    "needle",
    "noodle",
    "nutmeg",
    "oasis",
    "ocean",
    "olive",
    "onion",
    "orange",
    "orbit",
    "orchid",
    "otter",
    "oyster",
    "paddle",
    "panda",
    "panther",
    "parrot",
    "peanut",
    "pebble",
    "pelican",
    "pencil",
    "pepper",
    "piano",
    "pickle",
    "pigeon",
    "pillow",
    "pilot",
    "pirate",
    "planet",
    "pocket",
    "pony",
    "potato",
    "pretzel",
    "puzzle",
    "quartz",
    "quilt",
    "rabbit",
    "radio",
    "raven",
    "ribbon",
    "river",
    "robot",
    "rocket",
    "rooster",
    "ruby",
    "saddle",
    "salmon",
    "sandal",
    "satin",
    "scarf",
    "shovel",
    "silver",
    "sketch",
    "sled",
    "snail",
    "spider",
    "spoon",
    "squid",
    "statue",
    "sunset",
    "swan",
    "tablet",
    "teapot",
    "tiger",
    "toast",
    "tomato",
    "tractor",
    "trumpet",
    "tulip",
    "turtle",
    "unicorn",
    "valley",
    "velvet",
    "violin",
    "volcano",
    "waffle",
    "walnut",
    "walrus",
    "window",
    "wizard",
    "yogurt",
    "zebra",
    "zipper",
};

void
ident_new(struct ident *id)
{
	crypto_sign_keypair(id->pk, id->sk);
}

void
ident_from_seed(struct ident *id, const uint8_t seed[static IDENT_SEED_LEN])
{
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

void
ident_wipe(struct ident *id)
{
	sodium_memzero(id, sizeof *id);
}

int
ident_dh_pub(
    uint8_t out[static IDENT_DH_LEN], const uint8_t pk[static IDENT_PK_LEN])
{
	if (crypto_sign_ed25519_pk_to_curve25519(out, pk) != 0) {
		memset(out, 0, IDENT_DH_LEN);
		return ERR_CRYPTO;
	}
	return 0;
}

void
ident_dh_priv(uint8_t out[static IDENT_DH_LEN], const struct ident *id)
{
	crypto_sign_ed25519_sk_to_curve25519(out, id->sk);
}

void
ident_sign(uint8_t sig[static IDENT_SIG_LEN], const struct ident *id,
    const uint8_t *msg, size_t len)
{
	crypto_sign_detached(sig, NULL, msg, len, id->sk);
}

int
ident_verify(const uint8_t sig[static IDENT_SIG_LEN],
    const uint8_t pk[static IDENT_PK_LEN], const uint8_t *msg, size_t len)
{
	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		return ERR_CRYPTO;
	return 0;
}

void
ident_fingerprint(
    char out[static IDENT_FP_CHARS + 1], const uint8_t pk[static IDENT_PK_LEN])
{
	static const char ctx[] = "hearth fingerprint v1";
	crypto_generichash_state st;
	uint8_t h[32];
	uint64_t v = 0;

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)ctx, sizeof ctx - 1);
	crypto_generichash_update(&st, pk, IDENT_PK_LEN);
	crypto_generichash_final(&st, h, sizeof h);
	/* 40 bits, 5 per character. */
	for (int i = 0; i < 5; i++)
		v = v << 8 | h[i];
	for (int i = IDENT_FP_CHARS - 1; i >= 0; i--) {
		out[i] = ident_alphabet[v & 31];
		v >>= 5;
	}
	out[IDENT_FP_CHARS] = '\0';
}

int
ident_display(char *out, size_t cap, const char *name,
    const uint8_t pk[static IDENT_PK_LEN])
{
	char fp[IDENT_FP_CHARS + 1];
	int n;

	ident_fingerprint(fp, pk);
	n = snprintf(out, cap, "%s#%s", name, fp);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			out[0] = '\0';
		return ERR_TOO_BIG;
	}
	return 0;
}

/* One person's half: BLAKE2b-512 iterated over the version and key. */
static void
ident_half(
    uint8_t out[static IDENT_HALF], const uint8_t pk[static IDENT_PK_LEN])
{
	static const uint8_t version[2] = {0, 1};
	crypto_generichash_state st;
	uint8_t h[64];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, version, sizeof version);
	crypto_generichash_update(&st, pk, IDENT_PK_LEN);
	crypto_generichash_final(&st, h, sizeof h);
	for (int i = 1; i < IDENT_ITER; i++) {
		crypto_generichash_init(&st, NULL, 0, sizeof h);
		crypto_generichash_update(&st, h, sizeof h);
		crypto_generichash_update(&st, pk, IDENT_PK_LEN);
		crypto_generichash_final(&st, h, sizeof h);
	}
	memcpy(out, h, IDENT_HALF);
}

/* Both halves, lower first, so the order of the arguments does not matter. */
static void
ident_halves(uint8_t lo[static IDENT_HALF], uint8_t hi[static IDENT_HALF],
    const uint8_t a[static IDENT_PK_LEN], const uint8_t b[static IDENT_PK_LEN])
{
	uint8_t t[IDENT_HALF];

	ident_half(lo, a);
	ident_half(hi, b);
	if (memcmp(lo, hi, IDENT_HALF) > 0) {
		memcpy(t, lo, IDENT_HALF);
		memcpy(lo, hi, IDENT_HALF);
		memcpy(hi, t, IDENT_HALF);
	}
}

/* Six groups of five digits: each group is 5 bytes modulo 100000. */
static void
ident_digits(char out[static 30], const uint8_t half[static IDENT_HALF])
{
	for (int g = 0; g < 6; g++) {
		uint64_t v = 0;

		for (int i = 0; i < 5; i++)
			v = v << 8 | half[g * 5 + i];
		v %= 100000;
		for (int d = 4; d >= 0; d--) {
			out[g * 5 + d] = (char)('0' + v % 10);
			v /= 10;
		}
	}
}

void
ident_safety_number(char out[static IDENT_SAFETY_DIGITS + 1],
    const uint8_t a[static IDENT_PK_LEN], const uint8_t b[static IDENT_PK_LEN])
{
	uint8_t lo[IDENT_HALF], hi[IDENT_HALF];

	ident_halves(lo, hi, a, b);
	ident_digits(out, lo);
	ident_digits(out + 30, hi);
	out[IDENT_SAFETY_DIGITS] = '\0';
}

int
ident_safety_words(char *out, size_t cap, const uint8_t a[static IDENT_PK_LEN],
    const uint8_t b[static IDENT_PK_LEN])
{
	uint8_t lo[IDENT_HALF], hi[IDENT_HALF];
	size_t off = 0, n;
	const char *w;

	if (cap < IDENT_SAFETY_WORDS_MAX) {
		if (cap > 0)
			out[0] = '\0';
		return ERR_TOO_BIG;
	}
	ident_halves(lo, hi, a, b);
	for (int i = 0; i < IDENT_SAFETY_WORDS; i++) {
		w = ident_words[i < 12 ? lo[i] : hi[i - 12]];
		n = strlen(w);
		if (i > 0)
			out[off++] = ' ';
		memcpy(out + off, w, n);
		off += n;
	}
	out[off] = '\0';
	return 0;
}

const char *
ident_word(unsigned i)
{
	return ident_words[i % IDENT_WORD_COUNT];
}

int
ident_word_index(const char *s, size_t len)
{
	size_t lo = 0, hi = IDENT_WORD_COUNT, mid;
	int c;

	/* Rejecting NULs and long input keeps strncmp inside the words. */
	if (len == 0 || len > 8 || memchr(s, '\0', len) != NULL)
		return ERR_NOTFOUND;
	/* The list is sorted, so a binary search will do. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strncmp(ident_words[mid], s, len);
		if (c == 0 && ident_words[mid][len] != '\0')
			c = 1;
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ERR_NOTFOUND;
}
