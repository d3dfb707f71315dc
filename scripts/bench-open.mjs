// How fast the page opens, in headless Chromium on the release build: from navigation to the
// timeline on screen and to the project restored from IndexedDB (the save state "saved"), on the
// first load and on cached loads (the service worker's precache, as a returning person has it),
// and which modules each load fetched.
//
//   trunk build --release && node scripts/bench-open.mjs [RELOADS]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchProfile } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';

const reloads = Number(process.argv[2] ?? 10);

// In the page before its scripts: when the timeline appears and when the project is restored,
// ms since navigation started.
const marks = () => {
  window.__open = {};
  const seen = () => {
    const t = performance.now();
    if (window.__open.timeline === undefined && document.querySelector('[data-testid="timeline"]')) {
      window.__open.timeline = t;
    }
    if (window.__open.restored === undefined
      && document.querySelector('[data-testid="save-state"]')?.dataset.state === 'saved') {
      window.__open.restored = t;
    }
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true });
};

const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
};

async function load(page, url, first) {
  const fetched = [];
  const onRequest = (r) => {
    const path = new URL(r.url()).pathname;
    if (/\.(wasm|js)$/.test(path)) fetched.push(path);
  };
  page.on('request', onRequest);
  if (first) await page.goto(url);
  else await page.reload();
  await page.waitForFunction(() => window.__open?.timeline !== undefined && window.__open?.restored !== undefined, null, { timeout: 120_000, polling: 50 });
  page.off('request', onRequest);
  const open = await page.evaluate(() => window.__open);
  return { ...open, fetched };
}

const server = await serveDist();
const context = await launchProfile(mkdtempSync(join(tmpdir(), 'microact-open-')));
try {
  const page = await context.newPage();
  await page.addInitScript(marks);
  const first = await load(page, server.url, true);
  // The service worker has precached everything and controls the page from the next load on.
  await page.waitForFunction(() => document.querySelector('[data-testid="offline"]')?.dataset.state === 'ready', null, { timeout: 300_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const cached = [];
  for (let i = 0; i < reloads; i++) cached.push(await load(page, server.url, false));
  const row = (name, runs) => ({
    load: name,
    runs: runs.length,
    timeline_ms: Math.round(median(runs.map((r) => r.timeline))),
    restored_ms: Math.round(median(runs.map((r) => r.restored))),
    modules: [...new Set(runs.flatMap((r) => r.fetched))].filter((p) => p.endsWith('.wasm')).join(' '),
  });
  console.table([row('first (network)', [first]), row('cached (service worker)', cached)]);
  console.log(JSON.stringify({ first: row('first', [first]), cached: row('cached', cached) }));
} finally {
  await context.close();
  server.close();
}
