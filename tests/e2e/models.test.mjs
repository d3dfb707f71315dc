// The models panel: every file in models/manifest.json with its size, storage and accuracy; the
// recognizer chosen there is the one clip analysis runs (here the int8 file, on the CPU).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './support/browser.mjs';
import { fixture, manifest, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('walk-2s.webm');

const server = serveDuringTests();

describe('models panel', () => {
  test('lists the manifest and runs the recognizer chosen there', async () => {
    const browser = await launch();
    try {
      const app = new AppPage(await browser.newPage());
      await app.open(server.url);
      await app.byTestId('models').locator('summary').click();
      await app.byTestId('model-row').first().waitFor();
      const rows = await app.byTestId('model-row').evaluateAll((rs) => rs.map((r) => ({ name: r.dataset.name, cells: [...r.cells].map((c) => c.innerText) })));
      assert.deepEqual(rows.map((r) => r.name), manifest.models.map((m) => m.name));
      for (const { name, cells } of rows) {
        const m = manifest.models.find((x) => x.name === name);
        assert.match(cells[2], /(MB|kB) · (int8|float16)/, name);
        assert.equal(cells[2].includes('int8'), name.endsWith('-q8'), name);
        assert.ok(cells[3].length > 0, `${name} says how accurate it is`);
        if (m.recognizer) assert.match(cells[1], new RegExp(`^${m.recognizer.classes.length} classes`));
      }
      const options = await app.byTestId('recognizer').locator('option').evaluateAll((os) => os.map((o) => o.value));
      assert.deepEqual(options, manifest.models.filter((m) => m.task === 'action').map((m) => m.name));

      await app.byTestId('recognizer').selectOption('penn-ddnet-q8');
      assert.match(await app.page.locator('.actions-panel h2').innerText(), /penn-ddnet-q8/);
      await app.selfTest();
      await app.switchBackend();
      await app.selfTest();
      await app.openFile(CLIP);
      await app.frameRate();
      await app.byTestId('lane').first().waitFor();
      await app.byTestId('analyse').click();
      await app.page.waitForFunction((e) => ['done', 'failed'].includes(e.dataset.state), await app.byTestId('analysis').elementHandle(), { timeout: 120_000 });
      const text = await app.byTestId('analysis').innerText();
      console.log(`int8 analysis: ${text}`);
      assert.match(text, /from penn-ddnet-q8 in Person 1/);
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });
});
