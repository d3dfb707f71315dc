// The annotation workspace in headless Chromium: creating and editing segments with the mouse and
// keys, undo of each edit kind, tracks and descriptions, autosave and reload, every format out
// and back in through the menu, imported markup rendered as text, and a broken storage.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './support/browser.mjs';
import { fixture, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('walk-2s.webm');

const server = serveDuringTests();

/** A browser with one page (and its storage) for the whole body; `init` runs before page scripts. */
async function withBrowser(body, { init } = {}) {
  const browser = await launch();
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    page.on('dialog', (d) => d.accept());
    const app = new Workspace(page);
    await app.open(server.url);
    await body(app, context);
  } finally {
    await browser.close();
  }
}

class Workspace extends AppPage {
  /** Imports `path` in place of the project's videos and tracks; waits for `segments` segments. */
  async importReplacing(path, segments) {
    await this.openIoMenu();
    await this.byTestId('import-file').setInputFiles(path);
    await this.byTestId('import-confirm').waitFor();
    await this.byTestId('import-replace').click();
    await this.waitForSegments(segments);
  }

  async openClip() {
    await this.openFile(CLIP);
    assert.equal(await this.frameRate(), '30/1');
    await this.waitForFrame(0);
    await this.byTestId('lane').first().waitFor();
  }

  segments() {
    return this.page.locator('[data-testid="segment"]').evaluateAll((els) =>
      els.map((e) => ({ id: e.dataset.seg, label: e.dataset.label, start: Number(e.dataset.start), end: Number(e.dataset.end), status: e.dataset.status })));
  }

  async waitForSegments(n) {
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="segment"]').length === n, n, { timeout: 10_000 })
      .catch(async () => assert.fail(`expected ${n} segments, have ${JSON.stringify(await this.segments())}`));
  }

  async key(k) {
    await this.page.keyboard.press(k);
  }

  async seekFrame(n) {
    // One step at a time: a step starts from the frame on screen.
    let now = await this.frame();
    while (now !== n) {
      const forward = n > now;
      await this.key(forward ? 'ArrowRight' : 'ArrowLeft');
      now += forward ? 1 : -1;
      await this.waitForFrame(now);
    }
  }

  async waitSaved() {
    // Every edit is written at once; wait until the last one issued is committed. Where the
    // person is (zoom, playhead) is written when the page is hidden or closed, as on a reload.
    await this.page.waitForFunction(() => {
      const d = document.querySelector('[data-testid="save-state"]').dataset;
      return d.state === 'saved' && d.committed === d.seq;
    }, null, { timeout: 10_000 });
  }
}

describe('annotation workspace', () => {
  test('segments from drags and keys; split, merge, relabel, delete, tracks — and undo of each', async () => {
    await withBrowser(async (app) => {
      await app.openClip();
      assert.equal(await app.byTestId('track-name').first().inputValue(), 'Person 1');
      await app.chooseLabel('nodd');
      assert.equal(await app.page.locator('[data-testid="label"].active').getAttribute('data-label'), 'nodding');

      // Drag across the lane: a segment in frames, snapped, labelled.
      await app.dragLane(0, 0.1, 0.4);
      await app.waitForSegments(1);
      let [s] = await app.segments();
      assert.equal(s.label, 'nodding');
      assert.ok(Math.abs(s.start - 6) <= 1 && Math.abs(s.end - 24) <= 1, JSON.stringify(s));
      await app.byTestId('segment-details').waitFor();
      // A note typed key by key stays in its field (the details follow edits in place).
      await app.byTestId('segment-note').pressSequentially('slow, twice');
      assert.equal(await app.byTestId('segment-note').inputValue(), 'slow, twice');
      await app.byTestId('segment-note').blur();
      assert.match(await app.page.locator('[data-testid="segment"]').first().getAttribute('title'), /slow, twice/);
      await app.key('Control+z');
      assert.equal(await app.byTestId('segment-note').inputValue(), '', 'the note was one undo step');

      // Resize by its end handle: one drag, one undo step.
      await app.byTestId('handle-end').scrollIntoViewIfNeeded();
      const handle = await app.byTestId('handle-end').boundingBox();
      const lane = await app.byTestId('lane').first().boundingBox();
      await app.page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
      await app.page.mouse.down();
      for (const f of [0.45, 0.5, 0.55]) await app.page.mouse.move(lane.x + lane.width * f, handle.y + 2, { steps: 2 });
      await app.page.mouse.up();
      [s] = await app.segments();
      assert.ok(Math.abs(s.end - 33) <= 1, `resized to ${s.end}`);
      await app.key('Control+z');
      [s] = await app.segments();
      assert.ok(Math.abs(s.end - 24) <= 1, `undo of the whole drag: ${s.end}`);

      // Mark in / out with keys on the playhead.
      await app.key('Escape');
      await app.seekFrame(40);
      await app.key('i');
      await app.seekFrame(49);
      await app.key('o');
      await app.waitForSegments(2);
      const marked = (await app.segments()).find((x) => x.start === 40);
      assert.deepEqual([marked.start, marked.end, marked.label], [40, 50, 'nodding']);

      // Relabel the selected (marked) segment with a palette digit key.
      await app.byTestId('label-search').fill('');
      await app.byTestId('label-search').press('Escape');
      const firstLeaf = await app.byTestId('label').first().getAttribute('data-label');
      await app.key('1');
      await app.page.waitForFunction((l) => [...document.querySelectorAll('[data-testid="segment"]')].some((e) => e.dataset.label === l && e.dataset.start === '40'), firstLeaf);

      // Split at the playhead, then merge back, then delete; undo each.
      await app.seekFrame(45);
      await app.key('s');
      await app.waitForSegments(3);
      await app.page.locator('[data-testid="segment"][data-start="40"]').click();
      await app.key('m');
      await app.waitForSegments(2);
      await app.key('Delete');
      await app.waitForSegments(1);
      await app.key('Control+z');
      await app.waitForSegments(2);
      await app.key('Control+z');
      await app.waitForSegments(3);
      await app.key('Control+z');
      await app.waitForSegments(2);
      await app.key('Control+z'); // relabel
      await app.page.waitForFunction(() => document.querySelector('[data-testid="segment"][data-start="40"]')?.dataset.label === 'nodding');
      await app.key('Control+Shift+z');
      await app.page.waitForFunction((l) => document.querySelector('[data-testid="segment"][data-start="40"]')?.dataset.label === l, firstLeaf);
      await app.key('Control+y');
      await app.waitForSegments(3);

      // Tracks: add, name, describe; delete and undo.
      await app.byTestId('add-track').click();
      assert.equal(await app.byTestId('lane').count(), 2);
      await app.byTestId('track-description').nth(1).fill('the man in the red jacket on the right');
      await app.byTestId('track-name').nth(1).fill('Runner');
      await app.byTestId('track-name').nth(1).blur();
      assert.equal(await app.byTestId('track-summary').nth(1).innerText(), 'the man in the red jacket on the right');
      await app.byTestId('track-delete').nth(1).click();
      assert.equal(await app.byTestId('lane').count(), 1);
      await app.byTestId('undo').click();
      assert.equal(await app.byTestId('lane').count(), 2);
      assert.equal(await app.byTestId('track-name').nth(1).inputValue(), 'Runner');

      // A person box on this frame for the active track (B, then drag on the video); held on later
      // frames until the next keyframe; undoable.
      await app.byTestId('lane-head').nth(1).click();
      await app.key('b');
      await app.byTestId('video').scrollIntoViewIfNeeded();
      const video = await app.byTestId('video').boundingBox();
      await app.page.mouse.move(video.x + video.width * 0.6, video.y + video.height * 0.2);
      await app.page.mouse.down();
      await app.page.mouse.move(video.x + video.width * 0.8, video.y + video.height * 0.9, { steps: 5 });
      await app.page.mouse.up();
      const rect = (await app.byTestId('person-box').getAttribute('data-rect')).split(',').map(Number);
      for (const [got, want] of rect.map((v, i) => [v, [0.6, 0.2, 0.8, 0.9][i]])) assert.ok(Math.abs(got - want) < 0.02, `${rect}`);
      assert.match(await app.byTestId('person-box').innerText(), /Runner/);
      await app.key('ArrowRight');
      await app.waitForFrame(46);
      assert.equal(await app.page.locator('[data-testid="person-box"].held').count(), 1);
      await app.key('Control+z');
      assert.equal(await app.byTestId('person-box').count(), 0);

      // Zoom: + and the button narrow the window; Fit shows the whole clip again.
      const fit = Number(await app.byTestId('timeline').getAttribute('data-px-per-frame'));
      await app.key('+');
      await app.byTestId('zoom-in').click();
      const zoomed = Number(await app.byTestId('timeline').getAttribute('data-px-per-frame'));
      assert.ok(zoomed > fit * 2, `${zoomed} vs ${fit}`);
      await app.byTestId('zoom-fit').click();
      assert.equal(Number(await app.byTestId('timeline').getAttribute('data-px-per-frame')), fit);

      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    });
  });

  test('label while playing: a held key records a segment for as long as it is held', async () => {
    await withBrowser(async (app) => {
      await app.openClip();
      await app.byTestId('label-set').selectOption('penn_action');
      await app.key('Space');
      // The app's own state (its button), not only the element's: the key is read against it.
      await app.page.waitForFunction(() => !document.querySelector('[data-testid="video"]').paused
        && document.querySelector('[data-testid="play"]').innerText === 'Pause');
      await app.page.keyboard.down('3');
      await app.page.waitForTimeout(600);
      await app.page.keyboard.up('3');
      await app.waitForSegments(1);
      const [s] = await app.segments();
      assert.equal(s.label, 'bench_press');
      assert.ok(s.end - s.start >= 8, `held ~0.6 s at 30 fps: ${JSON.stringify(s)}`);
    });
  });

  test('a reload restores project, selection, zoom and playhead; projects can be duplicated and switched', async () => {
    await withBrowser(async (app) => {
      await app.openClip();
      await app.byTestId('project-name').fill('Reload study');
      await app.chooseLabel('waving');
      await app.dragLane(0, 0.2, 0.5);
      await app.waitForSegments(1);
      await app.key('+');
      const zoom = await app.byTestId('timeline').getAttribute('data-px-per-frame');
      await app.seekFrame(12);
      const [before] = await app.segments();
      await app.waitSaved();

      await app.page.reload();
      await app.byTestId('backend').waitFor();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="project-name"]').value === 'Reload study');
      await app.waitForSegments(1);
      assert.deepEqual((await app.segments())[0], before);
      assert.equal(await app.byTestId('timeline').getAttribute('data-px-per-frame'), zoom);
      assert.equal(await app.byTestId('segment-details').getAttribute('data-seg'), before.id, 'selection kept');
      assert.match(await app.byTestId('reopen').innerText(), /Open walk-2s\.webm/);
      await app.openFile(CLIP);
      await app.waitForFrame(12);
      assert.equal(await app.byTestId('lane').count(), 1);

      // Duplicate, change the copy, switch back: the original is as it was.
      await app.byTestId('projects-menu').locator('summary').click();
      await app.byTestId('project-duplicate').click();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="project-name"]').value === 'Reload study (copy)');
      await app.key('Escape');
      await app.page.locator('[data-testid="segment"]').first().click();
      await app.key('Delete');
      await app.waitForSegments(0);
      await app.waitSaved();
      await app.page.waitForFunction(() => document.querySelectorAll('[data-testid="project-item"]').length === 2);
      const item = (name) => app.page.locator('[data-testid="project-item"]').filter({ has: app.page.locator('.project-item-name', { hasText: new RegExp(`^${name.replace(/[()]/g, '\\$&')}$`) }) });
      await item('Reload study').getByTestId('project-open').click();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="project-name"]').value === 'Reload study');
      await app.waitForSegments(1);
      // Delete the copy.
      await item('Reload study (copy)').getByTestId('project-delete').click();
      await app.page.waitForFunction(() => document.querySelectorAll('[data-testid="project-item"]').length === 1);
    });
  });

  test('every format goes out as a download and comes back in through the menu', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-io-'));
    await withBrowser(async (app) => {
      await app.openClip();
      await app.byTestId('label-set').selectOption('penn_action');
      await app.chooseLabel('squat');
      await app.dragLane(0, 0.05, 0.6); // ~0.2 s to 1.2 s: spans a whole second (AVA keyframes)
      await app.byTestId('track-description').first().fill('the woman walking on the left');
      await app.waitForSegments(1);
      await app.openIoMenu();
      const formats = await app.byTestId('export-format').locator('option').evaluateAll((os) => os.map((o) => o.value));
      assert.equal(formats.length, 11);
      for (const format of formats) {
        // What goes out is what is there now (AVA's round trip moves edges to half seconds).
        const [made] = await app.segments();
        await app.openIoMenu();
        await app.byTestId('export-format').selectOption(format);
        const want = format === 'ava' || format === 'refava' ? 2 : 1;
        const downloads = [];
        let on;
        let timer;
        const got = new Promise((ok, fail) => {
          on = (d) => { downloads.push(d); if (downloads.length === want) ok(); };
          app.page.on('download', on);
          timer = setTimeout(() => fail(new Error(`${format}: ${downloads.length} of ${want} downloads in 30 s`)), 30_000);
        });
        await app.byTestId('export').click();
        await got.finally(() => { clearTimeout(timer); app.page.off('download', on); });
        const paths = [];
        for (const d of downloads) {
          const path = join(dir, d.suggestedFilename());
          await d.saveAs(path);
          paths.push(path);
        }
        if (['cvat', 'skeletons', 'mmaction-poses'].includes(format)) continue; // export only / needs pose tracks
        await app.byTestId('import-format').selectOption(format);
        await app.byTestId('import-file').setInputFiles(paths);
        await app.byTestId('import-confirm').waitFor();
        await app.byTestId('import-replace').click();
        await app.waitForSegments(1);
        const [back] = await app.segments();
        assert.equal(back.label, 'squat', format);
        // AVA knows whole seconds only; the others keep frames.
        if (format !== 'ava' && format !== 'refava') {
          assert.deepEqual([back.start, back.end], [made.start, made.end], format);
        }
      }
      assert.deepEqual(await app.notices('error'), []);
    });
  });

  test('the export menu says what it will write and leaves proposals nobody accepted out of ground truth', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-truth-'));
    const csv = [
      'video,track,label_set,label,start_s,end_s,source,score,status',
      'walk-2s.webm,Person 1,penn_action,squat,0.2,1.0,human:me,,accepted',
      'walk-2s.webm,Person 1,penn_action,squat,1.0,1.6,model:m@1,0.5,proposed',
      'walk-2s.webm,Person 1,penn_action,pushup,1.6,1.9,model:m@1,0.25,rejected',
    ].join('\n');
    const path = join(dir, 'decided.csv');
    await writeFile(path, csv);
    await withBrowser(async (app) => {
      await app.openClip();
      await app.importReplacing(path, 3);
      await app.openIoMenu();
      const counts = (text) => app.page.waitForFunction(
        (want) => document.querySelector('[data-testid="export-counts"]')?.textContent.startsWith(want), text);
      await app.byTestId('export-format').selectOption('csv');
      await counts('Writes 1 ground-truth segment(s) and 0 prediction(s)');
      await app.byTestId('export-predictions').check();
      await counts('Writes 1 ground-truth segment(s) and 2 prediction(s)');
      // VIA3 holds ground truth only: no choice to offer.
      await app.byTestId('export-format').selectOption('via3');
      await counts('Writes 1 ground-truth segment(s) and 0 prediction(s)');
      assert.equal(await app.byTestId('export-predictions').count(), 0);
      await app.byTestId('export-format').selectOption('refava');
      await app.byTestId('export-caveat').waitFor();
      assert.match(await app.byTestId('export-caveat').innerText(), /evaluator reads 8/);
      // The ground-truth CSV that goes out holds the human label only.
      await app.byTestId('export-format').selectOption('csv');
      await app.byTestId('export-predictions').uncheck();
      const download = app.page.waitForEvent('download');
      await app.byTestId('export').click();
      const file = join(dir, (await download).suggestedFilename());
      await (await download).saveAs(file);
      const rows = (await readFile(file, 'utf8')).trim().split('\n');
      assert.equal(rows.length, 2, rows.join('\n'));
      assert.match(rows[1], /,accepted,/);
      assert.deepEqual(await app.notices('error'), []);
    });
  });

  test('markup in imported labels, notes and descriptions is shown as text and never runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-xss-'));
    const evil = '<img src=x onerror="window.__xss=1">';
    const csv = [
      'video,track,description,label_set,label,start_s,end_s,source,score,status,note',
      `walk-2s.webm,"<b>P</b>","<script>window.__xss=2</script>",imported,"${evil.replaceAll('"', '""')}",0.2,1.0,human,,accepted,"<svg onload=""window.__xss=3"">"`,
    ].join('\n');
    const path = join(dir, 'evil.csv');
    await writeFile(path, csv);
    await withBrowser(async (app) => {
      await app.openClip();
      await app.importReplacing(path, 1);
      await app.page.locator('[data-testid="segment"]').first().click();
      assert.equal(await app.page.locator('[data-testid="segment"] .seg-text').innerText(), evil);
      assert.equal(await app.byTestId('track-summary').first().innerText(), '<script>window.__xss=2</script>');
      assert.equal(await app.byTestId('segment-note').inputValue(), '<svg onload="window.__xss=3">');
      assert.equal(await app.page.locator('.timeline img, .timeline script, .timeline svg, .timeline b').count(), 0);
      await app.page.waitForTimeout(300);
      assert.equal(await app.page.evaluate(() => window.__xss), undefined);
    });
  });

  test('a broken storage says so and offers an export; a malformed import names its line', async () => {
    const init = () => {
      IDBFactory.prototype.open = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    };
    const dir = await mkdtemp(join(tmpdir(), 'microact-bad-'));
    const path = join(dir, 'bad.csv');
    await writeFile(path, 'video,track,description,label_set,label,start_s,end_s,source,score,status,note\nwalk-2s.webm,P,,x,y,abc,1,human,,accepted,\n');
    await withBrowser(async (app) => {
      await app.waitForNotice(/not being saved|cannot be saved/);
      await app.byTestId('export-now').waitFor();
      assert.equal(await app.byTestId('save-state').getAttribute('data-state'), 'failed');
      await app.openClip();
      await app.chooseLabel('nodd');
      await app.dragLane(0, 0.1, 0.3);
      await app.waitForSegments(1);
      const download = app.page.waitForEvent('download');
      await app.byTestId('export-now').click();
      assert.match((await download).suggestedFilename(), /\.microact\.json$/);
      await app.openIoMenu();
      await app.byTestId('import-file').setInputFiles(path);
      await app.waitForNotice(/bad\.csv was not imported: CSV: line 2/);
      await app.waitForSegments(1);
    }, { init });
  });

  test('the help overlay lists the keys; a rebinding works and survives a reload', async () => {
    await withBrowser(async (app) => {
      await app.openClip();
      await app.key('?');
      await app.byTestId('help').waitFor();
      assert.ok((await app.byTestId('help-row').count()) >= 20);
      await app.page.locator('[data-testid="help-row"][data-command="Split"]').getByTestId('rebind').click();
      await app.key('x');
      assert.match(await app.page.locator('[data-testid="help-row"][data-command="Split"]').innerText(), /\bX\b/);
      await app.key('Escape');
      await app.byTestId('help').waitFor({ state: 'detached' });
      await app.chooseLabel('nodd');
      await app.dragLane(0, 0.1, 0.6);
      await app.waitForSegments(1);
      await app.seekFrame(15);
      await app.key('x');
      await app.waitForSegments(2);
      await app.page.waitForTimeout(800);
      await app.page.reload();
      await app.byTestId('backend').waitFor();
      await app.key('?');
      await app.page.waitForFunction(() => /\bX\b/.test(document.querySelector('[data-testid="help-row"][data-command="Split"]')?.innerText ?? ''));
    });
  });
});
