/* SPDX-License-Identifier: ISC */
/*
 * Persona identity: an Ed25519 key pair, its X25519 form for key
 * agreement, the short fingerprint shown as name#fingerprint, and the
 * safety number (60 digits, or 24 words) two people compare in person.
 * Names are free text and are never used for identity; only keys are.
 */
#ifndef HEARTH_IDENT_H
#define HEARTH_IDENT_H

#include <stddef.h>
#include <stdint.h>

#define IDENT_PK_LEN 32
#define IDENT_SK_LEN 64
#define IDENT_SEED_LEN 32
#define IDENT_SIG_LEN 64
#define IDENT_DH_LEN 32
/* The fingerprint: 8 characters of a 32-letter alphabet, 40 bits. */
#define IDENT_FP_CHARS 8
/* The safety number: 12 groups of 5 digits, 6 groups per person. */
#define IDENT_SAFETY_DIGITS 60
/* The same comparison as words: 12 words per person from 256. */
#define IDENT_SAFETY_WORDS 24
#define IDENT_WORD_COUNT 256
/* Longest word in the list plus its separator, times the count. */
#define IDENT_SAFETY_WORDS_MAX (IDENT_SAFETY_WORDS * 9)

struct ident {
	uint8_t pk[IDENT_PK_LEN];
	uint8_t sk[IDENT_SK_LEN]; /* libsodium's seed || pk form */
};

/* Makes a fresh random identity. */
void ident_new(struct ident *id);

/* Derives the identity for seed (tests and vectors). */
void ident_from_seed(
    struct ident *id, const uint8_t seed[static IDENT_SEED_LEN]);

/* Wipes id. */
void ident_wipe(struct ident *id);

/*
 * Writes the X25519 public key for the Ed25519 public key pk. ERR_CRYPTO
 * if pk is not a valid point (a peer's key is untrusted input).
 */
int ident_dh_pub(
    uint8_t out[static IDENT_DH_LEN], const uint8_t pk[static IDENT_PK_LEN]);

/* Writes the X25519 private key of id; the caller wipes out. */
void ident_dh_priv(uint8_t out[static IDENT_DH_LEN], const struct ident *id);

/* Signs msg with id into sig. */
void ident_sign(uint8_t sig[static IDENT_SIG_LEN], const struct ident *id,
    const uint8_t *msg, size_t len);

/* 0 if sig is pk's signature of msg, ERR_CRYPTO otherwise. */
int ident_verify(const uint8_t sig[static IDENT_SIG_LEN],
    const uint8_t pk[static IDENT_PK_LEN], const uint8_t *msg, size_t len);

/*
 * Writes the 8-character fingerprint of pk and a NUL into out. The
 * alphabet has no I, L, O or U, so it reads aloud without confusion.
 */
void ident_fingerprint(
    char out[static IDENT_FP_CHARS + 1], const uint8_t pk[static IDENT_PK_LEN]);

/*
 * Writes "name#fingerprint" into out (cap bytes). ERR_TOO_BIG if it does
 * not fit. name is shown as given: the caller sanitises it for display.
 */
int ident_display(char *out, size_t cap, const char *name,
    const uint8_t pk[static IDENT_PK_LEN]);

/*
 * Writes the 60-digit safety number of the pair (a, b) and a NUL into out.
 * The order of a and b does not matter: both people see the same number.
 */
void ident_safety_number(char out[static IDENT_SAFETY_DIGITS + 1],
    const uint8_t a[static IDENT_PK_LEN], const uint8_t b[static IDENT_PK_LEN]);

/*
 * Writes the 24-word form of the pair's safety number, words separated by
 * single spaces, and a NUL into out (cap >= IDENT_SAFETY_WORDS_MAX).
 * ERR_TOO_BIG if cap is too small.
 */
int ident_safety_words(char *out, size_t cap,
    const uint8_t a[static IDENT_PK_LEN], const uint8_t b[static IDENT_PK_LEN]);

/* Returns word i (0..255) of the list; i is taken modulo 256. */
const char *ident_word(unsigned i);

/* Returns the index of the word s[0..len), or ERR_NOTFOUND. */
int ident_word_index(const char *s, size_t len);

#endif
