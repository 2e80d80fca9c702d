/*
 * render/flame_svg.c: write a flame graph of a call tree as one self-contained
 * SVG file (see render/flame_svg.h): one rectangle per frame, as wide as its
 * share of the total, the root at the bottom (or at the top for an
 * icicle graph), and inline JavaScript for tooltips and a details line,
 * click to zoom into a frame, reset, and a regular-expression search that
 * highlights matching frames and shows the share they cover.
 */
#include "render/flame_svg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hmap.h"
#include "util/outfile.h"
#include "util/text.h"

#define FLAME_SVG_WIDTH 1200
#define FLAME_SVG_XPAD 10
#define FLAME_SVG_FRAME 16    /* height of one level */
#define FLAME_SVG_FONT 12
#define FLAME_SVG_TOP 56      /* title, subtitle and controls */
#define FLAME_SVG_BOTTOM 34   /* details line */
#define FLAME_SVG_MINWIDTH 0.1 /* frames narrower than this many pixels are left out */

typedef struct {
  uint32_t node;
  uint32_t depth;
  int64_t start;
} flame_svg_item;

/* A colour from the name, in greens and blues (memory). */
static void flame_svg_colour(const char *name, int root, char *buf, size_t len) {
  if (root) {
    snprintf(buf, len, "rgb(190,190,200)");
    return;
  }
  uint64_t h = hmap_fnv(HMAP_FNV_BASIS, name, strlen(name));
  unsigned r = (unsigned)(h & 0xff) * 60 / 255;
  unsigned g = 150 + (unsigned)((h >> 8) & 0xff) * 90 / 255;
  unsigned b = 70 + (unsigned)((h >> 16) & 0xff) * 150 / 255;
  snprintf(buf, len, "rgb(%u,%u,%u)", r, g, b);
}

static double flame_svg_px(int64_t v, int64_t total) {
  return (double)v / (double)total * (FLAME_SVG_WIDTH - 2 * FLAME_SVG_XPAD);
}

/* The label that fits w pixels: the name, cut with "..", or nothing. */
static void flame_svg_label(FILE *f, const char *name, double w) {
  long fit = (long)((w - 6) / (FLAME_SVG_FONT * 0.59));
  size_t len = strlen(name);
  if (fit < 3) return;
  if ((long)len <= fit) {
    text_xml_put(f, name, TEXT_XML_BLANK_CONTROLS);
    return;
  }
  size_t keep = (size_t)fit - 2;
  /* do not cut inside a UTF-8 sequence */
  while (keep > 0 && ((unsigned char)name[keep] & 0xc0) == 0x80) keep--;
  char *cut = strndup(name, keep);
  if (cut != NULL) {
    text_xml_put(f, cut, TEXT_XML_BLANK_CONTROLS);
    fputs("..", f);
    free(cut);
  }
}

static const char flame_svg_script[] =
    "<script type=\"text/ecmascript\"><![CDATA[\n"
    "'use strict';\n"
    "var W = 1200, XPAD = 10, FONT = 12, frames, total, bytes, details, matched, unzoomBtn,\n"
    "    searchBtn, zoomS = 0, zoomV = 0, zoomD = 0, searchRe = null;\n"
    "function num(g, a) { return Number(g.getAttribute(a)); }\n"
    "function nameOf(g) { return g.getElementsByTagName('title')[0].textContent.split('\\n')[0]; }\n"
    "function fitText(g, x, w) {\n"
    "  var t = g.getElementsByTagName('text')[0], n = nameOf(g);\n"
    "  var fit = Math.floor((w - 6) / (FONT * 0.59));\n"
    "  t.setAttribute('x', (x + 3).toFixed(1));\n"
    "  if (fit < 3) t.textContent = '';\n"
    "  else if (n.length > fit) t.textContent = n.substring(0, fit - 2) + '..';\n"
    "  else t.textContent = n;\n"
    "}\n"
    "function place(g, x, w) {\n"
    "  var r = g.getElementsByTagName('rect')[0];\n"
    "  r.setAttribute('x', x.toFixed(1));\n"
    "  r.setAttribute('width', Math.max(w, 0).toFixed(1));\n"
    "  fitText(g, x, w);\n"
    "  g.style.display = '';\n"
    "}\n"
    "function zoom(g) {\n"
    "  zoomS = num(g, 'data-s'); zoomV = num(g, 'data-v'); zoomD = num(g, 'data-d');\n"
    "  var span = W - 2 * XPAD;\n"
    "  for (var i = 0; i < frames.length; i++) {\n"
    "    var f = frames[i], s = num(f, 'data-s'), v = num(f, 'data-v'), d = num(f, 'data-d');\n"
    "    f.classList.remove('parent');\n"
    "    if (d < zoomD && s <= zoomS && s + v >= zoomS + zoomV) {\n"
    "      place(f, XPAD, span); f.classList.add('parent');\n"
    "    } else if (d >= zoomD && s >= zoomS && s + v <= zoomS + zoomV) {\n"
    "      place(f, XPAD + (s - zoomS) / zoomV * span, v / zoomV * span);\n"
    "    } else {\n"
    "      f.style.display = 'none';\n"
    "    }\n"
    "  }\n"
    "  unzoomBtn.classList.toggle('hide', zoomD === 0);\n"
    "  if (searchRe) highlight();\n"
    "}\n"
    "function unzoom() { zoom(frames[0]); }\n"
    "function human(v, isBytes) {\n"
    "  var u = isBytes ? [' B', ' KiB', ' MiB', ' GiB', ' TiB'] : ['', 'k', 'M', 'G', 'T'];\n"
    "  var step = isBytes ? 1024 : 1000, i = 0;\n"
    "  while (v >= step && i < 4) { v /= step; i++; }\n"
    "  return (i ? v.toFixed(1) : String(v)) + u[i];\n"
    "}\n"
    "function highlight() {\n"
    "  var ranges = [];\n"
    "  for (var i = 0; i < frames.length; i++) {\n"
    "    var f = frames[i], r = f.getElementsByTagName('rect')[0];\n"
    "    if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
    "    if (searchRe && searchRe.test(nameOf(f))) {\n"
    "      r.setAttribute('fill', 'rgb(230,0,230)');\n"
    "      var s = num(f, 'data-s'), v = num(f, 'data-v');\n"
    "      if (num(f, 'data-d') >= zoomD) ranges.push([Math.max(s, zoomS), Math.min(s + v, zoomS + zoomV)]);\n"
    "    } else {\n"
    "      r.setAttribute('fill', r.getAttribute('data-fill'));\n"
    "    }\n"
    "  }\n"
    "  if (!searchRe) { matched.textContent = ' '; searchBtn.textContent = 'Search'; return; }\n"
    "  ranges.sort(function (a, b) { return a[0] - b[0]; });\n"
    "  var covered = 0, end = -Infinity;\n"
    "  for (var k = 0; k < ranges.length; k++) {\n"
    "    var a = Math.max(ranges[k][0], end), b = ranges[k][1];\n"
    "    if (b > a) covered += b - a;\n"
    "    if (b > end) end = b;\n"
    "  }\n"
    "  matched.textContent = 'Matched: ' + (zoomV ? 100 * covered / zoomV : 0).toFixed(1) + '%';\n"
    "  searchBtn.textContent = 'Reset Search';\n"
    "}\n"
    "function search() {\n"
    "  if (searchRe) { searchRe = null; highlight(); return; }\n"
    "  var term = window.prompt('Search for (regular expression):', '');\n"
    "  if (!term) return;\n"
    "  try { searchRe = new RegExp(term); } catch (e) { window.alert('Bad expression: ' + e.message); return; }\n"
    "  highlight();\n"
    "}\n"
    "function init() {\n"
    "  var svg = document.documentElement;\n"
    "  total = num(svg, 'data-total'); bytes = svg.getAttribute('data-bytes') === '1';\n"
    "  frames = document.getElementById('frames').getElementsByTagName('g');\n"
    "  details = document.getElementById('details');\n"
    "  matched = document.getElementById('matched');\n"
    "  unzoomBtn = document.getElementById('unzoom');\n"
    "  searchBtn = document.getElementById('search');\n"
    "  zoomV = total;\n"
    "  for (var i = 0; i < frames.length; i++) {\n"
    "    frames[i].addEventListener('click', function () { zoom(this); });\n"
    "    frames[i].addEventListener('mouseover', function () {\n"
    "      details.textContent = this.getElementsByTagName('title')[0].textContent.replace(/\\n/g, '  ');\n"
    "    });\n"
    "    frames[i].addEventListener('mouseout', function () { details.textContent = ' '; });\n"
    "  }\n"
    "  unzoomBtn.addEventListener('click', unzoom);\n"
    "  searchBtn.addEventListener('click', search);\n"
    "  window.addEventListener('keydown', function (e) {\n"
    "    if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); search(); }\n"
    "    if (e.key === 'Escape') unzoom();\n"
    "  });\n"
    "}\n"
    "window.addEventListener('load', init);\n"
    "]]></script>\n";

/* Depth of the deepest frame wide enough to draw. */
static uint32_t flame_svg_depth(const calltree *t, flame_svg_item *stack) {
  uint32_t top = 0, max = 0;
  int64_t total = t->nodes[0].value;
  stack[top++] = (flame_svg_item){0, 0, 0};
  while (top) {
    flame_svg_item it = stack[--top];
    if (it.depth > max) max = it.depth;
    const calltree_node *n = &t->nodes[it.node];
    for (uint32_t k = 0; k < n->nkids; k++)
      if (flame_svg_px(t->nodes[n->kids[k]].value, total) >= FLAME_SVG_MINWIDTH)
        stack[top++] = (flame_svg_item){n->kids[k], it.depth + 1, 0};
  }
  return max;
}

static void flame_svg_frames(FILE *f, const calltree *t, const flame_svg_options *o,
                             flame_svg_item *stack, uint32_t height) {
  uint32_t top = 0;
  int64_t total = t->nodes[0].value;
  stack[top++] = (flame_svg_item){0, 0, 0};
  char colour[32], value[64], other[64];
  while (top) {
    flame_svg_item it = stack[--top];
    const calltree_node *n = &t->nodes[it.node];
    double x = FLAME_SVG_XPAD + flame_svg_px(it.start, total);
    double w = flame_svg_px(n->value, total);
    double y = o->inverted ? FLAME_SVG_TOP + (double)it.depth * FLAME_SVG_FRAME
                           : height - FLAME_SVG_BOTTOM - (double)(it.depth + 1) * FLAME_SVG_FRAME;
    flame_svg_colour(n->name, it.node == 0, colour, sizeof colour);
    text_human(n->value, o->value_is_bytes, value, sizeof value);
    text_human(n->other, !o->value_is_bytes, other, sizeof other);
    fprintf(f, "<g class=\"f\" data-s=\"%" PRId64 "\" data-v=\"%" PRId64 "\" data-d=\"%u\"><title>",
            it.start, n->value, it.depth);
    text_xml_put(f, n->name, TEXT_XML_BLANK_CONTROLS);
    fprintf(f, "\n%" PRId64 " %s (%s), %.2f%%, %s %s</title>", n->value,
            o->value_is_bytes ? "bytes" : "objects", value, 100.0 * (double)n->value / (double)total,
            other, o->value_is_bytes ? "objects" : "bytes");
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" rx=\"2\" fill=\"%s\"/>",
            x, y, w, FLAME_SVG_FRAME - 1, colour);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + 11.5);
    flame_svg_label(f, n->name, w);
    fputs("</text></g>\n", f);
    int64_t start = it.start;
    uint32_t first = top;
    for (uint32_t k = 0; k < n->nkids; k++) {
      const calltree_node *kid = &t->nodes[n->kids[k]];
      if (flame_svg_px(kid->value, total) >= FLAME_SVG_MINWIDTH)
        stack[top++] = (flame_svg_item){n->kids[k], it.depth + 1, start};
      start += kid->value;
    }
    /* pop children left to right */
    for (uint32_t a = first, b = top; a + 1 < b; a++, b--) {
      flame_svg_item swap = stack[a];
      stack[a] = stack[b - 1];
      stack[b - 1] = swap;
    }
  }
}

int flame_svg_write(const calltree *t, const flame_svg_options *o, const char *path, char *err,
                    size_t errlen) {
  int empty = t->nnodes == 0 || t->nodes[0].value <= 0; /* drawn without frames */
  flame_svg_item *stack = calloc(t->nnodes ? t->nnodes : 1, sizeof *stack);
  if (stack == NULL) {
    snprintf(err, errlen, "out of memory drawing the flame graph");
    return -1;
  }
  outfile out;
  FILE *f = outfile_open(&out, path, err, errlen);
  if (f == NULL) {
    free(stack);
    return -1;
  }
  uint32_t depth = empty ? 0 : flame_svg_depth(t, stack);
  uint32_t height = FLAME_SVG_TOP + (depth + 1) * FLAME_SVG_FRAME + FLAME_SVG_BOTTOM;
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
  fprintf(f,
          "<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
          "xmlns=\"http://www.w3.org/2000/svg\" data-total=\"%" PRId64 "\" data-bytes=\"%d\">\n",
          FLAME_SVG_WIDTH, height, FLAME_SVG_WIDTH, height, empty ? 0 : t->nodes[0].value,
          o->value_is_bytes);
  fputs("<style type=\"text/css\">\n"
        "text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
        "#title { text-anchor: middle; font-size: 17px; }\n"
        "#subtitle { text-anchor: middle; fill: rgb(90,90,90); }\n"
        "#search, #unzoom { cursor: pointer; }\n"
        "#search, #matched { text-anchor: end; }\n"
        ".hide { display: none; }\n"
        ".f { cursor: pointer; }\n"
        ".f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
        ".f text { pointer-events: none; }\n"
        ".parent { opacity: 0.5; }\n"
        "</style>\n", f);
  fputs(flame_svg_script, f);
  fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"rgb(250,250,247)\"/>\n",
          FLAME_SVG_WIDTH, height);
  fprintf(f, "<text id=\"title\" x=\"%d\" y=\"24\">", FLAME_SVG_WIDTH / 2);
  text_xml_put(f, o->title, TEXT_XML_BLANK_CONTROLS);
  fputs("</text>\n", f);
  fprintf(f, "<text id=\"subtitle\" x=\"%d\" y=\"42\">", FLAME_SVG_WIDTH / 2);
  if (o->subtitle) text_xml_put(f, o->subtitle, TEXT_XML_BLANK_CONTROLS);
  fputs("</text>\n", f);
  fprintf(f, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n",
          FLAME_SVG_XPAD);
  fprintf(f, "<text id=\"search\" x=\"%d\" y=\"24\">Search</text>\n",
          FLAME_SVG_WIDTH - FLAME_SVG_XPAD);
  fprintf(f, "<text id=\"matched\" x=\"%d\" y=\"%u\"> </text>\n", FLAME_SVG_WIDTH - FLAME_SVG_XPAD,
          height - 12);
  fprintf(f, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n", FLAME_SVG_XPAD, height - 12);
  fputs("<g id=\"frames\">\n", f);
  if (!empty) flame_svg_frames(f, t, o, stack, height);
  fputs("</g>\n</svg>\n", f);
  free(stack);
  return outfile_close(&out, 1, err, errlen);
}
