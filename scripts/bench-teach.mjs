// Teaching in the page, on the CPU path, in headless Chromium on the release build: the engine's
// time to teach 5 labels × 5 segments (windows embedded, prototypes, the leave-one-out check)
// and to propose over a 60 s clip's stored pose track, as the teach panel reports them (the
// engine measures them; the page's own thread only sends and receives). The project is made
// here from the real poses of tests/fixtures/teach/lunge_walk_mix.microact.json: the pose track
// repeated to 60 s at 30 fps, 25 segments of 5 labels over it.
//
//   trunk build --release && node scripts/bench-teach.mjs [RUNS] [--fine-tune]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';

const runs = Number(process.argv.find((a, i) => i > 1 && /^\d+$/.test(a)) ?? 5);
const fineTune = process.argv.includes('--fine-tune');
const file = JSON.parse(readFileSync(new URL('../tests/fixtures/teach/lunge_walk_mix.microact.json', import.meta.url), 'utf8'));
const p = file.project;
const video = p.videos[0];
const source = p.poses[0].frames;
const frames = 60 * 30;
video.frames = frames;
video.name = 'sixty-seconds.webm';
video.hash = '';
video.bytes = 0;
p.poses[0].frames = Array.from({ length: frames }, (_, f) => ({ ...source[f % source.length], frame: f }))
  .filter((_, f) => f % source.length < source.length);
const labels = ['a', 'b', 'c', 'd', 'e'];
p.label_sets[0].labels = labels.map((id, i) => ({ id, name: id, color: ['#d03939', '#3963d0', '#39a039', '#d0a039', '#9039d0'][i] }));
p.tracks[0].segments = Array.from({ length: 25 }, (_, i) => ({
  id: i + 1,
  start: i * 70,
  end: i * 70 + 60,
  label: { set: 'teach', label: labels[i % 5] },
  source: { kind: 'human', annotator: 'bench' },
  status: 'proposed',
}));
const path = join(mkdtempSync(join(tmpdir(), 'microact-teach-')), 'sixty-seconds.microact.json');
writeFileSync(path, JSON.stringify(file));

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const server = await serveDist();
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await page.getByTestId('backend').waitFor();
  // The CPU path: switch away from WebGPU where the browser offers it.
  if ((await page.getByTestId('backend').getAttribute('data-backend')) !== 'cpu') await page.getByTestId('switch-backend').click();
  await page.getByTestId('io-menu').locator('summary').click();
  await page.getByTestId('import-file').setInputFiles(path);
  await page.waitForFunction(() => document.querySelector('[data-testid="import-confirm"]')
    || document.querySelector('[data-testid="notice"][data-level="error"]'), null, { timeout: 60_000 });
  const refused = await page.locator('[data-testid="notice"][data-level="error"]').allInnerTexts();
  if (refused.length) throw new Error(`the import was refused: ${refused.join(' ')}`);
  await page.getByTestId('import-replace').click();
  const idle = (n) => page.waitForFunction((n) => {
    const d = document.querySelector('[data-testid="teach"]').dataset;
    return d.state === 'idle' && d.models === String(n);
  }, n, { timeout: 300_000 });
  const said = () => page.getByTestId('teach-said').innerText();
  if (fineTune) await page.getByTestId('teach-fine-tune').check();
  const teach = [];
  const propose = [];
  for (let i = 1; i <= runs; i++) {
    await page.getByTestId('teach-run').click();
    await idle(i);
    teach.push(Number(/in (\d+) ms/.exec(await said())[1]));
    await page.getByTestId('taught-propose').click();
    await page.waitForFunction(() => /proposed \d+ segments/.test(document.querySelector('[data-testid="teach-said"]').innerText), null, { timeout: 300_000 });
    const text = await said();
    propose.push(Number(/in (\d+) ms/.exec(text)[1]));
    console.log(`run ${i}: ${text}`);
  }
  console.log(JSON.stringify({
    backend: await page.getByTestId('backend').getAttribute('data-backend'),
    fine_tune: fineTune,
    segments: 25,
    labels: 5,
    pose_frames: frames,
    teach_ms: teach,
    teach_median_ms: median(teach),
    propose_ms: propose,
    propose_median_ms: median(propose),
  }));
} finally {
  await browser.close();
  server.close?.();
}
