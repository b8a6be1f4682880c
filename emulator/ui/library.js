// Renderers of the tasks and the media library: data from the admin API in, elements out.
// No state lives here; `open` carries what a link opens: open.task(task),
// open.file(subAppId, fileId), open.event(eventId).

import { appName, duration, h, time } from "./dom.js";
import { jsonTree } from "./jsontree.js";

export const TASK_STATES = ["WAITING", "PROCESSING", "FINISH"];
const CONTEXT_SHOWN = 60; // characters of a SessionContext shown in a row (all of it on hover)

/** A task's state: its status, and whether it fails (a fault rule made it). */
export function taskStatus(task) {
  const marks = [h("span", { class: "badge task-" + task.status, "data-testid": "task-status" },
    task.status)];
  if (task.failed) {
    marks.push(" ", task.status === "FINISH"
      ? h("span", { class: "badge state-failed", "data-testid": "task-failed" }, "failed")
      : h("span", { class: "muted", "data-testid": "task-failed",
        title: "A fault rule makes this task fail when it finishes" }, "will fail"));
  }
  return marks;
}

/** Its progress; unfinished, the dashboard moves it with the clock (data-status, -begins,
 * -finishes) between reloads. */
function progress(task) {
  const moving = task.status !== "FINISH";
  return h("span", { class: "progress", "data-status": moving ? task.status : null,
    "data-begins": moving ? task.begins_at : null, "data-finishes": moving ? task.finishes_at : null },
    h("progress", { max: 100, value: task.progress, "aria-label": `${task.task_id} progress` }),
    " ", h("span", { class: "num", "data-testid": "task-progress" }, `${task.progress}%`));
}

function fileLink(task, open) {
  if (!task.file_id) return h("span", { class: "muted" }, "–");
  return h("button", { type: "button", class: "link", "data-testid": "task-file",
    onclick: () => open.file(task.sub_app_id, task.file_id) }, task.file_id);
}

function eventLinks(task, open) {
  if (task.events.length) {
    return task.events.map((id) => [h("button", { type: "button", class: "link",
      "data-testid": "task-event", onclick: () => open.event(id) }, id), " "]);
  }
  const why = task.notify_mode === "None" ? "none (TasksNotifyMode None)"
    : task.status === "FINISH" ? "none" : "none yet";
  return h("span", { class: "muted" }, why);
}

function session(task) {
  const context = task.session_context || "";
  const cut = context.length > CONTEXT_SHOWN ? context.slice(0, CONTEXT_SHOWN) + "…" : context;
  return [
    task.session_id ? h("code", { "data-testid": "task-session-id" }, task.session_id) : null,
    context ? h("div", { class: "context", title: context, "data-testid": "task-context" }, cut)
      : null,
    !task.session_id && !context ? h("span", { class: "muted" }, "–") : null,
  ];
}

function finishes(task, now) {
  if (task.status === "FINISH") return time(task.finishes_at);
  return [time(task.finishes_at), " ", h("span", { class: "muted left", "data-finishes": task.finishes_at },
    `(${duration(task.finishes_at - now)})`)];
}

export const TASK_HEADINGS = ["TaskId", "TaskType", "Action", "SubAppId", "Status", "Progress",
  "FileId", "Created", "Finishes", "Session", "Events"];

/** One row of a tasks table; the TaskId is a button, so Tab and Enter open the task. */
export function taskRow(task, open, now, selected) {
  return h("tr", { "data-testid": "task-row", "data-task-id": task.task_id,
    class: selected ? "selected" : null },
    h("td", {}, h("button", { type: "button", class: "link", "data-testid": "task-open",
      onclick: () => open.task(task) }, task.task_id)),
    h("td", { "data-testid": "task-type" }, task.task_type),
    h("td", { "data-testid": "task-action" }, task.action),
    h("td", {}, appName(task.sub_app_id)),
    h("td", {}, taskStatus(task)),
    h("td", {}, progress(task)),
    h("td", {}, fileLink(task, open)),
    h("td", { class: "when" }, time(task.created_at)),
    h("td", { class: "when" }, finishes(task, now)),
    h("td", { class: "session" }, session(task)),
    h("td", { "data-testid": "task-events" }, eventLinks(task, open)));
}

/** A table of tasks, or a line saying there is none. */
export function taskTable(tasks, open, now, testid, empty, selected = null) {
  if (!tasks.length) return h("p", { class: "muted", "data-testid": testid }, empty);
  return h("div", { class: "scroll" }, h("table", { class: "tasks", "data-testid": testid },
    h("thead", {}, h("tr", {}, TASK_HEADINGS.map((text) => h("th", { class: text === "Created"
      || text === "Finishes" ? "when" : null }, text)))),
    h("tbody", {}, tasks.map((task) => taskRow(task, open, now, task.task_id === selected)))));
}

/** One task as GET /_emulator/tasks/{task_id} answers it: its facts and its detail. */
export function taskDetail(task, open, now) {
  const facts = [
    ["TaskType", task.task_type], ["Action", task.action], ["SubAppId", appName(task.sub_app_id)],
    ["Status", taskStatus(task)], ["Progress", progress(task)], ["FileId", fileLink(task, open)],
    ["Created", time(task.created_at)], ["Begins", time(task.begins_at)],
    ["Finishes", finishes(task, now)],
    ["SessionId", task.session_id || h("span", { class: "muted" }, "–")],
    ["SessionContext", task.session_context
      ? h("span", { class: "context", "data-testid": "task-context" }, task.session_context)
      : h("span", { class: "muted" }, "–")],
    ["TasksNotifyMode", task.notify_mode],
    ["Caused by", task.caused_by ? h("code", { "data-testid": "task-caused-by" }, task.caused_by)
      : h("span", { class: "muted" }, "–")],
    ["Events", h("span", { "data-testid": "task-events" }, eventLinks(task, open))],
  ];
  return [
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("h3", {}, "Detail (as DescribeTaskDetail tells it now)"),
    h("div", { class: "tree", "data-testid": "task-detail-tree" }, jsonTree(task.detail ?? null)),
  ];
}

/** One row of the media library's list; the FileId is a button that opens the file. */
export function mediaRow(file, open, subAppId, selected) {
  return h("tr", { "data-testid": "media-row", "data-file-id": file.file_id,
    class: selected ? "selected" : null },
    h("td", {}, h("button", { type: "button", class: "link", "data-testid": "media-open",
      onclick: () => open.file(subAppId, file.file_id) }, file.file_id)),
    h("td", { "data-testid": "media-name" }, file.name ?? h("span", { class: "muted" }, "–")),
    h("td", {}, file.type ?? ""),
    h("td", { class: "when" }, file.create_time ?? ""));
}

const FIRST_PARTS = ["BasicInfo", "MetaData"];

/** A file's page: its MediaInfo, part by part (those it has), then the tasks that worked
 * on it. */
export function fileDetail(subAppId, info, tasks, searched, open, now) {
  const names = Object.keys(info).filter((name) => name !== "FileId");
  const ordered = [...FIRST_PARTS.filter((name) => names.includes(name)),
    ...names.filter((name) => !FIRST_PARTS.includes(name))];
  const present = ordered.filter((name) => info[name] !== null && info[name] !== undefined);
  const absent = ordered.filter((name) => !present.includes(name));
  const basic = info.BasicInfo || {};
  const facts = [["SubAppId", appName(subAppId)], ["Name", basic.Name ?? "–"],
    ["Type", basic.Type ?? "–"], ["Created", basic.CreateTime ?? "–"]];
  return [
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    present.map((name) => h("section", { class: "part", "data-testid": "file-part", "data-part": name },
      h("h3", {}, name),
      h("div", { class: "tree" }, jsonTree(info[name])))),
    absent.length ? h("p", { class: "muted", "data-testid": "file-absent" },
      "None yet: ", absent.join(", ")) : null,
    h("h3", {}, `Tasks that worked on it (${tasks.length}`
      + (searched ? ` among the application's newest ${searched})` : ")")),
    taskTable(tasks, open, now, "file-tasks", "No task has worked on this file."),
  ];
}
