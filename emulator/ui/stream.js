// The live stream (server-sent events at /_emulator/stream). EventSource reconnects by
// itself after a dropped connection and resumes from its Last-Event-ID; when the browser
// gives up (the emulator was down when it retried), we open a new one after a pause.

import { PREFIX } from "./api.js";

const REOPEN_MS = 2000;

/**
 * Follow the stream. `on` has handlers for hello, journal, clock and reset messages, and
 * status(state) with "live" or "disconnected".
 */
export function follow(on) {
  let source = null;

  function open() {
    source = new EventSource(PREFIX + "/stream");
    const handle = (name) => (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return; // a message cut short by a dying server: the next hello reloads anyway
      }
      on[name](data);
    };
    for (const name of ["hello", "journal", "clock", "reset"]) {
      source.addEventListener(name, handle(name));
    }
    source.addEventListener("open", () => on.status("live"));
    source.addEventListener("error", () => {
      on.status("disconnected");
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        setTimeout(open, REOPEN_MS);
      }
    });
  }

  open();
  return () => source && source.close();
}
