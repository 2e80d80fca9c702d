/* libattach_ownmalloc.c: an allocator of its own (forwarding to glibc's,
 * but the program cannot know): preloaded, it is the program's malloc, and
 * `leakscope attach` must refuse to wrap it (tests/attach/test_attach_errors.sh). */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *malloc(size_t n) { return __libc_malloc(n); }
void free(void *p) { __libc_free(p); }
void *calloc(size_t n, size_t size) { return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
