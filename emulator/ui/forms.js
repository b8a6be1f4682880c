// The forms and buttons that change the emulator (emit, scenario, fixture, clock, event
// configuration, settings, faults, redelivery, reset): each is one admin API call, its
// answer or its error shown on the page.

import { ApiError, appPath, del, get, post, subAppId } from "./api.js";
import { appName, byId, fill, h, urlText } from "./dom.js";
import { SWITCHES } from "./views.js";

const FAULT_PRESETS = {
  "": "",
  "PullEvents answers RequestLimitExceeded twice":
    { action: "PullEvents", effect: "error", code: "RequestLimitExceeded", times: 2 },
  "Fail the next two callbacks with 503": { action: "callback", effect: "fail", status: 503, times: 2 },
  "Deliver each pulled event twice": { action: "PullEvents", effect: "duplicate" },
  "ConfirmEvents confirms nothing": { action: "ConfirmEvents", effect: "drop_confirm" },
  "Callbacks time out": { action: "callback", effect: "timeout" },
  "Callbacks sent with a wrong Sign": { action: "callback", effect: "bad_signature" },
};

/** What the forms need of the page: soon(...parts) reloads them, catalog() and clock()
 * answer what it holds, setClock(clock) takes the clock an answer gave. */
let page = null;

export function wireForms(hooks) {
  page = hooks;
  byId("emit-form").addEventListener("submit", emit);
  byId("emit-type").addEventListener("change", overridesHint);
  byId("scenario-form").addEventListener("submit", runScenario);
  byId("scenario").addEventListener("change", describeScenario);
  byId("fixture-form").addEventListener("submit", postFixture);
  byId("clock-form").addEventListener("submit", advance);
  byId("freeze").addEventListener("click", toggleFreeze);
  byId("set-scale").addEventListener("click", setScale);
  byId("config-load").addEventListener("click", loadConfig);
  byId("config-form").addEventListener("submit", applyConfig);
  byId("faults-clear").addEventListener("click", () => act(async () => {
    const answer = await del("/faults");
    done(`Removed ${answer.removed.length} fault rule(s).`);
    page.soon("faults", "stats");
  }));
  byId("fault-form").addEventListener("submit", addFault);
  byId("settings-form").addEventListener("submit", applySettings);
  byId("redeliver-all").addEventListener("click", () => act(async () => {
    const answer = await post("/callbacks/redeliver", {});
    done(`Redelivering ${answer.redelivering.length} callback(s).`);
  }));
  twice(byId("reset-all"), async () => {
    await post("/reset", {});
    done("Everything reset."); // the stream's reset message reloads the page's data
  });

  fill(byId("fault-preset"), Object.keys(FAULT_PRESETS).map((name) =>
    h("option", { value: name }, name || "(write your own)")));
  byId("fault-preset").addEventListener("change", () => {
    const rule = FAULT_PRESETS[byId("fault-preset").value];
    byId("fault-rule").value = rule ? JSON.stringify(rule) : "";
  });
  byId("fault-rule").placeholder = JSON.stringify(FAULT_PRESETS["Fail the next two callbacks with 503"]);
  const switches = document.querySelector("#config-form .switches");
  for (const [name, label] of SWITCHES) {
    switches.append(h("label", {}, `${label} events `, h("select", { id: "config-" + name, "data-testid": "config-" + name },
      h("option", { value: "" }, "(unchanged)"), h("option", {}, "ON"), h("option", {}, "OFF"))));
  }
}

export function describeScenario() {
  const chosen = page.catalog().scenarios.find(({ name }) => name === byId("scenario").value);
  byId("scenario-description").textContent = chosen ? chosen.description : "";
}

export function overridesHint() {
  const chosen = page.catalog().event_types.find(({ event_type: type }) => type === byId("emit-type").value);
  byId("emit-overrides").placeholder = chosen
    ? `{"${chosen.member}": {…}}  e.g. set one field and leave the rest generated` : "";
}

// ----- what each does

export function report(error) {
  const line = byId("action-result");
  line.className = "result error";
  line.textContent = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
}

/** Say what an action did: text, or elements (a URL). */
export function done(...said) {
  const line = byId("action-result");
  line.className = "result ok";
  fill(line, said);
}

/** Run `action` for a form: its error is shown in `errorBox` (and in the result line). */
async function attempt(errorBox, action) {
  errorBox.textContent = "";
  try {
    await action();
  } catch (error) {
    errorBox.textContent = error instanceof ApiError ? error.message : String(error);
    report(error);
  }
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(0, "NotJson", `${what} is not valid JSON: ${error.message}`);
  }
}

async function emit(event) {
  event.preventDefault();
  await attempt(byId("emit-error"), async () => {
    const body = { type: byId("emit-type").value, count: Number(byId("emit-count").value || 1),
      sub_app_id: subAppId(byId("emit-app").value), with_content: false };
    const overrides = byId("emit-overrides").value.trim();
    if (overrides) body.overrides = parseJson(overrides, "The overrides");
    const answer = await post("/events", body);
    done(`Emitted ${answer.count} ${body.type} event${answer.count === 1 ? "" : "s"} to `
      + `${appName(answer.sub_app_id)}${answer.events.length ? ` (${answer.events[0].route})` : ""}.`);
    page.soon("stats", "events");
  });
}

async function runScenario(event) {
  event.preventDefault();
  await attempt(byId("scenario-error"), async () => {
    const answer = await post("/events", { scenario: byId("scenario").value,
      sub_app_id: subAppId(byId("scenario-app").value), with_content: false });
    done(`Scenario ${byId("scenario").value}: ${answer.count} events emitted.`);
  });
}

async function postFixture(event) {
  event.preventDefault();
  await attempt(byId("fixture-error"), async () => {
    const file = byId("fixture-file").files[0];
    if (!file) throw new ApiError(0, "NoFile", "Choose a fixture file first.");
    const body = parseJson(await file.text(), file.name);
    if (byId("fixture-app").value.trim()) body.sub_app_id = subAppId(byId("fixture-app").value);
    body.with_content = false;
    const answer = await post("/events", body);
    done(`${file.name}: ${answer.count} events emitted.`);
  });
}

async function advance(event) {
  event.preventDefault();
  await attempt(byId("action-result"), async () => {
    const seconds = Number(byId("advance-seconds").value);
    page.setClock(await post("/clock", { advance_seconds: seconds }));
    done(`Clock advanced by ${seconds}s.`);
  });
}

async function toggleFreeze() {
  await attempt(byId("action-result"), async () => {
    const frozen = !(page.clock() && page.clock().frozen);
    page.setClock(await post("/clock", { freeze: frozen }));
    done(frozen ? "Clock frozen." : "Clock running.");
  });
}

async function setScale() {
  await attempt(byId("action-result"), async () => {
    const scale = Number(byId("scale").value);
    page.setClock(await post("/clock", { scale }));
    done(`Clock scale set to ×${scale}.`);
  });
}

export async function loadConfig() {
  await attempt(byId("config-error"), async () => {
    const config = await get("/event-config/" + appPath(subAppId(byId("config-app").value)));
    byId("config-mode").value = config.Mode;
    byId("config-url").value = config.NotificationUrl;
    for (const [name] of SWITCHES) byId("config-" + name).value = config[name];
  });
}

async function applyConfig(event) {
  event.preventDefault();
  await attempt(byId("config-error"), async () => {
    const id = subAppId(byId("config-app").value);
    const body = {};
    if (byId("config-mode").value) body.Mode = byId("config-mode").value;
    if (byId("config-url").value.trim()) body.NotificationUrl = byId("config-url").value.trim();
    if (byId("config-signkey").value) body.SignKey = byId("config-signkey").value;
    for (const [name] of SWITCHES) {
      if (byId("config-" + name).value) body[name] = byId("config-" + name).value;
    }
    const config = await post("/event-config/" + appPath(id), body);
    done(`Application ${appName(config.sub_app_id)}: ${config.Mode}`,
      config.NotificationUrl ? [" to ", urlText(config.NotificationUrl)] : "", ".");
    page.soon("stats");
  });
}

export const act = (action) => attempt(byId("action-result"), action);

async function applySettings(event) {
  event.preventDefault();
  await attempt(byId("settings-error"), async () => {
    const settings = await post("/settings", parseJson(byId("settings").value, "The settings"));
    byId("settings").value = JSON.stringify(settings, null, 1);
    done("Settings applied.");
  });
}

async function addFault(event) {
  event.preventDefault();
  await attempt(byId("fault-error"), async () => {
    const answer = await post("/faults", parseJson(byId("fault-rule").value, "The rule"));
    done(`Fault ${answer.fault.id} added.`);
    page.soon("faults", "stats");
  });
}

export function removeFault(id) {
  act(async () => {
    await del("/faults/" + encodeURIComponent(id));
    done(`Fault ${id} removed.`);
    page.soon("faults", "stats");
  });
}

/** Destructive buttons ask twice: the first press arms them for a few seconds. */
function twice(button, action) {
  const label = button.textContent;
  let armed = null;
  button.addEventListener("click", () => {
    if (!armed) {
      button.textContent = "Press again to confirm";
      armed = setTimeout(() => { armed = null; button.textContent = label; }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.textContent = label;
    act(action);
  });
}
