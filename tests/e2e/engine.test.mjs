// The engine worker: the page opens and annotates without it, the first model request starts
// it, and an engine that fails is reported in the page and replaced by the next request.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './support/browser.mjs';
import { fixture, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('walk-2s.webm');
const server = serveDuringTests();

const engineFiles = (paths) => paths.filter((p) => /microact-engine|\.bpk$/.test(p));

describe('engine worker', () => {
  test('annotating loads no engine and no weights; a crashed engine is said and the next request starts a fresh one', async () => {
    const browser = await launch();
    try {
      const page = await (await browser.newContext()).newPage();
      const seen = [];
      page.on('request', (r) => seen.push(new URL(r.url()).pathname));
      const app = new AppPage(page);
      await app.open(server.url);
      // Choosing the CPU is the page's: the engine tests it when it starts.
      await app.switchBackend();
      assert.equal(await app.backend(), 'cpu');
      assert.equal(await app.byTestId('selftest').getAttribute('data-state'), 'none');
      await app.openFile(CLIP);
      assert.equal(await app.frameRate(), '30/1');
      await app.waitForFrame(0);
      await app.byTestId('lane').first().waitFor();
      assert.deepEqual(engineFiles(seen), [], 'nothing of the engine before a model is used');
      assert.equal(await app.byTestId('engine').getAttribute('data-state'), 'idle');
      assert.deepEqual(page.workers(), []);

      // The overlay needs a model: the engine starts and answers.
      await app.enablePose('movenet-lightning');
      assert.equal((await app.poseResult(0, 'movenet-lightning', 'CPU')).people.length, 1);
      assert.equal(await app.byTestId('engine').getAttribute('data-state'), 'running');
      assert.ok(seen.includes('/microact-engine_bg.wasm'), 'the engine was fetched');
      assert.ok(seen.includes('/models/movenet-lightning.bpk'), 'its weights were fetched');
      assert.equal((await app.selfTest()).state, 'passed', 'the starting engine tested the CPU');

      // An uncaught error in the engine (as a trap in its module would be): said once, in words.
      const [first] = page.workers();
      await first.evaluate(() => setTimeout(() => { throw new Error('engine test crash'); }));
      await app.waitForNotice(/The model engine stopped \(.*engine test crash\).*Your project is untouched/);
      await page.waitForFunction(() => document.querySelector('[data-testid="engine"]').dataset.state === 'idle');
      assert.equal((await app.notices('error')).length, 1);

      // The next frame starts a fresh engine, which loads the model again.
      await app.byTestId('step-forward').click();
      await app.waitForFrame(1);
      assert.equal((await app.poseResult(1, 'movenet-lightning', 'CPU')).people.length, 1);
      assert.equal(await app.byTestId('engine').getAttribute('data-state'), 'running');
      assert.equal(page.workers().length, 1);
      assert.notEqual(page.workers()[0], first, 'a new worker');
    } finally {
      await browser.close();
    }
  });
});
