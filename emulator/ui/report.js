// The consumer report (GET /_emulator/report): what the applications' clients and callback
// handlers did that the real service would punish, grouped by application, then by client.
// A renderer: the report in, elements out; no state lives here. Every text (a client's
// User-Agent is the caller's to choose) is set as text by h(), never as markup.

import { appName, h, time, urlText } from "./dom.js";

export const CLEAN = "No finding: nothing the real service would punish.";

// What a finding's ids are (its ids_are): event ids are links that open the event; the
// others (RequestIds, event types, notes) stay text.
const IDS_LABEL = { event_ids: "Events", request_ids: "Requests", event_types: "Types", notes: "Notes" };

/** The findings grouped by application, then by client; `open(eventId)` opens an event. */
export function reportView(report, open) {
  if (!report.findings.length) return h("p", { class: "muted", "data-testid": "report-clean" }, CLEAN);
  return [...group(report.findings, (finding) => appName(finding.sub_app_id))].map(([app, findings]) =>
    h("div", { class: "report-app", "data-testid": "report-app", "data-app": app },
      h("h3", {}, app === "default" ? "The default application" : `Application ${app}`),
      [...group(findings, (finding) => JSON.stringify(finding.client))].map(([, ofClient]) =>
        h("div", { class: "report-client", "data-testid": "report-client" },
          h("h4", { "data-testid": "report-who" }, who(ofClient[0].client)),
          h("ul", { class: "plain findings" }, ofClient.map((finding) => findingItem(finding, open)))))));
}

/** Who did it: a client (its address and User-Agent), a callback handler (its URL), or,
 * with neither, the application as a whole (a type it never accepted from anyone). */
function who(client) {
  if (/^https?:\/\//i.test(client.address)) return ["Callback handler ", urlText(client.address)];
  if (!client.address && !client.user_agent) return "The application (every client)";
  return ["Client ", h("code", {}, client.address),
    client.user_agent ? [" · User-Agent ", h("code", { class: "agent", "data-testid": "report-agent" },
      client.user_agent)] : " · no User-Agent"];
}

function findingItem(finding, open) {
  const events = finding.ids_are === "event_ids";
  const ids = finding.ids.map((id) => [events
    ? h("button", { type: "button", class: "link", "data-testid": "finding-event",
      onclick: () => open(id) }, id)
    : h("code", { "data-testid": "finding-id" }, id), " "]);
  // Each time kept whole on its line: a narrow window breaks between the two.
  const moment = (at) => h("span", { class: "nowrap" }, time(at));
  const span = finding.last_at === finding.first_at ? moment(finding.first_at)
    : [moment(finding.first_at), " – ", moment(finding.last_at)];
  return h("li", { class: "finding", "data-testid": "finding", "data-kind": finding.kind },
    h("p", { class: "finding-head" },
      h("strong", { "data-testid": "finding-title" }, finding.title), " ",
      h("span", { class: "badge", "data-testid": "finding-count",
        title: `${finding.count} time${finding.count === 1 ? "" : "s"}` }, `×${finding.count}`), " ",
      h("span", { class: "when", "data-testid": "finding-when" }, span)),
    ids.length ? h("p", { class: "finding-ids", "data-testid": "finding-ids" },
      h("span", { class: "muted" }, `${IDS_LABEL[finding.ids_are] ?? "Ids"}: `), ids) : null,
    h("p", { "data-testid": "finding-explanation" }, h("span", { class: "muted" }, "Why: "), finding.explanation),
    h("p", { "data-testid": "finding-fix" }, h("span", { class: "muted" }, "Fix: "), finding.fix,
      h("span", { class: "muted" }, ` (see ${finding.see})`)));
}

/** Items grouped by key, in the order each key first appears. */
function group(items, key) {
  const groups = new Map();
  for (const item of items) {
    const name = key(item);
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(item);
  }
  return groups;
}
