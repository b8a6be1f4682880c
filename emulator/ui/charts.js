// Simple charts as inline SVG: no library, drawn again from scratch on each update (they
// hold a few dozen bars at most, so that is cheap).

import { clockTime, duration, svg, time } from "./dom.js";

const WIDTH = 320;
const HEIGHT = 110;
const BUCKETS = 30; // slots across the activity chart: its bars, and a break per idle stretch cut
const MAX_SECONDS = 20000;
const MAX_BREAKS = 6;
const BREAK_BARS = 3; // an idle stretch wider than this many bars is cut out of the axis
const DAY = 86400;

/**
 * Journal entries counted per second of emulator time: events emitted, and callback
 * attempts (delivered or failed). The chart spans the entries' own range, first to last,
 * its bar width (a power of two seconds) chosen from that range, and stretches with
 * nothing in them wider than a few bars are cut out (a break, marked with the time it
 * skips): a clock advanced by a day still shows each burst over many bars, not two.
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
    const last = Math.floor(now ?? Date.now() / 1000);
    const { span, slots } = timeline([...this.counts.keys()].sort((a, b) => a - b), last);
    const rows = new Map(slots.filter((slot) => "start" in slot)
      .map((slot) => [slot.start, { events: 0, ok: 0, failed: 0 }]));
    for (const [second, counted] of this.counts) {
      const row = rows.get(Math.floor(second / span) * span);
      for (const name of ["events", "ok", "failed"]) row[name] += counted[name];
    }
    const top = Math.max(1, ...[...rows.values()].map((row) => Math.max(row.events, row.ok + row.failed)));
    const slot = WIDTH / slots.length;
    const parts = slots.map((at, i) => {
      const x = i * slot;
      if ("skipped" in at) {
        const title = `nothing for ${duration(at.skipped).slice(1)}`;
        return svg("g", { class: "break", "data-skipped": at.skipped },
          svg("line", { x1: x + slot / 2, x2: x + slot / 2, y1: 12, y2: HEIGHT, class: "gap" }),
          svg("text", { x: x + slot / 2, y: 9, "text-anchor": "middle", class: "tick" }, "⋯"),
          svg("title", {}, title));
      }
      const row = rows.get(at.start);
      const title = `${when(at.start, span)} (+${span}s): ${row.events} events, `
        + `${row.ok} callbacks delivered, ${row.failed} failed`;
      return svg("g", { class: "bar", "data-start": at.start, "data-events": row.events,
        "data-callbacks": row.ok + row.failed },
      bar(x + 1, slot / 2 - 1, row.events, 0, top, "c-events", title),
      bar(x + slot / 2, slot / 2 - 1, row.ok, 0, top, "c-ok", title),
      bar(x + slot / 2, slot / 2 - 1, row.failed, row.ok, top, "c-failed", title));
    });
    const starts = slots.filter((at) => "start" in at).map((at) => at.start);
    const [first, end] = [starts[0], starts[starts.length - 1] + span];
    const breaks = slots.length - starts.length;
    const total = [...rows.values()].reduce((sum, row) => sum + row.events, 0);
    const label = `${total} events from ${when(first, end - first)} to ${when(end, end - first)} `
      + `of emulator time, ${span}s a bar` + (breaks ? `, ${breaks} idle stretch${breaks === 1 ? "" : "es"} cut` : "");
    container.replaceChildren(
      chart(label, parts, [when(first, end - first), when(end, end - first)], top),
      legend([["c-events", "events"], ["c-ok", "callbacks delivered"], ["c-failed", "callbacks failed"]]));
  }
}

/**
 * Where the activity chart's bars go, from the busy seconds (sorted): `span` (seconds a
 * bar, a power of two) and `slots`, left to right, each a bar ({start}, a multiple of
 * span) or a break ({skipped: seconds}). The widest idle stretches are cut one by one
 * until none left is wider than BREAK_BARS bars; bars left over extend the axis towards
 * `now`, then before the first entry.
 */
export function timeline(seconds, now) {
  if (!seconds.length) return { span: 1, slots: bars(now - BUCKETS + 1, now, 1) };
  const gaps = seconds.slice(1).map((second, i) => ({ after: seconds[i], skipped: second - seconds[i] }))
    .sort((a, b) => b.skipped - a.skipped).slice(0, MAX_BREAKS);
  for (let cut = 0; ; cut++) {
    const cuts = gaps.slice(0, cut).sort((a, b) => a.after - b.after);
    const runs = []; // [first, last] busy second between two breaks
    let from = seconds[0];
    for (const gap of cuts) {
      runs.push([from, gap.after]);
      from = gap.after + gap.skipped;
    }
    runs.push([from, seconds[seconds.length - 1]]);
    const room = BUCKETS - cuts.length;
    const needed = (span) => runs.reduce((sum, [a, b]) => sum + Math.floor(b / span) - Math.floor(a / span) + 1, 0);
    let span = 1;
    while (needed(span) > room) span *= 2;
    if (cut < gaps.length && gaps[cut].skipped > BREAK_BARS * span) continue;
    // Bars to spare: after the last entry up to now, then before the first.
    const spare = room - needed(span);
    const last = Math.floor(runs[runs.length - 1][1] / span) * span;
    const after = Math.min(spare, Math.max(0, Math.floor(now / span) - last / span));
    runs[0][0] = (Math.floor(runs[0][0] / span) - (spare - after)) * span;
    runs[runs.length - 1][1] = last + after * span;
    const slots = [];
    runs.forEach(([a, b], i) => {
      if (i) slots.push({ skipped: a - runs[i - 1][1] });
      slots.push(...bars(a, b, span));
    });
    return { span, slots };
  }
}

/** The bars of `span` seconds from the one holding `first` to the one holding `last`. */
function bars(first, last, span) {
  const slots = [];
  for (let start = Math.floor(first / span) * span; start <= last; start += span) slots.push({ start });
  return slots;
}

/** A moment on the chart's axis: its time of day, and its date too on an axis longer than a day. */
const when = (seconds, range) => (range > DAY ? time(seconds).slice(5, 16) : clockTime(seconds));

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
