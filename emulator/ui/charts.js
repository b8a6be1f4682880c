// Simple charts as inline SVG: no library, drawn again from scratch on each update (they
// hold a few dozen bars at most, so that is cheap).

import { clockTime, svg } from "./dom.js";

const WIDTH = 320;
const HEIGHT = 110;
const BUCKETS = 30;
const MAX_SECONDS = 20000;

/**
 * Journal entries counted per second of emulator time: events emitted, and callback
 * attempts (delivered or failed). Drawn as BUCKETS bars from the first entry to now, so a
 * clock advanced by an hour still fits the chart (each bar then covers more time).
 */
export class Activity {
  constructor() {
    this.clear();
  }

  clear() {
    this.counts = new Map(); // whole second -> {events, ok, failed}
  }

  add(entries) {
    for (const entry of entries) {
      const series = SERIES_OF_KIND[entry.kind];
      if (!series) continue;
      const second = Math.floor(entry.at);
      const row = this.counts.get(second) || { events: 0, ok: 0, failed: 0 };
      row[series] += 1;
      this.counts.set(second, row);
    }
    // Bounded memory: the oldest seconds go first (a Map keeps insertion order).
    for (const second of this.counts.keys()) {
      if (this.counts.size <= MAX_SECONDS) break;
      this.counts.delete(second);
    }
  }

  draw(container, now) {
    const seconds = [...this.counts.keys()];
    const last = Math.floor(now ?? Date.now() / 1000);
    const first = seconds.length ? Math.min(...seconds, last) : last - BUCKETS + 1;
    this.span = 2 ** Math.ceil(Math.log2(Math.max(1, (last - first + 1) / (BUCKETS - 1))));
    const end = Math.floor(last / this.span) * this.span;
    const starts = [];
    for (let i = BUCKETS - 1; i >= 0; i--) starts.push(end - i * this.span);
    const rows = starts.map(() => ({ events: 0, ok: 0, failed: 0 }));
    for (const [second, row] of this.counts) {
      const i = Math.floor((second - starts[0]) / this.span);
      if (i < 0 || i >= BUCKETS) continue;
      for (const name of ["events", "ok", "failed"]) rows[i][name] += row[name];
    }
    const top = Math.max(1, ...rows.map((row) => Math.max(row.events, row.ok + row.failed)));
    const slot = WIDTH / BUCKETS;
    const bars = [];
    rows.forEach((row, i) => {
      const x = i * slot;
      const title = `${clockTime(starts[i])} (+${this.span}s): ${row.events} events, `
        + `${row.ok} callbacks delivered, ${row.failed} failed`;
      bars.push(bar(x + 1, slot / 2 - 1, row.events, 0, top, "c-events", title));
      bars.push(bar(x + slot / 2, slot / 2 - 1, row.ok, 0, top, "c-ok", title));
      bars.push(bar(x + slot / 2, slot / 2 - 1, row.failed, row.ok, top, "c-failed", title));
    });
    const total = rows.reduce((sum, row) => sum + row.events, 0);
    container.replaceChildren(
      chart(`${total} events in the last ${BUCKETS * this.span}s of emulator time`, bars,
        [`${clockTime(starts[0])}`, `${clockTime(end)}`], top),
      legend([["c-events", "events"], ["c-ok", "callbacks delivered"], ["c-failed", "callbacks failed"]]));
  }
}

const SERIES_OF_KIND = {
  enqueued: "events", routed: "events", suppressed: "events",
  delivered: "ok", attempt_failed: "failed", undelivered: "failed",
};

/** The callback latency histogram of GET /stats (its last count is "above"). */
export function drawLatency(container, histogram) {
  const { bounds_ms: bounds, counts } = histogram;
  const labels = bounds.map((bound) => `≤${bound}`).concat([`>${bounds[bounds.length - 1]}`]);
  const top = Math.max(1, ...counts);
  const slot = WIDTH / counts.length;
  const bars = counts.map((count, i) =>
    bar(i * slot + 2, slot - 4, count, 0, top, "c-ok", `${labels[i]} ms: ${count}`));
  const texts = labels.map((label, i) =>
    svg("text", { x: i * slot + slot / 2, y: HEIGHT + 12, "text-anchor": "middle", class: "tick" }, label));
  const total = counts.reduce((sum, count) => sum + count, 0);
  container.replaceChildren(chart(`${total} callback attempts by latency`, [...bars, ...texts], null, top));
}

/** Horizontal bars: where the events are and how the callbacks ended, from the totals. */
export function drawOutcomes(container, totals) {
  const rows = [
    ["pullable", totals.pullable, "c-events"], ["leased", totals.leased, "c-events"],
    ["confirmed", totals.confirmed, "c-ok"], ["expired", totals.expired, "c-failed"],
    ["dropped", totals.dropped, "c-failed"], ["suppressed", totals.suppressed, "c-muted"],
    ["cb delivered", totals.callbacks_delivered, "c-ok"],
    ["cb pending", totals.callbacks_pending, "c-events"],
    ["cb undelivered", totals.callbacks_undelivered, "c-failed"],
  ];
  const top = Math.max(1, ...rows.map((row) => row[1]));
  const line = 14;
  const labelWidth = 96;
  const room = WIDTH - labelWidth - 50;
  const parts = [];
  rows.forEach(([label, value, style], i) => {
    const y = i * line;
    parts.push(svg("text", { x: 0, y: y + 10, class: "tick" }, label));
    parts.push(svg("rect", { x: labelWidth, y: y + 2, height: line - 4,
      width: Math.max(value ? 1 : 0, (value / top) * room), class: style }));
    parts.push(svg("text", { x: labelWidth + (value / top) * room + 4, y: y + 10, class: "tick" }, value));
  });
  const height = rows.length * line;
  container.replaceChildren(svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img",
    "aria-label": rows.map(([label, value]) => `${label} ${value}`).join(", ") },
    svg("title", {}, "Outcomes"), ...parts));
}

function bar(x, width, value, below, top, style, title) {
  const scale = HEIGHT / top;
  const height = value * scale;
  return svg("rect", { x, width: Math.max(0, width), y: HEIGHT - (below * scale) - height,
    height, class: style }, svg("title", {}, title));
}

function chart(label, parts, ends, top) {
  const extra = [svg("text", { x: WIDTH, y: 9, "text-anchor": "end", class: "tick" }, `max ${top}`)];
  if (ends) {
    extra.push(svg("text", { x: 0, y: HEIGHT + 12, class: "tick" }, ends[0]));
    extra.push(svg("text", { x: WIDTH, y: HEIGHT + 12, "text-anchor": "end", class: "tick" }, ends[1]));
  }
  return svg("svg", { viewBox: `0 -2 ${WIDTH} ${HEIGHT + 16}`, role: "img", "aria-label": label },
    svg("title", {}, label), svg("line", { x1: 0, x2: WIDTH, y1: HEIGHT, y2: HEIGHT, class: "axis" }),
    ...parts, ...extra);
}

function legend(items) {
  const list = document.createElement("p");
  list.className = "legend";
  for (const [style, text] of items) {
    const swatch = document.createElement("span");
    swatch.className = "swatch " + style;
    list.append(swatch, text, " ");
  }
  return list;
}
