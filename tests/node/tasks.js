#!/usr/bin/env node
// Drive the emulator's tasks with the official Node.js SDK; report every answer as one JSON line.
//
// Usage (one JSON argument):
//   node tasks.js '{"endpoint": "127.0.0.1:4600", "secretId": "...", "secretKey": "...",
//                   "reqMethod": "POST", "signMethod": "TC3-HMAC-SHA256", "mode": "start", ...}'
//
// Modes (each answer is reported under its step's name):
//   start     ApplyUpload, CommitUpload (the file it made), ProcessMedia on that file
//             (MediaProcessTask.TranscodeTaskSet of "definitions", TasksNotifyMode "Change",
//             "sessionContext", "sessionId"), DescribeTaskDetail of that task, PullUpload
//             ("pullUrl", "pullName"), DescribeTaskDetail of that task, DescribeTasks of the file.
//   describe  DescribeTaskDetail of each of "taskIds" (steps DescribeTaskDetail.0, .1...), then
//             DescribeTasks a page of "pageSize" at a time, following ScrollToken to the end
//             (steps DescribeTasks.0, .1...).
//   refused   Requests the emulator must refuse, each reported as {code, message, requestId}:
//             ProcessMedia of an unknown file, without FileId, with a TasksNotifyMode not in
//             the list; the same SessionId twice ("fileId" and "sessionId" name a known file
//             and an id to repeat); a SessionContext of 1000 characters (answered) and of
//             1001, a SessionId of 51; DescribeTaskDetail of an unknown task; CommitUpload of
//             a VodSessionKey never issued.
//
// An API error is an expected outcome in "refused" (and ends the other modes as
// {"ok": false, "step", "error"}, exit status 0); anything else (bad arguments, a network
// failure, a non-200 status) exits 1.
"use strict";

const { ApiError, call, makeClient, runScript } = require("./common");

const MODES = ["start", "describe", "refused"];

function parseArguments(argv) {
  if (argv.length !== 1) throw new Error("one JSON argument expected");
  const options = JSON.parse(argv[0]);
  for (const name of ["endpoint", "secretId", "secretKey", "reqMethod", "signMethod", "mode"]) {
    if (!options[name]) throw new Error(`missing argument: ${name}`);
  }
  if (!MODES.includes(options.mode)) throw new Error(`mode must be one of ${MODES.join(", ")}`);
  return options;
}

// The error a call must end in, as {code, message, requestId}; an answer is a failure.
async function refusal(client, action, request) {
  try {
    const answer = await call(client, action, action, request);
    return { code: null, answer };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const { code, message, requestId } = error.cause;
    return { code, message, requestId };
  }
}

async function start(client, options) {
  const answers = {};
  answers.ApplyUpload = await call(client, "ApplyUpload", "ApplyUpload",
    { MediaType: "mp4", MediaName: options.mediaName });
  answers.CommitUpload = await call(client, "CommitUpload", "CommitUpload",
    { VodSessionKey: answers.ApplyUpload.VodSessionKey });
  const fileId = answers.CommitUpload.FileId;
  answers.ProcessMedia = await call(client, "ProcessMedia", "ProcessMedia", {
    FileId: fileId,
    MediaProcessTask: {
      TranscodeTaskSet: options.definitions.map((definition) => ({ Definition: definition })),
    },
    TasksNotifyMode: "Change",
    SessionContext: options.sessionContext,
    SessionId: options.sessionId,
  });
  answers["DescribeTaskDetail.process"] = await call(client, "DescribeTaskDetail.process",
    "DescribeTaskDetail", { TaskId: answers.ProcessMedia.TaskId });
  answers.PullUpload = await call(client, "PullUpload", "PullUpload",
    { MediaUrl: options.pullUrl, MediaName: options.pullName });
  answers["DescribeTaskDetail.pull"] = await call(client, "DescribeTaskDetail.pull",
    "DescribeTaskDetail", { TaskId: answers.PullUpload.TaskId });
  answers.DescribeTasks = await call(client, "DescribeTasks", "DescribeTasks",
    { FileId: fileId });
  return answers;
}

async function describe(client, options) {
  const answers = {};
  for (const [index, taskId] of options.taskIds.entries()) {
    answers[`DescribeTaskDetail.${index}`] = await call(client, `DescribeTaskDetail.${index}`,
      "DescribeTaskDetail", { TaskId: taskId });
  }
  let token = "";
  for (let page = 0; page < 50; page += 1) {
    const request = { Limit: options.pageSize };
    if (token) request.ScrollToken = token;
    const answer = await call(client, `DescribeTasks.${page}`, "DescribeTasks", request);
    answers[`DescribeTasks.${page}`] = answer;
    token = answer.ScrollToken;
    if (!token) break;
  }
  return answers;
}

async function refused(client, options) {
  const transcode = { TranscodeTaskSet: [{ Definition: 100030 }] };
  const answers = {};
  answers.unknownFile = await refusal(client, "ProcessMedia",
    { FileId: "5285485487985271487", MediaProcessTask: transcode });
  answers.noFileId = await refusal(client, "ProcessMedia", { MediaProcessTask: transcode });
  answers.badNotifyMode = await refusal(client, "ProcessMedia",
    { FileId: options.fileId, MediaProcessTask: transcode, TasksNotifyMode: "Sometimes" });
  answers.firstSession = await call(client, "ProcessMedia", "ProcessMedia",
    { FileId: options.fileId, MediaProcessTask: transcode, SessionId: options.sessionId });
  answers.repeatedSession = await refusal(client, "ProcessMedia",
    { FileId: options.fileId, MediaProcessTask: transcode, SessionId: options.sessionId });
  answers.contextAtLimit = await call(client, "ProcessMedia", "ProcessMedia",
    { FileId: options.fileId, MediaProcessTask: transcode, SessionContext: "c".repeat(1000) });
  answers.contextTooLong = await refusal(client, "ProcessMedia",
    { FileId: options.fileId, MediaProcessTask: transcode, SessionContext: "c".repeat(1001) });
  answers.sessionIdTooLong = await refusal(client, "ProcessMedia",
    { FileId: options.fileId, MediaProcessTask: transcode, SessionId: "s".repeat(51) });
  answers.unknownTask = await refusal(client, "DescribeTaskDetail",
    { TaskId: "1250000000-Procedure-00000000000000000000000000000000t0" });
  answers.unknownSessionKey = await refusal(client, "CommitUpload",
    { VodSessionKey: "never-issued" });
  return answers;
}

const options = parseArguments(process.argv.slice(2));
const run = { start, describe, refused }[options.mode];
runScript("tasks.js", options, async () => (
  { ok: true, mode: options.mode, answers: await run(makeClient(options), options) }));
