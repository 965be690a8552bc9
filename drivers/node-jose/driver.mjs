// jwkconform driver (docs/driver-protocol.md, protocol 2) for jose's createRemoteJWKSet.
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

const PROTOCOL = 2;
const JOSE_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/jose/package.json", import.meta.url), "utf8"),
).version;
// Only what jose really has: verification through the remote set, a configurable cache
// lifetime (cacheMaxAge) and miss window (cooldownDuration), its own checks of the URL and
// options, and its own fetch. Its remote set has no lookup by kid or by purpose, so named
// and valid are "unsupported".
const CAPABILITIES = ["verify", "cache-timeout", "miss-window", "config-refusal", "default-client"];
// What jose 6 verifies with on Node 20 (no Ed448, no secp256k1; HMAC never from a remote set).
const KEY_SUPPORT = {
  kinds: ["RSA", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519"],
  algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"],
};
const KNOWN_MEMBERS = new Set(["jwkUrl", "cacheTimeout", "cacheMissCacheTime", "leaseExpiry"]);

// Fake time. jose reads Date.now() for the age of its cached set and for its cooldown; the
// monotonic clocks (performance.now, process.hrtime) are faked too, as any library's should
// be. Timers are not: jose's fetch deadline (AbortSignal.timeout) must run on real time.
const clock = FakeTimers.install({ now: 0, toFake: ["Date", "performance", "hrtime"] });

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

/** createRemoteJWKSet options for the gateway configuration (jose's defaults otherwise).
 *  Durations come in seconds from the harness (`durations`; null is unlimited): jose has
 *  no duration syntax of its own. */
function remoteOptions(config, durations, fetchTimeout) {
  // jose wants whole milliseconds for its deadline; the harness's hint is in seconds.
  const options = { timeoutDuration: Math.max(1, Math.round((fetchTimeout ?? 2) * 1000)) };
  for (const [member, option] of [
    ["cacheTimeout", "cacheMaxAge"],
    ["cacheMissCacheTime", "cooldownDuration"],
  ]) {
    if (config[member] === undefined || config[member] === null) continue;
    if (!(member in (durations ?? {}))) {
      throw new DriverError("config_refused", `${member} ${JSON.stringify(config[member])} is not a duration`, member);
    }
    const seconds = durations[member];
    options[option] = seconds === null ? Infinity : seconds * 1000;
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

function openStore({ config, durations, fetch_timeout: fetchTimeout }) {
  // jose takes a URL object and refuses anything else itself; a string that is not a URL
  // cannot become one (the WHATWG parser jose relies on refuses it), so the parser's error
  // is passed on as it is, without adding the value to it.
  let url = config?.jwkUrl;
  if (typeof url === "string") {
    try {
      url = new URL(url);
    } catch (error) {
      throw new DriverError("config_refused", reasonOf(error), "jwkUrl");
    }
  }
  const options = remoteOptions(config ?? {}, durations, fetchTimeout);
  let remote;
  try {
    remote = createRemoteJWKSet(url, options);
  } catch (error) {
    // jose checks the URL and its options when the set is created.
    const member = /url/i.test(error.message) ? "jwkUrl"
      : /cooldown/i.test(error.message) ? "cacheMissCacheTime" : "cacheTimeout";
    throw new DriverError("config_refused", reasonOf(error), member);
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
    return {
      protocol: PROTOCOL,
      name: `jose ${JOSE_VERSION} (createRemoteJWKSet)`,
      capabilities: CAPABILITIES,
      key_support: KEY_SUPPORT,
    };
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
