// A JSON value as a collapsible tree: objects and arrays are <details> elements, so they
// open and close with the mouse or the keyboard (Enter/Space on the summary) for free.

import { h } from "./dom.js";

const OPEN_DEPTH = 1; // levels shown open at first: the payload's top members

export function jsonTree(value, name = null, depth = 0) {
  const label = name === null ? [] : [h("span", { class: "key" }, name), ": "];
  if (value === null || typeof value !== "object") {
    return h("div", { class: "leaf" }, ...label, scalar(value));
  }
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const kind = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  const node = h("details", { class: "node" },
    h("summary", {}, ...label, h("span", { class: "muted" }, kind)));
  node.open = depth < OPEN_DEPTH;
  // Children are built when first opened: a large payload costs nothing until looked at.
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    for (const [key, item] of entries) node.append(jsonTree(item, key, depth + 1));
  };
  if (node.open) build();
  node.addEventListener("toggle", build);
  return node;
}

function scalar(value) {
  const type = value === null ? "null" : typeof value;
  const text = type === "string" ? JSON.stringify(value) : String(value);
  return h("span", { class: "v-" + type }, text);
}
