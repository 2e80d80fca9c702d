/*
 * util/pb.c: protocol-buffers wire format, encoding and bounds-checked decoding
 * (see util/pb.h).
 */
#include "util/pb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/vec.h"

void pb_buf_free(pb_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = 0;
}

void pb_buf_reset(pb_buf *b) {
  b->len = 0;
  b->failed = 0;
}

static int pb_reserve(pb_buf *b, size_t more) {
  if (b->failed) return -1;
  if (more > SIZE_MAX - b->len || vec_reserve(&b->data, &b->cap, b->len + more, 1) != 0) {
    b->failed = 1;
    return -1;
  }
  return 0;
}

int pb_put_varint(pb_buf *b, uint64_t v) {
  if (pb_reserve(b, 10) < 0) return -1;
  while (v >= 0x80) {
    b->data[b->len++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  b->data[b->len++] = (unsigned char)v;
  return 0;
}

static int pb_put_tag(pb_buf *b, uint32_t field, int wire) {
  return pb_put_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

int pb_put_uint(pb_buf *b, uint32_t field, uint64_t v) {
  if (v == 0) return b->failed ? -1 : 0;
  if (pb_put_tag(b, field, PB_VARINT) < 0) return -1;
  return pb_put_varint(b, v);
}

int pb_put_int(pb_buf *b, uint32_t field, int64_t v) {
  return pb_put_uint(b, field, (uint64_t)v);
}

int pb_put_bool(pb_buf *b, uint32_t field, int v) {
  return pb_put_uint(b, field, v ? 1 : 0);
}

int pb_put_bytes(pb_buf *b, uint32_t field, const void *data, size_t len) {
  if (pb_put_tag(b, field, PB_LEN) < 0 || pb_put_varint(b, len) < 0 || pb_reserve(b, len) < 0)
    return -1;
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}

static size_t pb_varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

int pb_put_packed(pb_buf *b, uint32_t field, const uint64_t *v, size_t n) {
  if (n == 0) return b->failed ? -1 : 0;
  size_t size = 0;
  for (size_t i = 0; i < n; i++) size += pb_varint_size(v[i]);
  if (pb_put_tag(b, field, PB_LEN) < 0 || pb_put_varint(b, size) < 0) return -1;
  for (size_t i = 0; i < n; i++)
    if (pb_put_varint(b, v[i]) < 0) return -1;
  return 0;
}

void pb_reader_init(pb_reader *r, const void *data, size_t len) {
  r->p = data;
  r->end = r->p + len;
}

int pb_read_varint(pb_reader *r, uint64_t *v) {
  if (r->p >= r->end) return 0;
  uint64_t value = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end) return -1;
    unsigned char byte = *r->p++;
    if (shift == 63 && byte > 1) return -1; /* more than 64 bits */
    value |= (uint64_t)(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = value;
      return 1;
    }
  }
  return -1;
}

int pb_next(pb_reader *r, pb_field *f) {
  uint64_t key;
  int rc = pb_read_varint(r, &key);
  if (rc <= 0) return rc;
  uint64_t field = key >> 3;
  if (field == 0 || field > 0x1fffffff) return -1;
  f->field = (uint32_t)field;
  f->wire = (int)(key & 7);
  f->data = NULL;
  f->len = 0;
  f->varint = 0;
  size_t left = (size_t)(r->end - r->p);
  switch (f->wire) {
  case PB_VARINT:
    return pb_read_varint(r, &f->varint) == 1 ? 1 : -1;
  case PB_FIXED64:
  case PB_FIXED32: {
    size_t n = f->wire == PB_FIXED64 ? 8 : 4;
    if (left < n) return -1;
    for (size_t i = 0; i < n; i++) f->varint |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    return 1;
  }
  case PB_LEN: {
    uint64_t len;
    if (pb_read_varint(r, &len) != 1) return -1;
    left = (size_t)(r->end - r->p);
    if (len > left) return -1;
    f->data = r->p;
    f->len = (size_t)len;
    r->p += len;
    return 1;
  }
  default:
    return -1; /* groups (3, 4) and unknown wire types */
  }
}

int pb_each_varint(const pb_field *f, int (*fn)(void *ctx, uint64_t v), void *ctx) {
  if (f->wire == PB_VARINT) return fn(ctx, f->varint);
  if (f->wire != PB_LEN) return -1;
  pb_reader r;
  pb_reader_init(&r, f->data, f->len);
  uint64_t v;
  int rc;
  while ((rc = pb_read_varint(&r, &v)) == 1)
    if (fn(ctx, v) < 0) return -1;
  return rc;
}
