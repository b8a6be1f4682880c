// What the Node.js SDK scripts share: a client aimed at the emulator, the one way a call's
// API error is told from any other failure, and the run that prints the report.
"use strict";

const http = require("http");
const VodClient = require("tencentcloud-sdk-nodejs-vod").vod.v20180717.Client;

function makeClient(options) {
  return new VodClient({
    credential: { secretId: options.secretId, secretKey: options.secretKey },
    region: "", // VOD is region-less: no X-TC-Region / Region is sent
    profile: {
      signMethod: options.signMethod,
      httpProfile: {
        protocol: "http://",
        endpoint: options.endpoint,
        reqMethod: options.reqMethod,
        reqTimeout: 30, // answer before the test's 60-second subprocess timeout
        // An explicit agent: without one the SDK routes through $http_proxy when it is set,
        // and a proxy cannot reach the emulator on 127.0.0.1.
        agent: new http.Agent(),
      },
    },
  });
}

// An SDK error carrying an API error code, as opposed to a transport failure.
class ApiError extends Error {
  constructor(step, cause) {
    super(`${step}: ${cause.code}: ${cause.message}`);
    this.step = step;
    this.cause = cause;
  }
}

// One call; an answer from the API with an error code becomes an ApiError.
async function call(client, step, action, request) {
  try {
    return await client[action](request);
  } catch (error) {
    // The SDK's TencentCloudSDKHttpException (always with a requestId) gets a `code` only
    // from an Error in the JSON answer; network failures and non-200 statuses have none.
    if (error instanceof Error && typeof error.code === "string" && error.code !== ""
        && "requestId" in error) {
      throw new ApiError(step, error);
    }
    throw error;
  }
}

// Run `report(options)` and print its JSON line; an API error ends it as
// {"ok": false, "step", "error"} (exit status 0), anything else exits 1.
function runScript(name, options, report) {
  const guarded = async () => {
    try {
      return await report();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const { code, message, requestId } = error.cause;
      return { ok: false, mode: options.mode, step: error.step, error: { code, message, requestId } };
    }
  };
  guarded().then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + "\n");
    },
    (error) => {
      process.stderr.write(`${name}: unexpected failure: ${error && error.stack || error}\n`);
      process.exitCode = 1;
    },
  );
}

module.exports = { ApiError, call, makeClient, runScript };
