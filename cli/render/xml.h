/*
 * render/xml.h: a snapshot's leak findings as Valgrind memcheck XML,
 * protocol 4 (render/xml.c).
 */
#ifndef LEAKSCOPE_RENDER_XML_H
#define LEAKSCOPE_RENDER_XML_H

#include <stddef.h>

#include "model/snapshot.h"

/* Write path (through PATH.tmp), each stack's frames as frames says
 * (model/frames.h: up to main unless FRAMES_BELOW_MAIN); 0, or -1 with a
 * reason in err. */
int render_xml(const snapshot *snap, const char *path, unsigned frames, char *err, size_t errlen);

#endif
