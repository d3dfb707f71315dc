// Recognition in the page, measured in headless Chromium on a real clip:
//   - clip analysis: frames/s against the clip's own frame rate, the animation frames the page
//     still gets meanwhile (requestAnimationFrame callbacks per second, longest gap), and (with
//     --labelled) how its
//     proposals compare with hand labels: the exported project scored by microact-core's segment
//     F1 (`cargo run -p microact-core --example segment_f1`);
//   - the live loop (the clip playing in a loop, SinglePose, live actions): pose ms, recognizer ms
//     and end-to-end frames/s, with the page's memory sampled every 10 s (WebAssembly memory and
//     the JS heap; the browser reports no GPU buffer sizes to a page);
//   - long tasks (over 50 ms, `PerformanceObserver`) on the page's thread in each phase.
//
//   trunk build --release && node scripts/bench-analysis.mjs [options]
//     --clip PATH          the clip (default ../shared/fixtures/video/sports2d_walk.mp4)
//     --labelled PATH      hand labels of that clip (a microact project), to score proposals
//     --backend cpu|webgpu (default cpu)
//     --people one|everyone (default everyone)
//     --recognizer NAME    a recognizer of models/manifest.json (default jhmdb-ddnet)
//     --live SECONDS       how long to run the live loop (default 60; 0 skips it)
//     --decode engine|seek where analysis reads frames: the engine's decoder (default) or seeking
//                          a video element (the page opened with ?decode=seek)
//     --runs N             analyse the clip N times (the last is reported: workers warm)
//     --workers N          engine workers clip analysis splits the clip across (default: one a
//                          thread the browser reports, at most 4; the page opened with ?workers=N)
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launch } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';
import { AppPage } from '../tests/e2e/support/app-page.mjs';

const { values: opt } = parseArgs({
  options: {
    clip: { type: 'string', default: '../shared/fixtures/video/sports2d_walk.mp4' },
    labelled: { type: 'string' },
    backend: { type: 'string', default: 'cpu' },
    people: { type: 'string', default: 'everyone' },
    recognizer: { type: 'string', default: 'jhmdb-ddnet' },
    live: { type: 'string', default: '60' },
    decode: { type: 'string', default: 'engine' },
    workers: { type: 'string' },
    runs: { type: 'string', default: '1' },
  },
});

const server = await serveDist(resolve('dist'));
const browser = await launch();
const MB = 1024 * 1024;
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  // Trunk's loader announces the instance: its memory is the page's WebAssembly memory.
  await context.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; }));
  // Long tasks (over 50 ms) on the page's thread, from the start; each phase reads and clears them.
  await context.addInitScript(() => {
    window.__long = [];
    // Each long task with the analysis phase it started in (the output's data-state then).
    const phase = () => document.querySelector('[data-testid="analysis"]')?.dataset.state ?? '';
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push({ ms: e.duration, phase: phase() });
    }).observe({ type: 'longtask', buffered: true });
  });
  const longTasks = () => page.evaluate(() => {
    const l = window.__long;
    window.__long = [];
    const phases = {};
    for (const t of l) phases[t.phase] = Math.max(phases[t.phase] ?? 0, Math.round(t.ms));
    return { count: l.length, longest_ms: Math.round(Math.max(0, ...l.map((t) => t.ms))), longest_by_phase: phases };
  });
  const page = await context.newPage();
  const app = new AppPage(page);
  const cdp = await context.newCDPSession(page);
  const memory = async () => {
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => window.__wasm?.memory?.buffer?.byteLength ?? 0);
    // Each engine worker's WebAssembly memory (the engine puts it on its global scope).
    const engines = await Promise.all(page.workers().map((w) => w.evaluate(() => self.__microactEngineMemory?.buffer.byteLength ?? 0).catch(() => 0)));
    return { wasm_mb: wasm / MB, js_heap_mb: heap.usedSize / MB, engines_mb: engines.filter((b) => b > 0).map((b) => +(b / MB).toFixed(1)) };
  };
  // Memory every `every` ms until stopped: each engine worker's lowest and highest.
  const sampler = (every) => {
    const samples = [];
    let running = true;
    const done = (async () => {
      while (running) {
        samples.push(await memory());
        await new Promise((ok) => setTimeout(ok, every));
      }
    })();
    return async () => {
      running = false;
      await done;
      samples.push(await memory());
      const n = Math.max(...samples.map((m) => m.engines_mb.length));
      return Array.from({ length: n }, (_, i) => {
        const v = samples.map((m) => m.engines_mb[i]).filter((x) => x !== undefined);
        // Every tenth sample, to see it settle.
        const series = v.filter((_, k) => k % 10 === 0 || k === v.length - 1);
        return { worker: i, samples: v.length, first_mb: v[0], min_mb: Math.min(...v), max_mb: Math.max(...v), last_mb: v[v.length - 1], series_mb: series };
      });
    };
  };
  const query = new URLSearchParams();
  if (opt.decode === 'seek') query.set('decode', 'seek');
  if (opt.workers) query.set('workers', opt.workers);
  await app.open(`${server.url}?${query}`);
  await app.useBackend(opt.backend);
  if (!(await app.byTestId('models').evaluate((d) => d.open))) await app.byTestId('models').locator('summary').click();
  await app.byTestId('recognizer').selectOption(opt.recognizer);
  await app.openFile(resolve(opt.clip));
  const fps = await app.frameRate(60_000);
  await app.byTestId('lane').first().waitFor();
  const before = await memory();

  // Clip analysis.
  await app.byTestId('analysis-people').selectOption(opt.people);
  await longTasks();
  // Animation frames while the clip is analysed: how smooth the page stays meanwhile.
  await page.evaluate(() => {
    const raf = { n: 0, t0: performance.now(), last: performance.now(), worst: 0, running: true };
    const tick = (t) => {
      raf.n += 1;
      raf.worst = Math.max(raf.worst, t - raf.last);
      raf.last = t;
      if (raf.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    window.__raf = raf;
  });
  const stopSampling = sampler(2000);
  let done = await app.analyse(0);
  // Again, with every engine worker started and its model loaded: the steady speed.
  for (let run = 2; run <= Number(opt.runs); run++) {
    console.log(`analysis, run ${run - 1}: ${done.text}`);
    done = await app.analyse(0);
  }
  const raf = await page.evaluate(() => {
    const r = window.__raf;
    r.running = false;
    return { fps: r.n / ((performance.now() - r.t0) / 1000), worst_ms: r.worst };
  });
  const analysed = Number(/at ([\d.]+) frames\/s/.exec(done.text)?.[1]);
  const [num, den] = fps.split('/').map(Number);
  console.log(`clip ${opt.clip}: ${fps} fps; backend ${opt.backend}; people ${opt.people}; recognizer ${opt.recognizer}`);
  console.log(`analysis: ${done.text}`);
  for (const n of await app.notices()) if (/seeking/.test(n.text)) console.log(`the page said: ${n.text}`);
  console.log(`analysis speed: ${analysed.toFixed(2)} frames/s = ${(analysed / (num / den)).toFixed(3)}× the clip's rate`);
  console.log(`animation frames during analysis: ${raf.fps.toFixed(1)}/s, longest gap ${raf.worst_ms.toFixed(0)} ms`);
  console.log(`long tasks on the page's thread during analysis: ${JSON.stringify(await longTasks())}`);
  console.log(`memory before analysis ${JSON.stringify(before)}, after ${JSON.stringify(await memory())}`);
  console.log(`engine workers' memory during analysis: ${JSON.stringify(await stopSampling())}`);

  if (opt.labelled) {
    const got = app.exportAs('native');
    const dir = await mkdtemp(join(tmpdir(), 'microact-analysis-'));
    const out = join(dir, 'analysed.json');
    await (await got).saveAs(out);
    console.log(`\nproposals against ${opt.labelled} (${out}):`);
    console.log(execFileSync('cargo', ['run', '--quiet', '-p', 'microact-core', '--example', 'segment_f1', '--', resolve(opt.labelled), out], { encoding: 'utf8' }));
  }

  // The live loop: the clip plays in a loop with skeletons on; live actions read every pose.
  const seconds = Number(opt.live);
  if (seconds > 0) {
    await app.enablePose('movenet-lightning');
    await app.byTestId('video').evaluate((v) => { v.loop = true; });
    await app.byTestId('play').click();
    const actions = app.byTestId('actions');
    await page.waitForFunction((e) => ['ready', 'failed'].includes(e.dataset.state), await actions.elementHandle(), { timeout: 0 });
    const samples = [];
    await longTasks();
    const started = Date.now();
    let rafFps = 0;
    while (Date.now() - started < seconds * 1000) {
      // Frames requestAnimationFrame delivers in one second: how smooth the page stays.
      rafFps = await page.evaluate(() => new Promise((ok) => {
        let n = 0;
        const t0 = performance.now();
        const tick = () => { n += 1; if (performance.now() - t0 < 1000) requestAnimationFrame(tick); else ok(n); };
        requestAnimationFrame(tick);
      }));
      // Frames the video itself presents in one second: the most the loop can see.
      const videoFps = await app.byTestId('video').evaluate((v) => new Promise((ok) => {
        let n = 0;
        const t0 = performance.now();
        const tick = () => { n += 1; if (performance.now() - t0 < 1000) v.requestVideoFrameCallback(tick); else ok(n); };
        v.requestVideoFrameCallback(tick);
      }));
      const d = await actions.evaluate((e) => ({ ...e.dataset }));
      samples.push({ t: Math.round((Date.now() - started) / 1000), pose_ms: Number(d.poseMs), recognizer_ms: Number(d.recognizerMs), fps: Number(d.fps), video_fps: videoFps, raf_fps: rafFps, ...(await memory()) });
      await page.waitForTimeout(9_000);
    }
    const median = (k) => { const v = samples.map((s) => s[k]).filter(Number.isFinite).sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
    console.log(`\nlive loop on ${opt.backend}, ${seconds} s: median pose ${median('pose_ms')?.toFixed(0)} ms, recognizer ${median('recognizer_ms')?.toFixed(1)} ms, ${median('fps')?.toFixed(2)} frames/s end to end (the video presented ${median('video_fps')} frames/s), ${median('raf_fps')} animation frames/s`);
    console.log(`long tasks on the page's thread during the live loop: ${JSON.stringify(await longTasks())}`);
    console.log('| s | pose ms | recognizer ms | frames/s | rAF/s | page wasm MB | engine workers wasm MB | JS heap MB |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const s of samples) {
      console.log(`| ${s.t} | ${s.pose_ms.toFixed(0)} | ${s.recognizer_ms.toFixed(1)} | ${s.fps.toFixed(2)} | ${s.raf_fps} | ${s.wasm_mb.toFixed(1)} | ${s.engines_mb.join(', ')} | ${s.js_heap_mb.toFixed(1)} |`);
    }
    await writeFile(join(tmpdir(), 'microact-live.json'), JSON.stringify(samples));
  }
} finally {
  await browser.close();
  await server.close();
}
