/*
 * util/pb.h: a small protocol-buffers wire-format encoder and decoder, enough
 * for pprof's profile.proto: varints, length-delimited fields (strings,
 * sub-messages, packed repeated varints), fixed 32/64-bit fields skipped.
 *
 * Encoder: a growable byte buffer; each pb_put_* returns 0, or -1 when out
 * of memory (the buffer is then marked failed and later puts also fail).
 * Decoder: a cursor over a byte range; every read is bounds-checked, and a
 * malformed or truncated input is reported as -1, never read past its end.
 */
#ifndef LEAKSCOPE_PB_H
#define LEAKSCOPE_PB_H

#include <stddef.h>
#include <stdint.h>

/* Wire types. */
enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5 };

typedef struct {
  unsigned char *data;
  size_t len, cap;
  int failed; /* an allocation failed; the contents are incomplete */
} pb_buf;

void pb_buf_free(pb_buf *b);
void pb_buf_reset(pb_buf *b); /* empty it, keep the memory */

int pb_put_varint(pb_buf *b, uint64_t v);
/* A varint field; proto3 omits zero values, so zero writes nothing. */
int pb_put_uint(pb_buf *b, uint32_t field, uint64_t v);
/* An int64 field (two's complement varint); zero writes nothing. */
int pb_put_int(pb_buf *b, uint32_t field, int64_t v);
/* A bool field written only when true. */
int pb_put_bool(pb_buf *b, uint32_t field, int v);
/* A length-delimited field (string, bytes or an encoded sub-message),
 * always written, even when empty. */
int pb_put_bytes(pb_buf *b, uint32_t field, const void *data, size_t len);
/* A packed repeated varint field of n values; nothing when n is 0. */
int pb_put_packed(pb_buf *b, uint32_t field, const uint64_t *v, size_t n);

typedef struct {
  const unsigned char *p, *end;
} pb_reader;

typedef struct {
  uint32_t field;
  int wire;
  uint64_t varint;           /* PB_VARINT, and the raw value of fixed fields */
  const unsigned char *data; /* PB_LEN */
  size_t len;
} pb_field;

void pb_reader_init(pb_reader *r, const void *data, size_t len);
/* Read one varint: 1 read, 0 at the end of the range, -1 malformed. */
int pb_read_varint(pb_reader *r, uint64_t *v);
/* Read the next field: 1 read, 0 at the end, -1 malformed or truncated. */
int pb_next(pb_reader *r, pb_field *f);
/* Call fn for each value of a repeated varint field, packed (PB_LEN) or
 * not (PB_VARINT); returns 0, -1 if malformed or fn returns -1. */
int pb_each_varint(const pb_field *f, int (*fn)(void *ctx, uint64_t v), void *ctx);

#endif
