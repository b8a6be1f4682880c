// The dashboard: loads what the admin API answers, keeps it current from the live stream,
// and turns each form and button into one admin API call, showing its answer or its error.

import { get, post, query, subAppId } from "./api.js";
import { Activity, drawLatency, drawOutcomes } from "./charts.js";
import { appName, byId, duration, fill, h, time } from "./dom.js";
import { act, describeScenario, done, loadConfig, overridesHint, removeFault, report, wireForms } from "./forms.js";
import { follow } from "./stream.js";
import { TASK_STATES, fileDetail, mediaRow, taskDetail, taskTable } from "./library.js";
import { appRow, eventDetail, eventRow, faultItem, feedItem, totalsText } from "./views.js";
import { reportView } from "./report.js";

const PAGE_SIZE = 50;
const FEED_MAX = 200; // activity items kept on the page
const BACKFILL = 1000; // journal entries fetched on load for the feed and the chart
const REFRESH_MS = 300; // live updates are gathered this long, then fetched once
const NEWEST = null; // the events list's first page: no `before`
const TASKS_LIMIT = 50; // tasks listed: the newest
const FILE_TASKS_LIMIT = 50; // an application's newest tasks searched for a file's
// A list of tasks carries each one's whole detail (about half a millisecond of the
// emulator's time each), and the consumer report reads every lease and callback attempt:
// while events flow, those are reloaded at most this often.
const COSTLY_REFRESH_MS = 1000;
const MEDIA_PAGE = 50; // files listed at first, and added by "Show more"
// Starting a task or seeding a file writes nothing to the journal, nor do most calls the
// consumer report reads (an empty PullEvents, DescribeEventsState), so the stream cannot
// announce them: this often (while the page is seen) the newest task is asked for, the
// lists reloaded only if it changed, and the library's newest files and the report are
// asked for.
const POLL_MS = 2000;
// `?live=0`: each panel is loaded once and nothing is followed (no stream, no polls), so
// the page goes quiet: a one-shot `chromium --headless --screenshot --virtual-time-budget`
// can finish (a live stream keeps the page busy for ever).
const LIVE = new URLSearchParams(location.search).get("live") !== "0";
const state = {
  seenSeq: 0, // the newest journal entry taken in
  clock: null, // {now, offset_seconds, scale, frozen, at: performance.now() when received}
  catalog: null,
  pages: [], // `before` of each page above the one shown (for paging back)
  before: NEWEST,
  filters: {},
  selected: null, // the event id shown in the detail panel
  tasksFilters: {}, // sub_app_id (as typed) and status
  tasksSeen: null, // how many tasks are listed and the newest (see newest()): a poll compares
  fileTasksSeen: null, // the same of the application whose file is shown
  task: null, // the task shown in its panel: {id, app}
  file: null, // the file shown in its page: {id, app}
  mediaApp: "", // the application whose library is listed (as typed)
  mediaLimit: MEDIA_PAGE,
  opened: [], // the panels opened ("event", "task", "file"), the last one last: Escape closes it
  live: false, // the stream is connected
  feed: [], // entries, newest first
  feedPaused: false,
  feedHeld: 0,
  activity: new Activity(),
  dirty: new Set(), // what the next refresh reloads: "stats", "events", "detail", "faults"...
  timer: null,
  later: new Set(), // the same, for the lists of tasks and the report
  laterTimer: null,
  failing: new Set(), // parts whose last load was refused (a bad filter): not polled
};

// ----- loading

/** Reload everything: on first load, on each hello (a new connection, perhaps to a
 * restarted emulator) and after a full reset. */
async function reloadAll(lastSeq) {
  state.seenSeq = lastSeq;
  state.feed = [];
  state.feedHeld = 0;
  state.activity.clear();
  await Promise.all([loadCatalog(), backfill(lastSeq), refresh(["stats", "events", "detail", "faults",
    "settings", "tasks", "task", "media", "file", "report"])]);
}

async function loadCatalog() {
  if (state.catalog) return;
  const catalog = await get("/catalog");
  state.catalog = catalog;
  const types = catalog.event_types.map(({ event_type: type }) => h("option", { value: type }, type));
  fill(byId("emit-type"), types);
  fill(byId("filter-type"), h("option", { value: "" }, "any"), types.map((o) => o.cloneNode(true)));
  byId("filter-type").value = state.filters.type || "";
  fill(byId("scenario"), catalog.scenarios.map(({ name }) => h("option", { value: name }, name)));
  // The value lists to filter by come from the server, which owns them.
  const options = (values) => values.map((value) => h("option", { value }, value));
  fill(byId("filter-state"), h("option", { value: "" }, "any"), options(catalog.event_states));
  byId("filter-state").value = state.filters.state || "";
  fill(byId("feed-kind"), h("option", { value: "" }, "any"), options(catalog.journal_kinds));
  fill(byId("tasks-status"), h("option", { value: "" }, "any"), options(TASK_STATES));
  byId("tasks-status").value = state.tasksFilters.status || "";
  describeScenario();
  overridesHint();
}

/** The journal's latest entries up to `lastSeq`, for the feed and the chart. */
async function backfill(lastSeq) {
  const from = Math.max(0, lastSeq - BACKFILL);
  const answer = await get("/journal" + query({ after: from, limit: BACKFILL }));
  const entries = answer.entries.filter((entry) => entry.seq <= lastSeq);
  state.activity.add(entries);
  // Entries the stream brought meanwhile are newer: they stay on top.
  state.feed = state.feed.concat(entries.slice(-FEED_MAX).reverse()).slice(0, FEED_MAX);
  drawFeed();
  drawActivity();
}

/** Reload the named parts (or those marked dirty), each at most once at a time. */
async function refresh(parts) {
  for (const part of parts) state.dirty.add(part);
  const todo = [...state.dirty];
  state.dirty.clear();
  const loads = { stats: loadStats, events: loadEvents, detail: loadDetail, faults: loadFaults,
    settings: loadSettings, tasks: loadTasks, task: loadTask, media: loadMedia, file: loadFile,
    report: loadReport };
  await Promise.all(todo.map((part) => loads[part]().then(() => state.failing.delete(part), (error) => {
    state.failing.add(part);
    report(error);
  })));
}

/** Mark parts for reloading soon: a burst of live updates costs one fetch per part. */
function soon(...parts) {
  for (const part of parts) state.dirty.add(part);
  if (state.timer) return;
  state.timer = setTimeout(async () => {
    state.timer = null;
    await refresh([]);
  }, REFRESH_MS);
}

/** Mark parts for reloading, at most once in COSTLY_REFRESH_MS. */
function later(...parts) {
  for (const part of parts) state.later.add(part);
  if (state.laterTimer) return;
  state.laterTimer = setTimeout(() => {
    state.laterTimer = null;
    const todo = [...state.later];
    state.later.clear();
    soon(...todo);
  }, COSTLY_REFRESH_MS);
}

async function loadStats() {
  const stats = await get("/stats");
  fill(byId("apps").tBodies[0], stats.applications.length ? stats.applications.map((app) => appRow(app, appAction))
    : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No application has events or configuration yet: emit some.")));
  byId("totals").textContent = totalsText(stats.totals);
  drawLatency(byId("chart-latency"), stats.callback_latency_ms);
  drawOutcomes(byId("chart-outcomes"), stats.totals);
  byId("faults-title").textContent = `Faults (${stats.faults.active} in force, acted ${stats.faults.applied} times)`;
}

async function loadEvents() {
  const filters = state.filters;
  // A search (newest first, with the count matching) needs one search parameter: a
  // `before` past any seq stands for "from the newest".
  const before = state.before ?? Number.MAX_SAFE_INTEGER;
  const answer = await get("/events" + query({ limit: PAGE_SIZE, content: "false", before, ...filters }));
  const rows = answer.events.map((event) => eventRow(event, openEvent, event.event_id === state.selected));
  fill(byId("events").tBodies[0], rows.length ? rows
    : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No event matches.")));
  byId("events-matched").textContent = `(${answer.matched} matching)`;
  const shown = answer.events;
  byId("events-page").textContent = shown.length
    ? `#${shown[0].seq}–#${shown[shown.length - 1].seq}, page ${state.pages.length + 1}` : "";
  byId("events-older").disabled = shown.length < PAGE_SIZE;
  byId("events-older").dataset.before = shown.length ? shown[shown.length - 1].seq : "";
  byId("events-newest").disabled = state.before === NEWEST;
}

async function loadDetail() {
  const id = state.selected;
  if (!id) return;
  let story;
  try {
    story = await get("/events/" + encodeURIComponent(id));
  } catch (error) {
    if (error.status !== 404) throw error;
    fill(byId("detail"), h("p", { class: "muted" }, `${id} is no longer kept (reset or evicted).`));
    return;
  }
  if (state.selected !== id) return; // another event was opened meanwhile
  // Keep what the reader opened (payload nodes, attempts) open across a live refresh.
  const detail = byId("detail");
  const open = [...detail.querySelectorAll("details")].map((node) => node.open);
  fill(detail, eventDetail(story, clockNow(), eventAction));
  const nodes = detail.querySelectorAll("details");
  if (nodes.length === open.length) nodes.forEach((node, i) => { node.open = open[i]; });
}

async function loadFaults() {
  const [rules, effects] = await Promise.all([get("/faults"),
    get("/journal" + query({ kind: "fault", after: Math.max(0, state.seenSeq - 100000), limit: 100000 }))]);
  fill(byId("faults"), rules.faults.length ? rules.faults.map((rule) => faultItem(rule, removeFault))
    : h("li", { class: "muted" }, "No fault in force."));
  const recent = effects.entries.slice(-30).reverse();
  fill(byId("fault-effects"), recent.length ? recent.map((entry) => feedItem(entry, openEvent))
    : h("li", { class: "muted" }, "No fault has acted yet."));
}

async function loadSettings() {
  const [health, settings] = await Promise.all([get("/health"), get("/settings")]);
  byId("health").textContent = `version ${health.version} · seed ${health.seed} · `
    + (health.verifies_signatures ? `verifying signatures for ${health.secret_id}` : "any credentials work")
    + ` · ${health.held_pulls} held pull(s)`;
  byId("settings").value = JSON.stringify(settings, null, 1);
}

/** The consumer report: redrawn only when it changed, so a poll leaves focus alone. */
async function loadReport() {
  const answer = await get("/report");
  redraw(byId("report"), answer, () => reportView(answer, openEvent));
  const count = answer.findings.length;
  byId("report-count").textContent = `(${count} finding${count === 1 ? "" : "s"})`;
}

// ----- tasks and the media library

/** What a link in the tasks and media views opens. */
const opens = {
  task: (task) => openTask(task.task_id, task.sub_app_id),
  file: (app, id) => openFile(id, app),
  event: (id) => openEvent(id),
};

async function loadTasks() {
  const answer = await get("/tasks" + query({ ...state.tasksFilters, limit: TASKS_LIMIT }));
  const tasks = answer.tasks; // newest first
  state.tasksSeen = newest(answer);
  redraw(byId("tasks"), [answer, state.task && state.task.id], () => taskTable(tasks, opens,
    clockNow(), "tasks", "No task matches: the asynchronous actions (ProcessMedia, PullUpload…) "
      + "start them.", state.task && state.task.id));
  byId("tasks-matched").textContent = tasks.length < answer.count
    ? `(${answer.count} matching, the newest ${tasks.length} shown)` : `(${answer.count} matching)`;
}

async function loadTask() {
  const shown = state.task;
  if (!shown) return;
  let task;
  try {
    task = await get("/tasks/" + encodeURIComponent(shown.id) + query({ sub_app_id: appName(shown.app) }));
  } catch (error) {
    if (error.status !== 404) throw error;
    if (state.task === shown) gone(byId("task"), `${shown.id} is no longer kept (reset).`);
    return;
  }
  if (state.task !== shown) return; // another task was opened meanwhile
  redraw(byId("task"), task, () => taskDetail(task, opens, clockNow()));
}

async function loadMedia() {
  const answer = await get("/media" + query({ sub_app_id: state.mediaApp, limit: state.mediaLimit }));
  const app = answer.sub_app_id;
  const selected = state.file && state.file.app === app ? state.file.id : null;
  redraw(byId("media").tBodies[0], [answer, selected], () => answer.files.length
    ? answer.files.map((file) => mediaRow(file, opens, app, file.file_id === selected))
    : h("tr", {}, h("td", { colspan: 4, class: "muted" },
      `The media library of application ${appName(app)} is empty.`)));
  byId("media-total").textContent = `(application ${appName(app)}, ${answer.total} file${answer.total === 1 ? "" : "s"})`;
  byId("media-shown").textContent = answer.files.length < answer.total
    ? `the newest ${answer.files.length} shown` : "";
  byId("media-more").disabled = answer.files.length >= answer.total;
}

async function loadFile() {
  const shown = state.file;
  if (!shown) return;
  const path = "/media/" + encodeURIComponent(shown.id) + query({ sub_app_id: appName(shown.app) });
  const [answer, tasks] = await Promise.all([
    get(path).catch((error) => { if (error.status === 404) return null; throw error; }),
    get("/tasks" + query({ sub_app_id: appName(shown.app), limit: FILE_TASKS_LIMIT }))]);
  if (state.file !== shown) return; // another file was opened meanwhile
  if (answer === null) {
    gone(byId("file"), `The media library of application ${appName(shown.app)} does not hold `
      + `${shown.id} (deleted, or reset).`);
    return;
  }
  const worked = tasks.tasks.filter((task) => task.file_id === shown.id);
  state.fileTasksSeen = newest(tasks);
  redraw(byId("file"), [answer, worked, tasks.count], () => fileDetail(shown.app, answer.media_info,
    worked, tasks.count > FILE_TASKS_LIMIT ? FILE_TASKS_LIMIT : null, opens, clockNow()));
}

/** What a poll compares to tell whether tasks were started: how many, and the newest. */
const newest = (answer) => JSON.stringify([answer.count, answer.tasks.length ? answer.tasks[0].task_id : null]);

/** Ask for the newest task (of the list's filters, and of the file's application): reload
 * what shows tasks only when one was started. */
async function pollTasks() {
  const [listed, ofFile] = await Promise.all([
    state.failing.has("tasks") ? null : get("/tasks" + query({ ...state.tasksFilters, limit: 1 })),
    state.file ? get("/tasks" + query({ sub_app_id: appName(state.file.app), limit: 1 })) : null]);
  if (listed && newest(listed) !== state.tasksSeen) soon("tasks");
  if (ofFile && newest(ofFile) !== state.fileTasksSeen) soon("file");
}

/** Between reloads, the clock moves the tasks shown: their progress and the time left
 * follow it here; when one should change state, what shows tasks is reloaded. */
function tickTasks() {
  const now = clockNow();
  let due = false;
  for (const shown of document.querySelectorAll(".progress[data-status]")) {
    const { begins, finishes, status } = shown.dataset;
    const should = now < Number(begins) ? "WAITING" : now < Number(finishes) ? "PROCESSING" : "FINISH";
    if (should !== status) due = true;
    if (status !== "PROCESSING" || should !== "PROCESSING") continue;
    const percent = Math.floor((100 * (now - Number(begins))) / (Number(finishes) - Number(begins)));
    shown.querySelector("progress").value = percent;
    shown.querySelector(".num").textContent = `${percent}%`;
  }
  for (const left of document.querySelectorAll(".left[data-finishes]")) {
    left.textContent = `(${duration(Number(left.dataset.finishes) - now)})`;
  }
  if (due && LIVE) soon("tasks", "task", "file");
}

/** Redraw `element` from `build()` when what it shows (`data`) changed: the reader's open
 * tree nodes and focused button stay as they were. */
function redraw(element, data, build) {
  const key = JSON.stringify(data);
  if (element.dataset.shown === key) return;
  element.dataset.shown = key;
  const open = [...element.querySelectorAll("details")].map((node) => node.open);
  const focused = element.contains(document.activeElement) ? document.activeElement : null;
  const where = focused && [focused.dataset.testid, focused.closest("tr")?.dataset.taskId
    ?? focused.closest("tr")?.dataset.fileId, focused.textContent];
  fill(element, build());
  const nodes = element.querySelectorAll("details");
  if (nodes.length === open.length) nodes.forEach((node, i) => { node.open = open[i]; });
  if (where) {
    const again = [...element.querySelectorAll(`[data-testid="${where[0]}"]`)].find((node) => {
      const row = node.closest("tr");
      return (row?.dataset.taskId ?? row?.dataset.fileId) === where[1] && node.textContent === where[2];
    });
    if (again) again.focus();
  }
}

function gone(element, text) {
  delete element.dataset.shown;
  fill(element, h("p", { class: "muted" }, text));
}

// ----- the live stream

function onJournal(entries) {
  const fresh = entries.filter((entry) => entry.seq > state.seenSeq);
  if (!fresh.length) return;
  state.seenSeq = fresh[fresh.length - 1].seq;
  state.activity.add(fresh);
  if (state.feedPaused) {
    state.feedHeld += fresh.length;
    byId("feed-held").textContent = `${state.feedHeld} new entries held`;
  }
  state.feed = fresh.slice().reverse().concat(state.feed).slice(0, FEED_MAX + state.feedHeld);
  if (!state.feedPaused) drawFeed();
  // A task's events are entries too: each may change tasks, files and what they show; a
  // lease, a confirm or a callback attempt may change the report.
  later("tasks", "file", "report");
  const parts = ["stats", "events", "task", "media"];
  if (state.selected && fresh.some((entry) => entry.event_id === state.selected)) parts.push("detail");
  if (fresh.some((entry) => entry.kind === "fault")) parts.push("faults");
  soon(...parts);
}

function onClock(clock) {
  setClock(clock);
  soon("stats", "detail", "tasks", "task"); // lease countdowns, expiries and tasks follow the clock
  later("report"); // a confirm window that passes is a finding
}

function onStatus(status) {
  const badge = byId("connection");
  state.live = status === "live";
  badge.textContent = status === "live" ? "live" : "disconnected: reconnecting…";
  badge.className = "badge " + (status === "live" ? "live" : "down");
  document.body.classList.toggle("stale", status !== "live");
}

// ----- the clock

/** Take the clock an answer gave (the stream's, or an action's). */
function setClock(clock) {
  state.clock = { ...clock, at: performance.now() };
  drawClock();
}

function clockNow() {
  const clock = state.clock;
  if (!clock) return Date.now() / 1000;
  const elapsed = (performance.now() - clock.at) / 1000;
  return clock.now + (clock.frozen ? 0 : elapsed * clock.scale);
}

function drawClock() {
  const clock = state.clock;
  if (!clock) return;
  const elapsed = (performance.now() - clock.at) / 1000;
  const offset = clock.offset_seconds + (clock.frozen ? 0 : elapsed * clock.scale) - elapsed;
  byId("clock-now").textContent = time(clockNow()).slice(0, 19) + " UTC";
  byId("clock-offset").textContent = Math.abs(offset) < 0.5 ? "(real time)" : `(${duration(offset)} from real time)`;
  byId("clock-state").textContent = [clock.frozen ? "frozen" : "", clock.scale !== 1 ? `×${clock.scale}` : ""]
    .filter(Boolean).join(" ");
  byId("freeze").textContent = clock.frozen ? "Resume" : "Freeze";
  byId("freeze").setAttribute("aria-pressed", String(clock.frozen));
}

function drawActivity() {
  state.activity.draw(byId("chart-activity"), clockNow());
}

// ----- the feed

function drawFeed() {
  const kind = byId("feed-kind").value;
  const shown = (kind ? state.feed.filter((entry) => entry.kind === kind) : state.feed).slice(0, FEED_MAX);
  fill(byId("feed"), shown.map((entry) => feedItem(entry, openEvent)));
  byId("feed-held").textContent = "";
  state.feedHeld = 0;
  state.feed = state.feed.slice(0, FEED_MAX);
}

// ----- actions on the applications and events (the forms are in forms.js)

function appAction(name, app) {
  if (name === "tasks") {
    byId("tasks-app").value = appName(app.sub_app_id);
    applyTaskFilters();
    byId("tasks-title").scrollIntoView();
  } else if (name === "media") {
    byId("media-app").value = appName(app.sub_app_id);
    showMedia();
    byId("media-title").scrollIntoView();
  } else if (name === "configure") {
    byId("config-app").value = app.sub_app_id ?? "";
    loadConfig();
    byId("config-mode").focus();
  } else if (name === "show") {
    byId("filter-app").value = appName(app.sub_app_id);
    applyFilters();
  } else if (name === "reset") {
    act(async () => {
      await post("/reset", { sub_app_id: app.sub_app_id });
      done(`Application ${appName(app.sub_app_id)} reset.`);
      soon("stats", "events", "faults", "report");
    });
  }
}

function eventAction(name, event) {
  if (name === "redeliver") {
    act(async () => {
      const answer = await post("/callbacks/redeliver", { event_id: event.event_id });
      done(`Redelivering ${answer.redelivering.join(", ") || "nothing"}.`);
    });
  }
}

// ----- events list and detail

function applyFilters(event) {
  if (event) event.preventDefault();
  const app = byId("filter-app").value.trim();
  state.filters = { type: byId("filter-type").value, state: byId("filter-state").value,
    q: byId("filter-q").value.trim(), sub_app_id: app };
  state.before = NEWEST;
  state.pages = [];
  refresh(["events"]);
}

function openEvent(id) {
  state.selected = id;
  byId("detail-panel").hidden = false;
  byId("detail-id").textContent = id;
  opened("event");
  fill(byId("detail"), h("p", { class: "muted" }, "loading…"));
  for (const row of byId("events").tBodies[0].rows) {
    row.classList.toggle("selected", row.dataset.eventId === id);
  }
  return refresh(["detail"]).then(() => byId("detail-title").focus());
}

function closeEvent() {
  state.selected = null;
  byId("detail-panel").hidden = true;
  closed("event");
}

// ----- a task's panel and a file's page

function applyTaskFilters(event) {
  if (event) event.preventDefault();
  state.tasksFilters = { sub_app_id: byId("tasks-app").value.trim(), status: byId("tasks-status").value };
  refresh(["tasks"]);
}

function openTask(id, app) {
  state.task = { id, app };
  byId("task-panel").hidden = false;
  byId("task-id").textContent = id;
  opened("task");
  gone(byId("task"), "loading…");
  for (const row of byId("tasks").querySelectorAll("tr[data-task-id]")) {
    row.classList.toggle("selected", row.dataset.taskId === id);
  }
  return refresh(["task"]).then(() => byId("task-title").focus());
}

function closeTask() {
  state.task = null;
  byId("task-panel").hidden = true;
  closed("task");
}

function showMedia(event) {
  if (event) event.preventDefault();
  state.mediaApp = byId("media-app").value.trim();
  state.mediaLimit = MEDIA_PAGE;
  refresh(["media"]);
}

function openFile(id, app) {
  state.file = { id, app };
  byId("file-panel").hidden = false;
  byId("file-id").textContent = id;
  opened("file");
  gone(byId("file"), "loading…");
  return refresh(["file", "media"]).then(() => byId("file-title").focus());
}

function closeFile() {
  state.file = null;
  byId("file-panel").hidden = true;
  closed("file");
}

function opened(panel) {
  state.opened = state.opened.filter((name) => name !== panel).concat(panel);
  linkHere();
}

function closed(panel) {
  state.opened = state.opened.filter((name) => name !== panel);
  linkHere();
}

/** The page's address names what is open (#event=…&task=…&task_app=…&file=…&file_app=…),
 * so it can be bookmarked or shared. */
function linkHere() {
  const link = new URLSearchParams();
  if (state.selected) link.set("event", state.selected);
  if (state.task) {
    link.set("task", state.task.id);
    link.set("task_app", appName(state.task.app));
  }
  if (state.file) {
    link.set("file", state.file.id);
    link.set("file_app", appName(state.file.app));
  }
  const text = link.toString();
  history.replaceState(null, "", text ? "#" + text : location.pathname);
}

// ----- wiring

function wire() {
  wireForms({ soon, catalog: () => state.catalog, clock: () => state.clock, setClock });
  byId("events-filter").addEventListener("submit", applyFilters);
  for (const id of ["filter-type", "filter-state"]) byId(id).addEventListener("change", applyFilters);
  byId("events-older").addEventListener("click", () => {
    state.pages.push(state.before);
    state.before = Number(byId("events-older").dataset.before);
    refresh(["events"]);
  });
  byId("events-newest").addEventListener("click", () => {
    state.before = NEWEST;
    state.pages = [];
    refresh(["events"]);
  });
  byId("detail-close").addEventListener("click", closeEvent);
  byId("tasks-filter").addEventListener("submit", applyTaskFilters);
  byId("tasks-status").addEventListener("change", applyTaskFilters);
  byId("tasks-finish").addEventListener("click", () => act(async () => {
    const answer = await post("/tasks/finish", {});
    done(answer.advanced_seconds
      ? `Tasks finished: the clock advanced by ${duration(answer.advanced_seconds).slice(1)}.`
      : "No task was running.");
    soon("tasks", "task", "media", "file", "stats", "events");
  }));
  byId("task-close").addEventListener("click", closeTask);
  byId("media-form").addEventListener("submit", showMedia);
  byId("media-more").addEventListener("click", () => {
    state.mediaLimit += MEDIA_PAGE;
    refresh(["media"]);
  });
  byId("file-close").addEventListener("click", closeFile);
  byId("feed-pause").addEventListener("click", () => {
    state.feedPaused = !state.feedPaused;
    byId("feed-pause").textContent = state.feedPaused ? "Resume" : "Pause";
    byId("feed-pause").setAttribute("aria-pressed", String(state.feedPaused));
    if (!state.feedPaused) drawFeed();
  });
  byId("feed-kind").addEventListener("change", drawFeed);
  document.addEventListener("keydown", shortcut);
}

function shortcut(event) {
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "Escape" && state.opened.length) {
    ({ event: closeEvent, task: closeTask, file: closeFile })[state.opened[state.opened.length - 1]]();
  } else if (!typing && event.key === "/") {
    event.preventDefault();
    byId("filter-q").focus();
  } else if (!typing && event.key === "e" && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    byId("emit-type").focus();
  }
}

wire();
setInterval(drawClock, 1000);
setInterval(drawActivity, 2000); // the chart's padding moves with the clock
setInterval(tickTasks, 1000);
setInterval(() => {
  if (!state.live || document.hidden) return;
  pollTasks().catch(report);
  if (!state.failing.has("media")) soon("media");
  if (!state.failing.has("report")) later("report");
}, POLL_MS);
let linked = new URLSearchParams(location.hash.slice(1)); // what the address opens, once

/** Load every panel (and what the address opens); mark the page ready (`data-ready` on
 * <body>) once each has its first data, so a screenshot or a test knows when to look. */
async function start(clock, lastSeq) {
  setClock(clock);
  await reloadAll(lastSeq);
  await Promise.all([
    linked.get("file") && !state.file && openFile(linked.get("file"), subAppId(linked.get("file_app"))),
    linked.get("task") && !state.task && openTask(linked.get("task"), subAppId(linked.get("task_app"))),
    linked.get("event") && !state.selected && openEvent(linked.get("event"))]);
  linked = new URLSearchParams();
  if (!state.failing.size) document.body.dataset.ready = "";
}

if (LIVE) {
  follow({
    hello: (hello) => start(hello.clock, hello.last_seq).catch(report),
    journal: onJournal,
    clock: onClock,
    reset: () => {
      done("The emulator was reset.");
      reloadAll(0).catch(report);
    },
    status: onStatus,
  });
} else {
  // Each panel loaded once, no stream: the page goes quiet, as a one-shot screenshot needs.
  Promise.all([get("/clock"), get("/journal" + query({ limit: 1 }))])
    .then(([clock, journal]) => start(clock, journal.last_seq)).catch(report);
  byId("connection").textContent = "not live (?live=0)";
}
