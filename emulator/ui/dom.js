// A small element builder: h("td", {class: "x"}, "text", child). Text is always set as
// text, never as HTML, so nothing the emulator answers can inject markup.

const SVG = "http://www.w3.org/2000/svg";

export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replace an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  build(element, {}, children);
  return element;
}

export const byId = (id) => document.getElementById(id);

/** Emulator time (Unix seconds) as "YYYY-MM-DD HH:MM:SS.mmm" UTC. */
export function time(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace("Z", "");
}

export function clockTime(seconds) {
  return time(seconds).slice(11, 19);
}

/** A duration in seconds as "+1h 02m 03s" / "-4.2s". */
export function duration(seconds) {
  const sign = seconds < 0 ? "-" : "+";
  let rest = Math.abs(seconds);
  if (rest < 60) return `${sign}${rest.toFixed(rest < 10 ? 1 : 0)}s`;
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  parts.push(`${Math.floor(rest)}s`);
  return sign + parts.join(" ");
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i; // "https://": kept whole, with the host after it
const LONG_PART = 40; // characters: a longer part (a token) may break inside, or it would overflow

/**
 * A URL as an element whose text is the URL, that wraps only after a "/", "?", "&" or "="
 * (a <wbr> after each): a long callback URL breaks between its parts, never inside a word.
 * Each part is kept whole (`.url-part`, no wrap); only a part too long for any line
 * (LONG_PART or more characters, a token) may break inside, rather than overflow its panel.
 */
export function urlText(url, attributes = {}) {
  const text = String(url);
  const scheme = (text.match(SCHEME) || [""])[0];
  const parts = text.slice(scheme.length).split(/(?<=[/?&=])/);
  parts[0] = scheme + parts[0];
  return h("span", { ...attributes, class: "url" }, parts.map((part, i) => [i ? h("wbr") : null,
    h("span", { class: part.length < LONG_PART ? "url-part" : "url-part long" }, part)]));
}

const URL_IN_TEXT = /(https?:\/\/\S+?)(?=[;,.)]?(?:\s|$))/; // without a trailing ";" or "."

/** Text (a journal entry's detail) with each URL in it shown as urlText shows it. */
export function textWithUrls(text) {
  return String(text).split(URL_IN_TEXT).map((piece, i) => (i % 2 ? urlText(piece) : piece));
}

export const appName = (id) => (id === null || id === undefined ? "default" : String(id));
