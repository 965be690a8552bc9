// jwkconform driver (docs/driver-protocol.md, protocol 1) for jose's createRemoteJWKSet.
//
// JSON lines: one request per line on stdin, one answer per line on stdout, in order.
// Logs go to stderr only. See README.md in this folder for what is mapped and how.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

import FakeTimers from "@sinonjs/fake-timers";
import {
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
} from "jose";

const PROTOCOL = 1;
const JOSE_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/jose/package.json", import.meta.url), "utf8"),
).version;
// Real-time limit of one fetch: a scripted time-out holds the request open.
const FETCH_TIMEOUT_MS = 2000;
// Only jose declares what it really has: verification through the remote set. Its remote
// set has no lookup by kid or by purpose, so named and valid are "unsupported".
const CAPABILITIES = ["verify"];
const KNOWN_MEMBERS = new Set(["jwkUrl", "cacheTimeout", "cacheMissCacheTime", "leaseExpiry"]);

// Fake time: jose reads Date.now() for the age of its cached set and for its cooldown.
// Only Date is faked; fetch time-outs (AbortSignal.timeout) keep running on real time.
const clock = FakeTimers.install({ now: 0, toFake: ["Date"] });

function log(...parts) {
  process.stderr.write(`[node-jose driver] ${parts.join(" ")}\n`);
}

class DriverError extends Error {
  constructor(type, message, field) {
    super(message);
    this.type = type;
    this.field = field;
  }
}

// --- Durations: the gateway's syntax, enough to translate the suites' configurations ---

const UNIT_MS = new Map();
for (const [ms, words] of [
  [86_400_000, ["days", "day", "d"]],
  [3_600_000, ["hours", "hour", "h"]],
  [60_000, ["minutes", "minute", "min", "m"]],
  [1_000, ["seconds", "second", "sec", "s"]],
  [1, ["milliseconds", "millisecond", "millisec", "millis", "milli", "ms"]],
  [1e-3, ["microseconds", "microsecond", "microsec", "micros", "micro", "us", "μs", "µs"]],
  [1e-6, ["nanoseconds", "nanosecond", "nanosec", "nanos", "nano", "ns"]],
]) {
  for (const word of words) UNIT_MS.set(word, ms);
}
const UNLIMITED = new Set(["unlimited", "indefinite", "infinity", "undefined", "none"]);
const ZERO = new Set(["zero", "disabled"]);
const FIRST_PIECE = /\s*(\d+)\s*(\p{L}+)/uy;
const NEXT_PIECE = /(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+)(\d+)\s*(\p{L}+)/uy;

/** Milliseconds in a gateway duration; Infinity for the unlimited keywords. */
function parseMillis(text) {
  const word = text.trim().toLowerCase();
  if (UNLIMITED.has(word)) return Infinity;
  if (ZERO.has(word)) return 0;
  let total = 0;
  let pos = 0;
  let pattern = FIRST_PIECE;
  while (pos < text.length) {
    pattern.lastIndex = pos;
    const found = pattern.exec(text);
    if (!found) break;
    const unit = UNIT_MS.get(found[2].toLowerCase());
    if (unit === undefined) throw new Error(`unknown unit ${JSON.stringify(found[2])} in duration ${JSON.stringify(text)}`);
    total += Number(found[1]) * unit;
    pos = pattern.lastIndex;
    pattern = NEXT_PIECE;
  }
  if (pattern === FIRST_PIECE || text.slice(pos).trim()) {
    throw new Error(`invalid duration ${JSON.stringify(text)}`);
  }
  return total;
}

/** createRemoteJWKSet options for the gateway configuration (jose's defaults otherwise). */
function remoteOptions(config) {
  const options = { timeoutDuration: FETCH_TIMEOUT_MS };
  for (const [member, option] of [
    ["cacheTimeout", "cacheMaxAge"],
    ["cacheMissCacheTime", "cooldownDuration"],
  ]) {
    const value = config[member];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") {
      throw new DriverError("config_refused", `${member} must be a duration string, got ${JSON.stringify(value)}`, member);
    }
    try {
      options[option] = parseMillis(value);
    } catch (error) {
      throw new DriverError("config_refused", error.message, member);
    }
  }
  // jose has no leases: leaseExpiry is accepted and has no effect.
  const unknown = Object.keys(config).filter((name) => !KNOWN_MEMBERS.has(name)).sort();
  if (unknown.length) {
    throw new DriverError("config_refused", `createRemoteJWKSet has no setting for ${JSON.stringify(unknown[0])}`, unknown[0]);
  }
  return options;
}

// --- Stores ---

const stores = new Map();
let nextStore = 0;

function openStore({ config }) {
  const url = config?.jwkUrl;
  if (typeof url !== "string" || !url) {
    throw new DriverError("config_refused", `jwkUrl is required (got ${JSON.stringify(url)})`, "jwkUrl");
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new DriverError("config_refused", `jwkUrl ${JSON.stringify(url)} is not a URL`, "jwkUrl");
  }
  const options = remoteOptions(config);
  let remote;
  try {
    remote = createRemoteJWKSet(parsed, options);
  } catch (error) {
    // jose checks its options when the set is created (negative or NaN durations).
    const member = /cooldown/i.test(error.message) ? "cacheMissCacheTime" : "cacheTimeout";
    throw new DriverError("config_refused", error.message, member);
  }
  const id = `s${++nextStore}`;
  stores.set(id, remote);
  return { store: id };
}

function store(id) {
  const remote = stores.get(id);
  if (!remote) throw new DriverError("internal", `no open store ${JSON.stringify(id)}`);
  return remote;
}

/** The stable ID of a JWK: its kid, or its RFC 7638 thumbprint (decisions D-1). */
async function stableId(jwk) {
  return typeof jwk.kid === "string" ? jwk.kid : calculateJwkThumbprint(jwk);
}

const MATERIAL = ["kty", "crv", "n", "e", "x", "y"];

/** The JWK of jose's cached set that `key` (the key jose verified with) came from: the
 *  first JWK that jose's own filter finds usable for this header and whose public
 *  material is the key's. */
async function sourceOf(remote, header, key) {
  const exported = await exportJWK(key);
  for (const jwk of remote.jwks()?.keys ?? []) {
    if (!MATERIAL.every((name) => jwk[name] === exported[name])) continue;
    try {
      await createLocalJWKSet({ keys: [jwk] })(header);
      return jwk;
    } catch {
      // jose would not use this JWK for this header
    }
  }
  return null;
}

function reasonOf(error) {
  return `${error?.code ?? error?.name ?? "Error"}: ${error?.message ?? String(error)}`;
}

async function verify({ store: id, token }) {
  // jose has no verificationSecretId: secret_id is neither used nor checked.
  const remote = store(id);
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    return { verified: false, secret_id: null, tried: null, reason: reasonOf(error) };
  }
  let verifiedWith;
  try {
    verifiedWith = (await compactVerify(token, remote)).key;
  } catch (error) {
    if (error?.code !== "ERR_JWKS_MULTIPLE_MATCHING_KEYS") {
      return { verified: false, secret_id: null, tried: null, reason: reasonOf(error) };
    }
    // jose's documented handling of several matching keys: try each it yields, in order.
    for await (const key of error) {
      try {
        await compactVerify(token, key);
        verifiedWith = key;
        break;
      } catch (inner) {
        if (inner?.code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") {
          return { verified: false, secret_id: null, tried: null, reason: reasonOf(inner) };
        }
      }
    }
    if (verifiedWith === undefined) {
      return {
        verified: false,
        secret_id: null,
        tried: null,
        reason: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED: no matching key verified the signature",
      };
    }
  }
  const source = await sourceOf(remote, header, verifiedWith);
  return {
    verified: true,
    secret_id: source ? await stableId(source) : null,
    // jose does not report which keys it tried.
    tried: null,
    reason: source ? "" : "verified, but the key matches no JWK of jose's cached set",
  };
}

// --- The protocol ---

const methods = {
  hello: ({ protocol }) => {
    if (protocol !== PROTOCOL) log(`harness speaks protocol ${protocol}, this driver ${PROTOCOL}`);
    return { protocol: PROTOCOL, name: `jose ${JOSE_VERSION} (createRemoteJWKSet)`, capabilities: CAPABILITIES };
  },
  set_clock: ({ now }) => {
    // Seconds to milliseconds, rounded to the microsecond so that the harness's exact
    // boundaries (whole milliseconds, eighths of a second) stay exact.
    clock.setSystemTime(Math.round(now * 1e6) / 1e3);
    return {};
  },
  open_store: openStore,
  verify,
  close_store: ({ store: id }) => {
    stores.delete(id);
    return {};
  },
  warnings: () => ({ warnings: [] }),
  shutdown: () => ({}),
};

async function answer(request) {
  const { id, method, params } = request;
  const handler = methods[method];
  if (!handler) {
    return { id, error: { type: "unsupported", message: `jose driver does not implement ${method}` } };
  }
  try {
    return { id, result: await handler(params ?? {}) };
  } catch (error) {
    if (error instanceof DriverError) {
      const body = { type: error.type, message: error.message };
      if (error.field) body.field = error.field;
      return { id, error: body };
    }
    log(`${method} failed:`, error?.stack ?? String(error));
    return { id, error: { type: "internal", message: reasonOf(error) } };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    log(`ignoring a line that is not JSON: ${line.slice(0, 200)}`);
    continue;
  }
  const response = await answer(request);
  process.stdout.write(`${JSON.stringify(response)}\n`);
  if (request.method === "shutdown") break;
}
clock.uninstall();
process.exit(0);
