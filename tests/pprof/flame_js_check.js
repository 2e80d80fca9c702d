// flame_js_check.js: runs the inline script of a leakscope flame graph SVG
// against a minimal fake DOM (node, no packages) and checks its behaviour:
// click-to-zoom widens the clicked frame to the full width and hides frames
// outside it, a search highlights matching frames and reports the share they
// cover (in the zoomed view too), and reset restores the graph.
//
// usage: node flame_js_check.js FILE.svg SEARCH_TERM WANT_PERCENT ZOOM_FRAME ZOOMED_TERM WANT_ZOOMED
'use strict';
const fs = require('fs');
const [file, term, wantPct, zoomName, zoomTerm, wantZoomPct] = process.argv.slice(2);
const svg = fs.readFileSync(file, 'utf8');

function fail(msg) { console.error('flame_js_check: ' + msg); process.exit(1); }
function decode(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}
function attrsOf(s) {
  const a = {};
  for (const m of s.matchAll(/([\w:-]+)="([^"]*)"/g)) a[m[1]] = decode(m[2]);
  return a;
}
function element(tag, attrs, text) {
  const el = {
    tag, attrs: attrs || {}, textContent: text || '', kids: {}, listeners: {}, style: { display: '' },
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; },
    setAttribute(n, v) { this.attrs[n] = String(v); },
    hasAttribute(n) { return n in this.attrs; },
    getElementsByTagName(t) { return this.kids[t] || []; },
    addEventListener(type, fn) { this.listeners[type] = fn; },
  };
  const cls = new Set((el.attrs['class'] || '').split(/\s+/).filter(Boolean));
  el.classList = {
    add(c) { cls.add(c); }, remove(c) { cls.delete(c); }, contains(c) { return cls.has(c); },
    toggle(c, on) { if (on === undefined) on = !cls.has(c); if (on) cls.add(c); else cls.delete(c); },
  };
  return el;
}

const root = svg.match(/<svg ([^>]*)>/);
if (!root) fail('no <svg> element');
const documentElement = element('svg', attrsOf(root[1]));
const byId = {};
for (const m of svg.matchAll(/<text id="(\w+)"([^>]*)>([^<]*)<\/text>/g))
  byId[m[1]] = element('text', Object.assign({ id: m[1] }, attrsOf(m[2])), decode(m[3]));
const frames = [];
for (const m of svg.matchAll(/<g class="f"([^>]*)><title>([^<]*)<\/title><rect([^>]*)\/><text([^>]*)>([^<]*)<\/text><\/g>/g)) {
  const g = element('g', Object.assign({ 'class': 'f' }, attrsOf(m[1])));
  g.kids.title = [element('title', {}, decode(m[2]))];
  g.kids.rect = [element('rect', attrsOf(m[3]))];
  g.kids.text = [element('text', attrsOf(m[4]), decode(m[5]))];
  frames.push(g);
}
if (frames.length === 0) fail('no frames');
byId.frames = element('g', { id: 'frames' });
byId.frames.kids.g = frames;
for (const id of ['details', 'matched', 'unzoom', 'search'])
  if (!byId[id]) fail('no element #' + id);

const script = svg.match(/<script type="text\/ecmascript"><!\[CDATA\[([\s\S]*?)\]\]><\/script>/);
if (!script) fail('no inline script');
let answer = null;
const windowListeners = {};
const window = {
  addEventListener(type, fn) { windowListeners[type] = fn; },
  prompt() { return answer; },
  alert(msg) { fail('alert: ' + msg); },
};
const document = { documentElement, getElementById(id) { return byId[id] || null; } };
const api = new Function('window', 'document',
  script[1] + '\nreturn { zoom: zoom, search: search, unzoom: unzoom };')(window, document);
windowListeners.load();

const fire = (el, type) => el.listeners[type].call(el, {});
const nameOf = (g) => g.kids.title[0].textContent.split('\n')[0];
const width = (g) => Number(g.kids.rect[0].getAttribute('width'));
const find = (n) => frames.find((g) => nameOf(g) === n) || fail('no frame ' + n);
const visible = (g) => g.style.display !== 'none';

// tooltip line on hover
fire(frames[1], 'mouseover');
if (!byId.details.textContent.startsWith(nameOf(frames[1]))) fail('details line: ' + byId.details.textContent);

// search in the whole graph
answer = term;
fire(byId.search, 'click');
if (byId.matched.textContent !== 'Matched: ' + wantPct + '%') fail('matched ' + byId.matched.textContent + ', want ' + wantPct + '%');
const hits = frames.filter((g) => new RegExp(term).test(nameOf(g)));
if (!hits.length || hits.some((g) => g.kids.rect[0].getAttribute('fill') !== 'rgb(230,0,230)')) fail('matches not highlighted');
if (byId.search.textContent !== 'Reset Search') fail('search button: ' + byId.search.textContent);
fire(byId.search, 'click');
if (hits.some((g) => g.kids.rect[0].getAttribute('fill') === 'rgb(230,0,230)')) fail('highlight not cleared');

// zoom into a frame: it takes the full width; frames beside it are hidden
const z = find(zoomName);
const full = width(frames[0]);
fire(z, 'click');
if (Math.abs(width(z) - full) > 0.2) fail('zoomed frame width ' + width(z) + ', want ' + full);
const outside = frames.filter((g) => {
  const s = Number(g.getAttribute('data-s')), v = Number(g.getAttribute('data-v'));
  const zs = Number(z.getAttribute('data-s')), zv = Number(z.getAttribute('data-v'));
  return s + v <= zs || s >= zs + zv;
});
if (outside.some(visible)) fail('frames outside the zoomed one still shown');
if (byId.unzoom.classList.contains('hide')) fail('no Reset Zoom after zooming');
answer = zoomTerm;
fire(byId.search, 'click');
if (byId.matched.textContent !== 'Matched: ' + wantZoomPct + '%') fail('zoomed matched ' + byId.matched.textContent + ', want ' + wantZoomPct + '%');

// reset
fire(byId.unzoom, 'click');
if (!frames.every(visible)) fail('frames hidden after reset');
if (Math.abs(width(z) - full * Number(z.getAttribute('data-v')) / Number(frames[0].getAttribute('data-v'))) > 0.2)
  fail('width not restored');
if (!byId.unzoom.classList.contains('hide')) fail('Reset Zoom still shown');
console.log('ok');
