// The custody path as an SVG diagram: one horizontal lane per agency, the events of each item in
// log order from left to right, an arrow from lane to lane for each accepted transfer, a branch
// (dashed) from a derive to the new item's first position, and integrity alerts as red marks.
// events: [{event, event_id, alert}] in log order (custody events only).
import { h } from './dom.js';

const LANE_H = 56;
const STEP_W = 70;
const LEFT = 120;

export function custodyPath(events) {
  const custody = events.filter((r) => r.event && r.event.item);
  if (custody.length === 0) return h('p', { class: 'muted' }, 'No custody events.');
  const agencies = [];
  for (const r of custody) {
    for (const a of [r.event.agency, r.event.recipient]) if (a && !agencies.includes(a)) agencies.push(a);
  }
  const items = [];
  for (const r of custody) {
    if (!items.includes(r.event.item)) items.push(r.event.item);
    if (r.event.new_item && !items.includes(r.event.new_item)) items.push(r.event.new_item);
  }
  const width = LEFT + STEP_W * (custody.length + 1);
  const height = LANE_H * agencies.length + 30;
  const laneY = (a) => 20 + LANE_H * agencies.indexOf(a) + LANE_H / 2;
  const colour = (item) => ['#1f5fa8', '#7a3fa0', '#1d7a52', '#a35a00', '#5b6770'][items.indexOf(item) % 5];
  const parts = [];
  agencies.forEach((a, i) => {
    parts.push(h('rect', { x: 0, y: 20 + LANE_H * i, width, height: LANE_H, fill: i % 2 ? '#f4f6f8' : '#ffffff' }));
    parts.push(h('text', { x: 8, y: laneY(a) + 4, 'font-size': 13, 'font-weight': 'bold', fill: '#222' }, a));
  });
  // Where each item was last drawn, to link its next event (its custody line).
  const last = new Map();
  custody.forEach((r, i) => {
    const e = r.event;
    const x = LEFT + STEP_W * i + STEP_W / 2;
    const y = laneY(e.agency);
    const prev = last.get(e.item);
    if (prev) {
      parts.push(h('line', { x1: prev.x, y1: prev.y, x2: x, y2: y, stroke: colour(e.item), 'stroke-width': e.kind === 'transfer.accept' ? 3 : 1.5, 'marker-end': e.kind === 'transfer.accept' ? 'url(#arrow)' : null, class: e.kind === 'transfer.accept' ? 'transfer' : null }));
    }
    last.set(e.item, { x, y });
    if (e.kind === 'derive') {
      const nx = x + STEP_W / 2;
      parts.push(h('path', { d: `M ${x} ${y} Q ${nx} ${y - 20} ${nx} ${y}`, stroke: colour(e.new_item), fill: 'none', 'stroke-dasharray': '4 3', 'stroke-width': 1.5 }));
      last.set(e.new_item, { x, y });
    }
    const mark = r.alert
      ? h('polygon', { points: `${x},${y - 11} ${x + 11},${y + 8} ${x - 11},${y + 8}`, fill: '#c0161b', class: 'alert-mark' }, h('title', {}, `INTEGRITY ALERT: ${e.kind} of ${e.item}`))
      : h('circle', { cx: x, cy: y, r: 7, fill: e.kind === 'dispose' ? '#222' : colour(e.item) }, h('title', {}, `${e.kind} of ${e.item} by ${e.agency} at ${e.time}`));
    parts.push(mark);
    parts.push(h('text', { x, y: y + 22, 'font-size': 10, 'text-anchor': 'middle', fill: '#333' }, e.kind.replace('transfer.', '')));
  });
  const legend = items.map((it, i) => h('text', { x: LEFT + 160 * i, y: 13, 'font-size': 11, fill: colour(it) }, `● ${it}`));
  return h('div', { class: 'diagram' },
    h('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'custody path: agencies as lanes, transfers as arrows' },
      h('defs', {}, h('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, h('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#333' }))),
      parts, legend));
}
