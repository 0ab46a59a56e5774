// Real code failing through the real @sentry/node, one case per code path.
// Run by ../generate.py: `node cases.js DSN`. Each event carries the tags `case` and `seq`;
// ../labels.json says which cases Sentry puts in one issue.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const vm = require("vm");
const Sentry = require("@sentry/node");

// V8 keeps 10 frames by default; the recursion case needs the whole stack to show that
// repeated frames do not count (a cut stack is another stack, to Sentry as to us).
Error.stackTraceLimit = 50;

Sentry.init({
  dsn: process.argv[2],
  release: "shop-web@7.1.0",
  environment: "production",
  tracesSampleRate: 0,
  defaultIntegrations: false,
  integrations: [Sentry.linkedErrorsIntegration(), Sentry.contextLinesIntegration()],
});

function capture(kase, seq, error, fingerprint) {
  Sentry.withScope((scope) => {
    scope.setTag("case", kase);
    scope.setTag("seq", String(seq));
    if (fingerprint) scope.setFingerprint(fingerprint);
    Sentry.captureException(error);
  });
}

function message(kase, seq, text) {
  Sentry.withScope((scope) => {
    scope.setTag("case", kase);
    scope.setTag("seq", String(seq));
    Sentry.captureMessage(text, "error");
  });
}

function attempt(kase, seq, fn, fingerprint) {
  try {
    fn();
  } catch (error) {
    capture(kase, seq, error, fingerprint);
  }
}

// --- one fault, two callers ---------------------------------------------------------------
function loadCart(session) {
  return session.cart.items.length;
}
function handleCheckout(session) {
  return loadCart(session) + 1;
}
function nightlyCleanup(session) {
  return loadCart(session) * 2;
}

// --- causes (linked errors) ---------------------------------------------------------------
function fetchPrices(kind) {
  if (kind === "range") throw new RangeError("price list page out of range");
  throw new SyntaxError("Unexpected token < in JSON at position 0");
}
function refreshCatalog(kind) {
  try {
    fetchPrices(kind);
  } catch (cause) {
    throw new Error("catalog refresh failed", { cause });
  }
}

// --- aggregate errors (exception groups) ---------------------------------------------------
function checkLine(kind, n) {
  if (kind === "type") return new TypeError(`line ${n} has no product`);
  return new RangeError(`line ${n} quantity must be positive`);
}
function validateOrder(kinds) {
  throw new AggregateError(kinds.map((k, i) => checkLine(k, i + 3)), "order has invalid lines");
}

// --- one function failing on two of its lines: Sentry groups on the source line ----------
function totalOf(order) {
  const lines = order.lines.length;
  const tax = order.tax.rate;
  return lines * tax;
}

// --- recursion: a repeated frame does not count ---------------------------------------------
function depthOf(node, depth) {
  if (depth === 0) return node.child.depth;
  return depthOf(node, depth - 1);
}

// --- code served from a URL, or read from a file ------------------------------------------
const BUNDLE = "function a(o){return o.user.name}function b(o){return a(o)}globalThis.__bundle=b;";
function bundleFrom(filename) {
  vm.runInThisContext(BUNDLE, { filename });
  return globalThis.__bundle;
}

// --- a library's frames only (not in-app) -------------------------------------------------
function vendorLibrary() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "overnight-cases-"));
  const lib = path.join(dir, "node_modules", "tiny-money", "index.js");
  fs.mkdirSync(path.dirname(lib), { recursive: true });
  fs.writeFileSync(
    lib,
    "function round(v){ if (typeof v !== 'number') throw new TypeError('amount must be a number'); return v }\n" +
      "function format(v){ return round(v).toFixed(2) }\n" +
      "function parse(t){ if (!/^[0-9.]+$/.test(t)) throw new TypeError('amount must be a number'); return +t }\n" +
      "function later(work, done){ setImmediate(function tick(){ try { work() } catch (e) { done(e) } }) }\n" +
      "module.exports = { schedule(kind, t, done){ later(kind === 'format' ? function(){ format(t) } : function(){ parse(t) }, done) } };\n",
  );
  return require(lib);
}

function fromLibrary(lib, kase, seq, kind, text) {
  // The error is raised in a callback the library schedules: no in-app frame on its stack.
  return new Promise((resolve) =>
    lib.schedule(kind, text, (error) => {
      capture(kase, seq, error);
      resolve();
    }),
  );
}

async function main() {
  for (let seq = 0; seq < 3; seq++) attempt("node-cart-checkout", seq, () => handleCheckout({ cart: null }));
  for (let seq = 0; seq < 2; seq++) attempt("node-cart-cleanup", seq, () => nightlyCleanup({}));
  for (let seq = 0; seq < 2; seq++) attempt("node-catalog-syntax", seq, () => refreshCatalog("syntax"));
  for (let seq = 0; seq < 2; seq++) attempt("node-catalog-range", seq, () => refreshCatalog("range"));
  const aggregates = {
    "node-agg-type-range": [["type", "range"], ["range", "type", "type"]],
    "node-agg-type": [["type", "type"], ["type", "type", "type"]],
  };
  for (const [kase, runs] of Object.entries(aggregates)) {
    runs.forEach((kinds, seq) => attempt(kase, seq, () => validateOrder(kinds)));
  }
  const served = [
    ["node-bundle-http", "https://shop.example.com/static/app.min.js?v=41"],
    ["node-bundle-http", "https://cdn.example.net/assets/app.min.js?v=41"],
    ["node-bundle-http-v42", "https://cdn.example.net/assets/app.min.js?v=42"],
    ["node-bundle-file", "file:///opt/shop/static/app.min.js"],
    ["node-bundle-file", "file:///srv/kiosk/static/app.min.js"],
  ];
  served.forEach(([kase, filename], seq) => attempt(kase, seq, () => bundleFrom(filename)({})));
  for (let seq = 0; seq < 2; seq++) {
    for (const region of ["eu", "us"]) {
      attempt(`node-hybrid-${region}`, seq, () => handleCheckout({ cart: { items: null } }), [
        "{{ default }}",
        region,
      ]);
    }
  }
  const chunk = (n) => {
    const error = new Error(`Loading chunk ${n} failed.\n(error: https://shop.example.com/${n}.js)`);
    error.name = "ChunkLoadError";
    return error;
  };
  attempt("node-chunk", 0, () => { throw chunk(7); });
  attempt("node-chunk", 1, () => handleCheckout({ get cart() { throw chunk(9); } }));
  [[1042, 2], [7, 5], [99, 3]].forEach(([order, tries], seq) =>
    message("node-message-checkout", seq, `Checkout failed for order ${order} after ${tries} tries`),
  );
  [{}, { lines: [] }, { tax: {} }, { lines: [1], tax: null }].forEach((order, seq) =>
    attempt(order.lines ? "node-line-tax" : "node-line-lines", seq, () => totalOf(order)),
  );
  [1, 4].forEach((depth, seq) => attempt("node-recursion-depth", seq, () => depthOf({}, depth)));
  const lib = vendorLibrary();
  for (let seq = 0; seq < 2; seq++) await fromLibrary(lib, "node-vendor-format", seq, "format", "12");
  for (let seq = 0; seq < 2; seq++) await fromLibrary(lib, "node-vendor-parse", seq, "parse", "x1");
}

main().then(() => Sentry.flush(10000)).then(() => process.exit(0));
