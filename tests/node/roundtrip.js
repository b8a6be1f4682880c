#!/usr/bin/env node
// Drive the emulator with the official Node.js SDK and report what it saw, as one JSON line.
//
// Usage (one JSON argument):
//   node roundtrip.js '{"endpoint": "127.0.0.1:4600", "secretId": "...", "secretKey": "...",
//                       "reqMethod": "POST", "signMethod": "TC3-HMAC-SHA256",
//                       "subAppId": 1500000001, "mode": "roundtrip"}'
// or positional arguments:
//   node roundtrip.js ENDPOINT SECRET_ID SECRET_KEY REQ_METHOD SIGN_METHOD [MODE] [SUB_APP_ID]
//
// Modes:
//   roundtrip      DescribeEventsState, PullEvents, ConfirmEvents (the handles pulled),
//                  DescribeEventsState again.
//   bogus-confirm  ConfirmEvents with a handle the emulator never issued.
//
// An API error (one the SDK reports with a `code`) is an expected outcome: it is printed as
// {"ok": false, "step": ..., "error": {code, message, requestId}} and the exit status is 0.
// Anything else (bad arguments, a network failure, a non-200 status) exits 1.
"use strict";

const { call, makeClient, runScript } = require("./common");

const MODES = ["roundtrip", "bogus-confirm"];

function parseArguments(argv) {
  let options;
  if (argv.length === 1 && argv[0].trim().startsWith("{")) {
    options = JSON.parse(argv[0]);
  } else {
    const [endpoint, secretId, secretKey, reqMethod, signMethod, mode, subAppId] = argv;
    options = { endpoint, secretId, secretKey, reqMethod, signMethod, mode, subAppId };
  }
  for (const name of ["endpoint", "secretId", "secretKey", "reqMethod", "signMethod"]) {
    if (!options[name]) throw new Error(`missing argument: ${name}`);
  }
  options.mode = options.mode || "roundtrip";
  if (!MODES.includes(options.mode)) throw new Error(`mode must be one of ${MODES.join(", ")}`);
  // Absent, not null: the SDK would send a null SubAppId in a GET query as "SubAppId=".
  if (options.subAppId === null || options.subAppId === undefined || options.subAppId === "") {
    delete options.subAppId;
  } else {
    options.subAppId = Number(options.subAppId);
  }
  return options;
}

function withSubApp(options, request) {
  return options.subAppId === undefined ? request : { ...request, SubAppId: options.subAppId };
}

async function roundtrip(client, options) {
  const report = { ok: true, mode: options.mode, requestIds: {} };
  const before = await call(client, "DescribeEventsState", "DescribeEventsState", withSubApp(options, {}));
  report.countBeforePull = before.CountOfEventsToPull;

  const pulled = await call(client, "PullEvents", "PullEvents", withSubApp(options, {}));
  report.requestIds.PullEvents = pulled.RequestId;
  const events = pulled.EventSet || [];
  report.count = events.length;
  report.handles = events.map((event) => event.EventHandle);
  report.eventTypes = events.map((event) => event.EventType);
  report.fileIds = events.map((event) => (event.FileUploadEvent || {}).FileId || null);

  if (report.handles.length > 0) {
    const confirmed = await call(
      client, "ConfirmEvents", "ConfirmEvents", withSubApp(options, { EventHandles: report.handles }));
    report.requestIds.ConfirmEvents = confirmed.RequestId;
  }

  const after = await call(client, "DescribeEventsState", "DescribeEventsState", withSubApp(options, {}));
  report.countAfterConfirm = after.CountOfEventsToPull;
  return report;
}

async function bogusConfirm(client, options) {
  const answer = await call(
    client, "ConfirmEvents", "ConfirmEvents", withSubApp(options, { EventHandles: ["bogus-handle-never-issued"] }));
  // Reaching here means the emulator accepted a handle it never issued.
  return { ok: true, mode: options.mode, requestIds: { ConfirmEvents: answer.RequestId } };
}

const options = parseArguments(process.argv.slice(2));
runScript("roundtrip.js", options, () => (options.mode === "roundtrip"
  ? roundtrip(makeClient(options), options)
  : bogusConfirm(makeClient(options), options)));
