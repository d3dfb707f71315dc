// Pose speed in headless Chromium, ours against TF.js in the same browser run, on the same
// weights and frames: microact's WebGPU and CPU paths and Burn's ops on the CPU (the page's
// `?bench=pose` mode) and
// TF.js 4.22 WebGPU, WebGL and WASM (scripts/bench/tfjs.html) running Google's graphs.
//
//   trunk build --release && node scripts/bench-pose.mjs MODEL_DIR [RUNS] [--cpu]
//
// `--cpu`: only the CPU paths and TF.js WASM (minutes less: SwiftShader's WebGPU is slow).
// MODEL_DIR holds the TF.js graphs (movenet-{lightning,multipose}.{json,bin}, in
// ../shared/models-src). Prints a table with ours/TF.js per matching backend pair, and where our
// CPU path spends a frame by kind of operation (1×1, depthwise, full conv, resize, elementwise).
import { resolve } from 'node:path';
import { launch } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';

const args = process.argv.slice(2);
const cpuOnly = args.includes('--cpu');
const [modelDir, runsArg] = args.filter((a) => a !== '--cpu');
const only = cpuOnly ? '&only=cpu' : '';
if (!modelDir) {
  console.error('usage: node scripts/bench-pose.mjs MODEL_DIR [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 20);
const server = await serveDist(resolve('dist'), {
  '/bench/': resolve('tests/fixtures/pose'),
  '/tfjs/': resolve('node_modules/@tensorflow'),
  '/tfjs-models/': resolve(modelDir),
  '/bench-tfjs/': resolve('scripts/bench'),
});
const browser = await launch();
const rows = [];
let profile = [];
try {
  for (const url of [`${server.url}?bench=pose&runs=${runs}${only}`, `${server.url}bench-tfjs/tfjs.html?runs=${runs}${only}`]) {
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && console.error(`[page] ${m.text()}`));
    await page.goto(url);
    const out = page.locator('[data-testid="bench-result"], #result');
    await page.waitForFunction((e) => e.dataset.state !== 'running', await out.elementHandle(), { timeout: 1_800_000 });
    const state = await out.getAttribute('data-state');
    if (state !== 'done') throw new Error(`${url}: ${await out.innerText()}`);
    rows.push(...JSON.parse(await out.getAttribute('data-rows')));
    const profiled = await out.getAttribute('data-profile');
    if (profiled) profile = JSON.parse(profiled);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const ms = (impl, backend, model) => rows.find((r) => r.impl === impl && r.backend === backend && r.model === model)?.median_ms;
const PAIRS = [['WebGPU', 'webgpu'], ['CPU', 'wasm'], ['CPU (Burn ops)', 'wasm'], ['WebGPU', 'webgl']];
console.log(`Chromium headless, ${runs} runs after 3 warm-up, median ms/frame (readback and decoding included)\n`);
console.log('| model | ours | ms | TF.js | ms | ours / TF.js |');
console.log('|---|---|---|---|---|---|');
for (const model of ['movenet-lightning', 'movenet-lightning-q8', 'movenet-multipose', 'movenet-multipose 384x224', 'movenet-multipose 512x288']) {
  const theirsModel = model.replace('-q8', '');
  for (const [ours, theirs] of PAIRS) {
    const a = ms('microact', ours, model);
    const b = ms('tfjs', theirs, theirsModel);
    if (a === undefined || b === undefined) continue;
    console.log(`| ${model} | ${ours} | ${a.toFixed(1)} | ${theirs} | ${b.toFixed(1)} | ${(a / b).toFixed(2)}× |`);
  }
}
if (profile.length > 0) {
  console.log(`\nOurs on the CPU, by kind of operation (mean of ${runs} profiled frames; a frame timed this way costs a little more than unprofiled):\n`);
  console.log('| path | model | operation | ms/frame | share of the frame |');
  console.log('|---|---|---|---|---|');
  for (const p of profile) console.log(`| ${p.path} | ${p.model} | ${p.kind} | ${p.ms.toFixed(1)} | ${(100 * p.ms / p.frame_ms).toFixed(1)} % |`);
}
console.log(`\n${JSON.stringify(rows)}`);
