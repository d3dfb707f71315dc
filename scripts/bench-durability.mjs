// What saving an edit costs as a project grows, in headless Chromium on the release build: the
// time from an edit (a key typed in the project's name) to its committed write in IndexedDB,
// in a project of 100 segments and in one of 100 000, and the long tasks (> 50 ms) on the
// page's thread while editing.
//
//   trunk build --release && node scripts/bench-durability.mjs [EDITS] [BIG]
//
// The projects come from `cargo run -p microact-core --example many_segments` and are imported
// through the page's menu (replace); the import and its folding into a snapshot finish before
// the edits are timed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';

const edits = Number(process.argv[2] ?? 40);
const big = Number(process.argv[3] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'microact-bench-'));

function project(segments) {
  const file = join(dir, `many-${segments}.microact.json`);
  execFileSync('cargo', ['run', '--quiet', '-p', 'microact-core', '--example', 'many_segments', '--', String(segments), '4', file], { stdio: 'inherit' });
  return file;
}

const settled = () => {
  const d = document.querySelector('[data-testid="save-state"]').dataset;
  return d.state === 'saved' && d.committed === d.seq && d.compacting === 'false';
};

async function measure(browser, url, segments) {
  const file = project(segments);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(url);
  await page.getByTestId('backend').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.dataset.state === 'saved');
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
      .observe({ type: 'longtask' });
  });
  await page.getByTestId('io-menu').locator('summary').click();
  const t0 = Date.now();
  await page.getByTestId('import-file').setInputFiles(file);
  await page.getByTestId('import-replace').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="lane"]').length > 0, null, { timeout: 300_000 });
  const shownMs = Date.now() - t0;
  // The import is one edit (logged whole), then folded into a snapshot a part at a time.
  const longBefore = await page.evaluate(() => window.__long.length);
  await page.waitForFunction(settled, null, { timeout: 600_000, polling: 200 });
  const importMs = Date.now() - t0;
  const storing = await page.evaluate((n) => window.__long.slice(n), longBefore);
  const stored = Number(await page.getByTestId('save-state').getAttribute('data-committed'));

  await page.evaluate(() => {
    window.__long = [];
    window.__edits = [];
    const el = document.querySelector('[data-testid="save-state"]');
    let pending = null;
    document.addEventListener('keydown', () => { pending = { t0: performance.now(), seq: Number(el.dataset.seq) + 1 }; }, true);
    new MutationObserver(() => {
      if (pending && Number(el.dataset.committed) >= pending.seq) {
        window.__edits.push({ total: performance.now() - pending.t0, write: Number(el.dataset.writeMs) });
        pending = null;
      }
    }).observe(el, { attributes: true });
  });
  const name = page.getByTestId('project-name');
  await name.click();
  await name.press('End');
  for (let i = 0; i < edits; i++) {
    await name.press(String.fromCharCode(97 + (i % 26)));
    await page.waitForFunction((n) => window.__edits.length === n, i + 1, { timeout: 60_000 });
  }
  const { times, long } = await page.evaluate(() => ({ times: window.__edits, long: window.__long }));
  await page.close();
  const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  return {
    segments,
    shownMs,
    importMs,
    storingLong: storing.length,
    storingLongest: storing.length ? Math.max(...storing) : 0,
    stored,
    totalMedian: q(times.map((t) => t.total), 0.5),
    totalP95: q(times.map((t) => t.total), 0.95),
    writeMedian: q(times.map((t) => t.write), 0.5),
    writeP95: q(times.map((t) => t.write), 0.95),
    longTasks: long.length,
    longest: long.length ? Math.max(...long) : 0,
  };
}

const server = await serveDist(resolve('dist'));
const browser = await launch();
try {
  const small = await measure(browser, server.url, 100);
  const large = await measure(browser, server.url, big);
  console.log(`\n${edits} edits (a key typed in the project name), each waited for until committed; headless Chromium\n`);
  console.log('| project | edit → committed, median ms | p95 ms | write issued → committed, median ms | p95 ms | long tasks while editing | longest ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of [small, large]) {
    console.log(`| ${r.segments} segments | ${r.totalMedian.toFixed(2)} | ${r.totalP95.toFixed(2)} | ${r.writeMedian.toFixed(2)} | ${r.writeP95.toFixed(2)} | ${r.longTasks} | ${r.longest.toFixed(0)} |`);
  }
  console.log('\nThe import before it (one edit, logged whole) and its folding into a snapshot:\n');
  console.log('| project | import shown ms | import stored and folded ms | long tasks after it is shown | longest ms |');
  console.log('|---|---|---|---|---|');
  for (const r of [small, large]) {
    console.log(`| ${r.segments} segments | ${r.shownMs} | ${r.importMs} | ${r.storingLong} | ${r.storingLongest.toFixed(0)} |`);
  }
  console.log(`\nratio ${big} / 100 segments, edit → committed median: ${(large.totalMedian / small.totalMedian).toFixed(2)}×; write alone: ${(large.writeMedian / small.writeMedian).toFixed(2)}×`);
} finally {
  await browser.close();
  await server.close();
}
