// Teaching from the annotator's own labels in headless Chromium, on a real clip whose poses and
// hand labels are in a project file (tests/fixtures/teach/): the second half's labels removed,
// a model taught from the first half proposes labelled segments on the second half; undo; the
// model exported, imported again, found after a reload; a damaged model file refused with a
// clear message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './support/browser.mjs';
import { fixture, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('teach/situp_walk_mix.webm');
const PROJECT = fixture('teach/situp_walk_mix.microact.json');
const server = serveDuringTests();

class Teach extends AppPage {
  async key(k) {
    await this.page.keyboard.press(k);
  }

  segments() {
    return this.page.locator('[data-testid="segment"]').evaluateAll((els) =>
      els.map((e) => ({ label: e.dataset.label, start: Number(e.dataset.start), end: Number(e.dataset.end), status: e.dataset.status })));
  }

  async waitForSegments(test, what) {
    await this.page.waitForFunction(test, null, { timeout: 30_000 })
      .catch(async () => assert.fail(`${what}; the timeline has ${JSON.stringify(await this.segments())}, the page says ${JSON.stringify(await this.notices())}`));
  }

  /** Waits until the teach panel is idle with `n` taught models. */
  async waitForModels(n, timeout = 120_000) {
    await this.page.waitForFunction(
      (n) => {
        const d = document.querySelector('[data-testid="teach"]').dataset;
        return d.state === 'idle' && d.models === String(n);
      },
      n,
      { timeout },
    ).catch(async () => assert.fail(`expected ${n} taught models; the page says ${JSON.stringify(await this.notices())}`));
  }

  async waitSaved() {
    await this.page.waitForFunction(() => {
      const d = document.querySelector('[data-testid="save-state"]').dataset;
      return d.state === 'saved' && d.committed === d.seq;
    }, null, { timeout: 10_000 });
  }
}

const iou = (a, b) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start)) / (Math.max(a.end, b.end) - Math.min(a.start, b.start));

describe('teach from my labels', () => {
  test('taught from the first half, it proposes the second half; undo, export, import, reload; a damaged file is refused', async () => {
    const browser = await launch();
    try {
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      page.on('dialog', (d) => d.accept());
      const app = new Teach(page);
      await app.open(server.url);
      // The CPU path: SwiftShader's WebGPU needs seconds a frame for the clip analysis below.
      await app.useBackend('cpu');
      await app.openFile(CLIP);
      assert.equal(await app.frameRate(), '25/1');
      await app.byTestId('lane').first().waitFor();
      await app.openIoMenu();
      await app.byTestId('import-file').setInputFiles(PROJECT);
      await app.byTestId('import-confirm').waitFor();
      await app.byTestId('import-replace').click();
      await app.waitForSegments(() => document.querySelectorAll('[data-testid="segment"]').length === 6, 'six hand-labelled segments');
      const truth = await app.segments();
      const frames = 625; // 25 s at 25 fps
      const mid = frames / 2;
      const secondHalf = truth.filter((s) => s.start >= mid);
      assert.equal(secondHalf.length, 3);
      // The second half's labels go: they are what the taught model must find.
      for (const s of secondHalf) {
        await page.locator(`[data-testid="segment"][data-start="${s.start}"]`).click();
        await app.key('Delete');
      }
      await app.waitForSegments(() => document.querySelectorAll('[data-testid="segment"]').length === 3, 'three segments left');
      assert.match(await app.byTestId('teach-summary').innerText(), /^3 labelled segments of 3 labels/);

      await app.byTestId('teach-run').click();
      await app.waitForModels(1);
      assert.match(await app.byTestId('teach-said').innerText(), /^Taught v1 from 3 segments of 3 labels/);
      assert.equal(await app.byTestId('taught-label').count(), 3);

      await app.byTestId('taught-propose').click();
      await app.page.waitForFunction(() => /proposed \d+ segments/.test(document.querySelector('[data-testid="teach-said"]').innerText), null, { timeout: 120_000 })
        .catch(async () => assert.fail(`no proposals; the page says ${JSON.stringify(await app.notices())}`));
      const proposed = (await app.segments()).filter((s) => s.status === 'proposed' && s.start >= mid - 30);
      const found = secondHalf.filter((t) => proposed.some((p) => p.label === t.label && iou(p, t) >= 0.5));
      assert.ok(found.length >= 2, `second half ${JSON.stringify(secondHalf)}, proposed ${JSON.stringify(proposed)}`);

      // Proposals are one undo step.
      await app.key('Control+z');
      await app.waitForSegments(() => document.querySelectorAll('[data-testid="segment"]').length === 3, 'the proposals undone');

      // Clip analysis can run the taught model instead of the shipped recognizer.
      await app.byTestId('taught-live').click();
      await app.byTestId('analyse').click();
      await app.waitForAnalysis(['done'], 300_000);
      const analysed = (await app.segments()).filter((s) => s.status === 'proposed' && s.start >= mid - 30);
      const again = secondHalf.filter((t) => analysed.some((p) => p.label === t.label && iou(p, t) >= 0.5));
      assert.ok(again.length >= 2, `second half ${JSON.stringify(secondHalf)}, analysis proposed ${JSON.stringify(analysed)}`);
      await app.byTestId('taught-live').click();
      await app.key('Control+z');
      await app.waitForSegments(() => document.querySelectorAll('[data-testid="segment"]').length === 3, 'the analysis undone');

      // Taught again with a fine-tuned head: a second version.
      await app.byTestId('teach-fine-tune').check();
      await app.byTestId('teach-run').click();
      await app.waitForModels(2);
      assert.match(await app.byTestId('taught-check').innerText(), /^v2: .* head fine-tuned 100 steps, \d+ % of its windows right/);

      // Out as a file and back in as a new version.
      const download = page.waitForEvent('download');
      await app.byTestId('taught-export').click();
      const dir = await mkdtemp(join(tmpdir(), 'microact-teach-'));
      const file = join(dir, 'taught.json');
      await (await download).saveAs(file);
      const text = await readFile(file, 'utf8');
      assert.match(text, /"format":"microact-taught-model"/);
      await app.byTestId('taught-import').setInputFiles(file);
      await app.waitForModels(3);

      // A damaged copy says so and changes nothing.
      const damaged = join(dir, 'damaged.json');
      await writeFile(damaged, text.replace(/"temperature":([0-9.]+)/, (_, t) => `"temperature":${Number(t) + 1}`));
      await app.byTestId('taught-import').setInputFiles(damaged);
      await app.waitForNotice(/damaged\.json was not imported: the taught model file is damaged/);
      await app.waitForModels(3);

      // Both versions are kept with the project.
      await app.waitSaved();
      await page.reload();
      await app.byTestId('teach').waitFor();
      await app.waitForModels(3, 30_000);
      assert.equal(await app.byTestId('taught-version').locator('option').count(), 3);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });
});

describe('teach a gesture', () => {
  test('gestures recorded from the camera are taught and recognised live', async () => {
    const browser = await launch({ cameraFile: fixture('walk-2s.y4m') });
    try {
      const app = new Teach(await browser.newPage());
      await app.open(server.url);
      await app.useBackend('cpu');
      await app.byTestId('camera-start').click();
      await app.page.waitForFunction(() => {
        const v = document.querySelector('[data-testid="video"]');
        return v.readyState >= 2 && !v.paused;
      });
      await app.enablePose('movenet-lightning');
      await app.byTestId('gestures').locator('summary').click();
      // Two examples of each of two gestures (the fake camera plays one real clip in a loop).
      let recorded = 0;
      for (const gesture of ['step', 'step', 'sway', 'sway']) {
        await app.byTestId('gesture-name').fill(gesture);
        await app.byTestId('gesture-record').click();
        recorded += 1;
        await app.page.waitForFunction(
          (n) => document.querySelector('[data-testid="gesture-examples"]').dataset.count === String(n)
            || document.querySelector('[data-testid="gesture-said"]').innerText !== '',
          recorded,
          { timeout: 60_000 },
        );
        assert.equal(await app.byTestId('gesture-said').innerText(), '');
      }
      assert.equal(await app.byTestId('gesture-examples').innerText(), 'step: 2 · sway: 2');
      await app.byTestId('gesture-teach').click();
      await app.page.waitForFunction(() => /^Taught gestures v1/.test(document.querySelector('[data-testid="gesture-said"]').innerText), null, { timeout: 120_000 })
        .catch(async () => assert.fail(`not taught; the page says ${JSON.stringify(await app.notices())}`));
      // Live actions now follow the gestures: their two labels, one distribution, an unknown score.
      const el = app.byTestId('actions');
      await app.page.waitForFunction(
        (e) => e.dataset.state === 'failed' || (e.dataset.state === 'ready' && JSON.parse(e.dataset.top).every(([c]) => ['step', 'sway'].includes(c))),
        await el.elementHandle(),
        { timeout: 120_000 },
      );
      const d = await el.evaluate((e) => ({ ...e.dataset, text: e.innerText }));
      assert.equal(d.state, 'ready', d.text);
      const top = JSON.parse(d.top);
      assert.deepEqual(top.map(([c]) => c).sort(), ['step', 'sway']);
      assert.ok(Math.abs(top[0][1] + top[1][1] - 1) < 1e-3, JSON.stringify(top));
      assert.ok(Number(d.unknown) >= 0 && Number(d.unknown) <= 1);
      await app.byTestId('camera-stop').click();
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });
});
