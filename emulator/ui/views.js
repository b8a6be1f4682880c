// Renderers: data from the admin API in, elements out. No state lives here.

import { appName, duration, h, textWithUrls, time, urlText } from "./dom.js";
import { jsonTree } from "./jsontree.js";

const SWITCHES = [
  ["UploadMediaCompleteEventSwitch", "upload"],
  ["DeleteMediaCompleteEventSwitch", "delete"],
  ["PersistenceCompleteEventSwitch", "persistence"],
];
export { SWITCHES };

/** One row of the applications table; `act(name, app)` runs its buttons. */
export function appRow(app, act) {
  const config = app.config;
  // A space between the spans: the cell may wrap between them in a narrow table.
  const switches = SWITCHES.map(([name, label]) => [
    h("span", { class: "switch " + (config[name] === "ON" ? "on" : "off"), title: name },
      `${label} ${config[name]}`), " "]);
  const name = appName(app.sub_app_id);
  return h("tr", { "data-testid": "app-row", "data-app": name },
    h("th", { scope: "row" }, name),
    h("td", {}, h("span", { class: "badge mode-" + app.mode, "data-testid": "app-mode" }, app.mode)),
    h("td", { class: "url" }, config.NotificationUrl ? urlText(config.NotificationUrl, { "data-testid": "app-url" })
      : h("span", { class: "muted" }, "–")),
    h("td", {}, switches),
    h("td", { "data-testid": "app-queue" }, counts([
      ["pullable", app.pullable], ["leased", app.leased], ["confirmed", app.confirmed],
      ["dropped", app.dropped]])),
    h("td", { "data-testid": "app-callbacks" }, counts([
      ["delivered", app.callbacks_delivered], ["failing", app.callbacks_pending],
      ["undelivered", app.callbacks_undelivered]])),
    h("td", {}, app.emitted),
    h("td", {}, h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => act("configure", app) }, "Configure"),
      h("button", { type: "button", onclick: () => act("show", app) }, "Events"),
      h("button", { type: "button", onclick: () => act("tasks", app) }, "Tasks"),
      h("button", { type: "button", onclick: () => act("media", app) }, "Media"),
      h("button", { type: "button", class: "danger", onclick: () => act("reset", app),
        "aria-label": `Reset application ${name}` }, "Reset"))));
}

function counts(pairs) {
  return pairs.map(([label, value]) => [
    h("span", { class: "count" + (value ? "" : " zero"), "data-count": label },
      h("b", {}, value), " ", label), " "]);
}

export function totalsText(totals) {
  return `${totals.emitted} emitted · ${totals.pullable} pullable · ${totals.leased} leased · `
    + `${totals.confirmed} confirmed · ${totals.expired} expired · ${totals.dropped} dropped · `
    + `${totals.suppressed} suppressed · callbacks ${totals.callbacks_delivered} delivered, `
    + `${totals.callbacks_pending} pending, ${totals.callbacks_undelivered} undelivered`;
}

/** One row of the events list; the id is a button, so Tab and Enter open it. */
export function eventRow(event, open, selected) {
  return h("tr", { "data-testid": "event-row", "data-event-id": event.event_id,
    class: selected ? "selected" : null },
    h("td", { class: "num" }, event.seq),
    h("td", {}, h("button", { type: "button", class: "link", "data-testid": "event-open",
      onclick: () => open(event.event_id) }, event.event_id)),
    h("td", {}, event.event_type),
    h("td", {}, appName(event.sub_app_id)),
    h("td", {}, stateBadge(event.state)),
    h("td", {}, event.route),
    h("td", { class: "num" }, event.deliveries),
    h("td", { class: "when" }, time(event.enqueued_at)));
}

export function stateBadge(state) {
  return h("span", { class: "badge state-" + state, "data-testid": "event-state" }, state);
}

/** The whole story of one event (GET /_emulator/events/{id}). */
export function eventDetail(story, now, act) {
  const event = story.event;
  const facts = [
    ["Type", event.event_type], ["SubAppId", appName(event.sub_app_id)],
    ["State", stateBadge(event.state)], ["Route", event.route],
    ["Deliveries", event.deliveries], ["Enqueued", time(event.enqueued_at)],
  ];
  const actions = [];
  if (event.route === "pushed") {
    actions.push(h("button", { type: "button", "data-testid": "redeliver",
      onclick: () => act("redeliver", event) }, "Redeliver callback"));
  }
  return [
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("div", { class: "inline" }, actions),
    h("h3", {}, "Leases"),
    story.leases.length ? table(["Handle", "Expires at", "In"], story.leases.map((lease) => [
      h("code", {}, lease.handle), time(lease.expires_at), duration(lease.expires_at - now)]),
    "leases") : h("p", { class: "muted", "data-testid": "leases" }, "none held"),
    h("h3", {}, "History"),
    table(["#", "At", "Kind", "Handle", "Detail"], story.history.map((entry) => [
      entry.seq, time(entry.at), h("span", { class: "kind kind-" + entry.kind }, entry.kind),
      entry.handle ? h("code", {}, entry.handle) : "", textWithUrls(entry.detail ?? "")]), "history"),
    h("h3", {}, `Callback attempts (${story.callbacks.length})`),
    story.callbacks.length ? story.callbacks.map(attemptView)
      : h("p", { class: "muted", "data-testid": "callbacks" }, "none"),
    h("h3", {}, "Payload"),
    h("div", { class: "tree", "data-testid": "payload" }, jsonTree(event.content ?? null)),
  ];
}

function attemptView(attempt) {
  return h("details", { class: "attempt outcome-" + attempt.outcome, "data-testid": "attempt" },
    h("summary", {},
      `#${attempt.attempt} `, h("span", { class: "badge state-" + attempt.outcome }, attempt.outcome),
      ` ${time(attempt.at)} · status ${attempt.status ?? "none"} · `
        + `${attempt.latency_ms ?? "–"} ms`,
      attempt.error ? h("span", { class: "error-text" }, " · ", textWithUrls(attempt.error)) : ""),
    h("p", {}, "POST ", h("code", {}, urlText(attempt.url, { "data-testid": "attempt-url" }))),
    h("p", { class: "muted" }, "Exact body sent:"),
    h("pre", { class: "body", "data-testid": "attempt-body" }, attempt.body ?? ""),
    answerView(attempt));
}

/** What the handler answered (its body's start, as text: never markup), when it answered;
 * nothing when no HTTP answer came (or the emulator keeps no answers). */
function answerView(attempt) {
  const body = attempt.answer_body;
  if (body === null || body === undefined) return null;
  const type = attempt.answer_content_type;
  return h("div", { class: "answer", "data-testid": "answer" },
    h("p", { class: "muted" }, "Answer (",
      type ? h("code", { "data-testid": "answer-type" }, type) : "no Content-Type",
      body === "" ? "): an empty body." : "):"),
    body === "" ? null : h("pre", { class: "body", "data-testid": "answer-body" }, body),
    attempt.answer_truncated ? h("p", { class: "muted", "data-testid": "answer-truncated" }, "(truncated)") : null);
}

function table(headings, rows, testid) {
  return h("div", { class: "scroll" }, h("table", { "data-testid": testid },
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", {}, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell)))))));
}

/** One journal entry in the activity feed. */
export function feedItem(entry, open) {
  const what = [h("span", { class: "kind kind-" + entry.kind }, entry.kind)];
  if (entry.event_id) {
    what.push(" ", h("button", { type: "button", class: "link",
      onclick: () => open(entry.event_id) }, entry.event_id));
  }
  what.push(" ", h("span", { class: "muted" }, appName(entry.sub_app_id)));
  if (entry.detail) what.push(" ", textWithUrls(entry.detail));
  return h("li", { "data-kind": entry.kind },
    h("span", { class: "when" }, time(entry.at).slice(11)), " ", what);
}

/** One fault rule in force. */
export function faultItem(rule, remove) {
  const { id, applied, remaining, ...rest } = rule;
  const left = remaining === null || remaining === undefined ? "" : `, ${remaining} left`;
  return h("li", { "data-testid": "fault", "data-fault-id": id },
    h("code", {}, id), " ", JSON.stringify(rest), h("span", { class: "muted" },
      ` — acted ${applied} time${applied === 1 ? "" : "s"}${left} `),
    h("button", { type: "button", onclick: () => remove(id), "aria-label": `Remove fault ${id}` },
      "Remove"));
}
