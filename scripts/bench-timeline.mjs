// The timeline with many segments in headless Chromium: frame times (requestAnimationFrame
// deltas) while zooming with Ctrl+wheel, panning with Shift+wheel, and scrolling the page.
//
//   trunk build --release && node scripts/bench-timeline.mjs [SEGMENTS] [TRACKS]
//
// The project comes from `cargo run -p microact-core --example many_segments` (4 tracks of
// packed MA-52 segments, a third of them proposals) and is imported through the page's menu.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';

const segments = Number(process.argv[2] ?? 10000);
const tracks = Number(process.argv[3] ?? 4);
const file = join(mkdtempSync(join(tmpdir(), 'microact-bench-')), `many-${segments}.microact.json`);
execFileSync('cargo', ['run', '--quiet', '-p', 'microact-core', '--example', 'many_segments', '--', String(segments), String(tracks), file], { stdio: 'inherit' });

const server = await serveDist(resolve('dist'));
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(server.url);
  await page.getByTestId('backend').waitFor();
  await page.getByTestId('io-menu').locator('summary').click();
  const t0 = Date.now();
  await page.getByTestId('import-file').setInputFiles(file);
  await page.getByTestId('import-replace').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="lane"]').length > 0, null, { timeout: 120_000 });
  const importMs = Date.now() - t0;

  const lane = await page.getByTestId('lane').first().boundingBox();
  const x = lane.x + lane.width / 2;
  const y = lane.y + lane.height / 2;
  await page.mouse.move(x, y);
  const record = () => page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
    window.__recording = true;
    requestAnimationFrame(tick);
  });
  const stop = () => page.evaluate(() => { window.__recording = false; return window.__frames.slice(1); });
  const phases = [
    ['zoom in (Ctrl+wheel)', async () => { await page.keyboard.down('Control'); for (let i = 0; i < 12; i++) { await page.mouse.wheel(0, -100); await page.waitForTimeout(50); } await page.keyboard.up('Control'); }],
    ['pan (Shift+wheel)', async () => { await page.keyboard.down('Shift'); for (let i = 0; i < 40; i++) { await page.mouse.wheel(0, 120); await page.waitForTimeout(25); } await page.keyboard.up('Shift'); }],
    ['zoom out (Ctrl+wheel)', async () => { await page.keyboard.down('Control'); for (let i = 0; i < 12; i++) { await page.mouse.wheel(0, 100); await page.waitForTimeout(50); } await page.keyboard.up('Control'); }],
    ['zoom out to the whole clip (runs of colour)', async () => { await page.keyboard.down('Control'); for (let i = 0; i < 30; i++) { await page.mouse.wheel(0, 100); await page.waitForTimeout(50); } await page.keyboard.up('Control'); }],
    ['scroll the page (wheel)', async () => { for (let i = 0; i < 20; i++) { await page.mouse.wheel(0, i < 10 ? 80 : -80); await page.waitForTimeout(25); } }],
  ];
  const rows = [];
  for (const [name, act] of phases) {
    await record();
    await act();
    await page.waitForTimeout(200);
    const f = (await stop()).sort((a, b) => a - b);
    const q = (p) => f[Math.min(f.length - 1, Math.floor(p * f.length))];
    rows.push({ name, frames: f.length, median: q(0.5), p95: q(0.95), max: f[f.length - 1], over50: f.filter((d) => d > 50).length });
  }
  const visible = await page.locator('[data-testid="segment"]').count();
  const runLanes = await page.locator('[data-testid="runs"]').count();
  console.log(`\n${segments} segments on ${tracks} tracks; import through the menu ${importMs} ms; at the end ${visible} segment elements and ${runLanes} lanes drawn as runs\n`);
  console.log('| interaction | frames | median ms | p95 ms | max ms | frames > 50 ms |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.frames} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | ${r.over50} |`);
} finally {
  await browser.close();
  await server.close();
}
