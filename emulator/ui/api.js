// The admin API, as the dashboard uses it: every action here is a documented route, so
// whatever the page does a script can do too.

export const PREFIX = "/_emulator";

/** A refusal of the admin API ({"error": {"code", "message"}}), or a network failure. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Call one route; answer its JSON or throw an ApiError carrying the server's message. */
export async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(PREFIX + path, init);
  } catch (error) {
    throw new ApiError(0, "Unreachable", `the emulator did not answer (${error.message})`);
  }
  let document = null;
  try {
    document = await response.json();
  } catch {
    // not JSON: reported below as it is
  }
  if (!response.ok || document === null) {
    const refusal = document && document.error;
    throw new ApiError(response.status, refusal ? refusal.code : "HTTP" + response.status,
      refusal ? refusal.message : `${method} ${path} answered HTTP ${response.status}`);
  }
  return document;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body ?? {});
export const del = (path) => call("DELETE", path);

/** A query string from the non-empty members of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** A SubAppId typed by a person: blank or "default" is the default application (null). */
export function subAppId(text) {
  const value = (text || "").trim();
  if (value === "" || value === "default") return null;
  // Kept as text when it does not fit a double exactly: the server checks it either way.
  return /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/** The path segment naming an application. */
export const appPath = (id) => (id === null || id === undefined ? "default" : String(id));
