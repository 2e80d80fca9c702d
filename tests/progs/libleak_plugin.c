/* libleak_plugin.c: shared library dlopen'ed by leak_dlopen.  plugin_leak()
 * loses n blocks (32, 64, ... bytes) and keeps a 4096-byte block in the
 * library's own global, reachable while the library stays loaded. */
#include <stdlib.h>
#include <string.h>

static char *g_plugin_cache;

static void *plugin_block(size_t size)
{
  void *p = malloc(size);
  memset(p, 'P', size);
  return p;
}

int plugin_leak(int n)
{
  for (int i = 0; i < n; i++)
    plugin_block(32 * (size_t)(i + 1));
  if (!g_plugin_cache)
    g_plugin_cache = plugin_block(4096);
  return n;
}
