/* libattach_plugin.c: the library attach_dlopen loads while attached.
 * plugin_burst() leaks one 2 MiB block (sampled whatever the interval),
 * plugin_leak() a 3000-byte block at each call; both at plugin_site. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *plugin_site(size_t size)
{
  void *p = malloc(size);
  memset(p, 'P', size);
  return p;
}

void plugin_burst(void) { plugin_site(2u << 20); }

void plugin_leak(void) { plugin_site(3000); }
