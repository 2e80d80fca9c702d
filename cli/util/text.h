/*
 * util/text.h: small text helpers every layer uses (util/text.c): the last
 * part of a path, numbers for people (thousands separators, units),
 * bounded appending, UTF-8 checking, and XML character data that is always
 * well-formed.  Nothing here allocates.
 */
#ifndef LEAKSCOPE_UTIL_TEXT_H
#define LEAKSCOPE_UTIL_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The last component of a path ("a/b/c.c" -> "c.c"); NULL stays NULL. */
const char *text_basename(const char *path);

/* v with thousands separators, as memcheck prints its numbers
 * ("1,234,567"), in buf; returns buf. */
const char *text_commas(uint64_t v, char *buf, size_t buflen);

/* A value for people, in buf: "1.5 MiB" (bytes, powers of 1024) or "12.3k"
 * (a count, powers of 1000); below one unit "512 B" or "512". */
void text_human(int64_t v, int bytes, char *buf, size_t buflen);
/* An address as a user writes it: 0x and hex digits, or decimal digits,
 * the whole string; 0, or -1 when it is not one. */
int text_address(const char *s, uint64_t *out);

/* The edit distance (insertions, deletions, substitutions, transpositions
 * of neighbours) between a and b, for "did you mean" suggestions; words
 * longer than 63 bytes count as far from everything (returns 64). */
unsigned text_distance(const char *a, const char *b);

/* Of the n words (NULLs skipped), the one nearest to word when it is near
 * enough to be a typo of it (at most a third of its length away, and at
 * least 1), else NULL. */
const char *text_nearest(const char *word, const char *const *words, size_t n);

/* A duration for people, in buf: "812 ns", "1.2 us", "8.06 ms", "1.67 s"
 * (three significant digits at most). */
void text_duration(uint64_t ns, char *buf, size_t buflen);

/* Append to buf (buflen bytes, *at used) as snprintf would, never past the
 * end: a text that does not fit is cut and *at stops at buflen. */
void text_append(char *buf, size_t buflen, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The length (1 to 4) of the well-formed UTF-8 sequence s starts with, or 0
 * when it starts an ill-formed one (a stray continuation byte, an overlong
 * form, a surrogate, past U+10FFFF, a truncated sequence). */
size_t text_utf8_len(const unsigned char *s);

/* Replace, in place, every byte of s that is a control character or not
 * part of well-formed UTF-8 with '?', so any output format can carry it. */
void text_clean_utf8(char *s);

/* Write s (NULL: nothing) as XML character data or attribute value: &, <,
 * > and " escaped; bytes that XML 1.0 cannot carry (control characters,
 * bytes of ill-formed UTF-8) replaced by '?', tab and newline kept.
 * Flags: TEXT_XML_APOS escapes ' too; TEXT_XML_BLANK_CONTROLS makes every
 * control character (tab and newline included) a space instead. */
enum { TEXT_XML_APOS = 1, TEXT_XML_BLANK_CONTROLS = 2 };
void text_xml_put(FILE *f, const char *s, unsigned flags);

#endif
