// Browser code failing through the real @sentry/browser, one case per code path.
// Run by ../generate.py: `node browser_cases.js DSN`. The "page" is scripts run by V8 under
// the URLs a browser would load them from (`vm` names each script by its URL), so the
// stacks are Chrome's and @sentry/browser parses them as it does in Chrome; the SDK sends
// with its own fetch transport. Each event carries the tags `case` and `seq`.
"use strict";
const vm = require("vm");
const Sentry = require("@sentry/browser");

Sentry.init({
  dsn: process.argv[2],
  release: "shop-web@7.1.0",
  environment: "production",
  defaultIntegrations: false,
  integrations: [Sentry.linkedErrorsIntegration()],
});

// A page's click handler: the bottom of every stack below, as in a browser.
const PAGE = "https://shop.example.com/checkout";
vm.runInThisContext("function onClick(handler, arg) { return handler(arg); }", { filename: PAGE });
const onClick = globalThis.onClick;
// The page's chunk loader (webpack's runtime), failing as it does when a chunk is gone.
vm.runInThisContext(
  "function loadChunk(n){ var e = new Error('Loading chunk ' + n + ' failed.\\n(error: " +
    "https://shop.example.com/static/js/' + n + '.c81f.js)'); e.name = 'ChunkLoadError'; throw e }\n" +
    "function lazyCart(n){ return { get cart(){ return loadChunk(n) } } }",
  { filename: "https://shop.example.com/static/js/runtime.5d1e04.js" },
);

// A minified bundle: one long line (Sentry ignores source lines over 120 characters), short
// names, an anonymous callback (`?` to the SDK) and `Array.map` (`<anonymous>` file).
function bundle(names) {
  const [get, each, run] = names;
  return (
    `function ${get}(n){return n.cart.total.toFixed(2)}function ${each}(n){return [n].map(` +
    `function(r){return ${get}(r)})}function ${run}(n){return ${each}(n).join(",")}` +
    `globalThis.__run=${run};/* ${"padding ".repeat(12)}*/`
  );
}
function load(code, url) {
  vm.runInThisContext(code, { filename: url });
  return globalThis.__run;
}

// The same helper through `forEach` instead of `map`: another stack.
const EACH =
  "function t(n){return n.cart.total.toFixed(2)}function s(n){var o=[];[n].forEach(function(r)" +
  "{o.push(t(r))});return o}globalThis.__run=s;";

// Webpack-served code: the application's modules and a library's, by their webpack paths.
function webpack(library, helper) {
  vm.runInThisContext(
    `function ${helper}(list, fn){ var out = []; for (var i = 0; i < list.length; i++) out.push(fn(list[i])); return out }` +
      `globalThis.__helper = ${helper};`,
    { filename: `webpack:///./node_modules/${library}` },
  );
  vm.runInThisContext(
    "function priceOf(line){ return line.product.price * line.quantity }\n" +
      "function cartTotal(cart){ return globalThis.__helper(cart.lines, priceOf) }\n" +
      "globalThis.__run = cartTotal;",
    { filename: "webpack:///./src/cart/total.js" },
  );
  return globalThis.__run;
}

// Error.stackTraceLimit set so a stack ends at the page's handler (or the script itself), as
// a browser's does: V8 keeps the frames nearest the error, Node's own frames below are cut.
function depthTo(fn, bottom) {
  Error.stackTraceLimit = 50;
  try {
    fn();
  } catch (error) {
    const lines = String(error.stack).split("\n").filter((l) => l.trim().startsWith("at "));
    const end = lines.findIndex((l) => l.includes(bottom));
    return end + 1;
  }
  throw new Error("case did not fail");
}

function capture(kase, seq, fn, bottom = PAGE) {
  const depth = bottom === null ? 1 : depthTo(fn, bottom);
  Error.stackTraceLimit = depth;
  try {
    fn();
  } catch (error) {
    Sentry.withScope((scope) => {
      scope.setTag("case", kase);
      scope.setTag("seq", String(seq));
      Sentry.captureException(error);
    });
  }
  Error.stackTraceLimit = 10;
}

async function main() {
  const build1 = bundle(["t", "e", "i"]);
  const served = [
    ["js-minified-total", "https://shop.example.com/static/js/main.3f9a2b.js"],
    ["js-minified-total", "https://cdn.shopassets.net/static/js/main.3f9a2b.js?v=7"],
    ["js-minified-total", "https://shop.example.com/static/js/main.3f9a2b.js#reload"],
    // The kiosk build loads the same bundle from disk: a `file://` path is no served URL to
    // Sentry, its file name counts (another issue), whatever the folder it is read from.
    ["js-minified-total-kiosk", "file:///opt/kiosk/static/js/main.3f9a2b.js"],
    ["js-minified-total-kiosk", "file:///srv/kiosk-2/static/js/main.3f9a2b.js"],
  ];
  served.forEach(([kase, url], seq) => {
    const run = load(build1, url);
    capture(kase, seq, () => onClick(run, { cart: {} }));
  });
  // The next build: the minifier picked other names, the chunk another hash.
  const build2 = bundle(["o", "a", "u"]);
  ["https://shop.example.com/static/js/main.77c1de.js", "https://cdn.shopassets.net/static/js/main.77c1de.js"].forEach((url, seq) => {
    const run = load(build2, url);
    capture("js-minified-total-next-build", seq, () => onClick(run, { cart: {} }));
  });
  [0, 1].forEach((seq) => {
    const run = load(EACH, "https://shop.example.com/static/js/each.91ab02.js");
    capture("js-minified-total-foreach", seq, () => onClick(run, { cart: null }));
  });
  // Thrown by a script's top level: one frame, no function name.
  [
    ["https://shop.example.com/static/js/banner.js", "var banner = window_config.banner.id;"],
    ["https://shop.example.com/static/js/promo.js", "\n\nvar promo = window_config.promo.id;"],
  ].forEach(([url, code], seq) => {
    globalThis.window_config = {};
    capture("js-top-level-undefined", seq, () => vm.runInThisContext(code, { filename: url, displayErrors: false }), null);
  });
  // The same application code through two libraries' helpers.
  [
    ["lodash/_arrayMap.js", "arrayMap"],
    ["lodash-es/_baseMap.js", "baseMap"],
  ].forEach(([library, helper], seq) => {
    const run = webpack(library, helper);
    capture("js-webpack-cart-total", seq, () => onClick(run, { lines: [{ quantity: 2 }] }));
  });
  // A chunk that failed to load, from two places.
  capture("js-chunk-load", 0, () => onClick(globalThis.loadChunk, 412));
  const run = load(build1, "https://shop.example.com/static/js/main.3f9a2b.js");
  capture("js-chunk-load", 1, () => onClick(run, globalThis.lazyCart(87)));
  await Sentry.flush(10000);
}

main().then(() => process.exit(0));
