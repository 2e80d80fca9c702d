/* retain_shared.c: one still-reachable block held by two roots at once, a
 * thread-local variable and a global (tests/retain/test_retain_shared.sh):
 * no root retains it alone, both hold it. */
#include <stdlib.h>
#include <string.h>

__thread char *tls_buf;
char *g_buf;

int main(void) {
  tls_buf = malloc(500);
  memset(tls_buf, 1, 500);
  g_buf = tls_buf;
  return 0;
}
