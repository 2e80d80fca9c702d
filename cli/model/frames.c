/*
 * model/frames.c: the frames of a stack the text outputs show: allocator
 * frames folded, frames below main hidden (see model/frames.h).
 */
#include "model/frames.h"

#include <string.h>

#include "util/text.h"

/* The name without the return type a demangled template function carries
 * ("void std::vector<int>::_M_realloc_insert<int>(...)" -> "std::vector
 * ..."): past the last space outside <> and () before the parameters,
 * unless it follows "operator". */
static const char *frames_without_return_type(const char *function) {
  const char *start = function;
  int depth = 0;
  for (const char *p = function; *p; p++) {
    if (*p == '<') depth++;
    else if (*p == '>' && depth > 0) depth--;
    else if (*p == '(' && depth == 0) break;
    else if (*p == ' ' && depth == 0 && !(p - function >= 8 && strncmp(p - 8, "operator", 8) == 0)) start = p + 1;
  }
  return start;
}

int frames_is_allocator(const char *function) {
  static const char *const prefixes[] = {
      "operator new", /* operator new(unsigned long), new[], the aligned and nothrow ones */
      "std::",        /* std::allocator<T>::allocate, its traits, a vector's storage, a string's _M_create */
      "__gnu_cxx::",  /* __gnu_cxx::new_allocator<T>::allocate */
  };
  static const char *const names[] = {"strdup", "__strdup", "strndup", "__strndup", "wcsdup", "__wcsdup"};
  if (function == NULL) return 0;
  function = frames_without_return_type(function);
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
    if (strncmp(function, prefixes[i], strlen(prefixes[i])) == 0) return 1;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(function, names[i]) == 0) return 1;
  return 0;
}

static int frames_under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int frames_is_user(const char *file, const char *object, const char *source_root) {
  static const char *const system[] = {"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/opt/rh", "/snap"};
  if (file == NULL || file[0] != '/') return 0;
  if (object != NULL && strcmp(text_basename(object), "libleakscope.so") == 0) return 0; /* an entry point */
  if (source_root != NULL && source_root[0] != '\0') return frames_under(file, source_root);
  for (size_t i = 0; i < sizeof system / sizeof *system; i++)
    if (frames_under(file, system[i]) || (object != NULL && frames_under(object, system[i]))) return 0;
  return 1;
}

/* The function of a stack's frame (location k, line l), or NULL. */
static const char *frames_function(const snapshot *snap, const snap_stack *st, uint32_t k, uint32_t l) {
  if (st->locs[k] >= snap->nlocations) return NULL;
  const snap_location *loc = &snap->locations[st->locs[k]];
  return l < loc->nlines ? loc->lines[l].function : NULL;
}

void frames_range(const snapshot *snap, const snap_stack *st, unsigned flags, uint32_t *first, uint32_t *end) {
  uint32_t n = 0, leading_allocators = 0, after_main = 0;
  int folding = (flags & FRAMES_FOLD_ALLOCATORS) != 0;
  for (uint32_t k = 0; k < st->nlocs; k++) {
    uint32_t nlines = 1;
    if (st->locs[k] < snap->nlocations && snap->locations[st->locs[k]].nlines > 0)
      nlines = snap->locations[st->locs[k]].nlines;
    for (uint32_t l = 0; l < nlines; l++, n++) {
      const char *function = frames_function(snap, st, k, l);
      if (folding && n == leading_allocators && frames_is_allocator(function)) leading_allocators++;
      if (function != NULL && (strcmp(function, "main") == 0 || strncmp(function, "main(", 5) == 0))
        after_main = n + 1; /* C's main, or a C++ name with its parameters */
    }
  }
  *first = leading_allocators < n ? leading_allocators : 0;
  *end = after_main > *first && !(flags & FRAMES_BELOW_MAIN) ? after_main : n;
}
