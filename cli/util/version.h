/*
 * util/version.h: leakscope's version, as `leakscope --version` prints it
 * and the outputs that name their tool carry it.
 */
#ifndef LEAKSCOPE_UTIL_VERSION_H
#define LEAKSCOPE_UTIL_VERSION_H

#define LEAKSCOPE_VERSION "0.9.0"

#endif
