// Nothing an annotator does is lost: edits survive a reload or a killed browser at any moment
// after they are made, two tabs of one project never overwrite each other, and a damaged store
// loads up to its last good edit with a message and a raw copy for support.
//
// DURABILITY_CYCLES=100 node --test tests/e2e/durability.test.mjs   the full 100 cycles
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchProfile } from './support/browser.mjs';
import { fixture, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('walk-2s.webm');
const CYCLES = Number(process.env.DURABILITY_CYCLES ?? 8);

const server = serveDuringTests();

class Durable extends AppPage {
  async ready() {
    await this.open(server.url);
    await this.page.waitForFunction(() => ['saved', 'failed'].includes(document.querySelector('[data-testid="save-state"]')?.dataset.state), null, { timeout: 30_000 });
  }

  async openClip() {
    await this.openFile(CLIP);
    await this.byTestId('lane').first().waitFor({ timeout: 30_000 });
  }

  segmentCount() {
    return this.page.locator('[data-testid="segment"]').count();
  }

  async waitForSegments(n) {
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="segment"]').length === n, n, { timeout: 20_000 })
      .catch(async () => assert.fail(`expected ${n} segments, have ${await this.segmentCount()}`));
  }

  saveState() {
    return this.byTestId('save-state').evaluate((e) => ({ ...e.dataset }));
  }

  /** Waits until every edit made is committed (the page says "saved" only then). */
  async waitCommitted() {
    await this.page.waitForFunction(() => {
      const d = document.querySelector('[data-testid="save-state"]').dataset;
      return d.state === 'saved' && d.committed === d.seq;
    }, null, { timeout: 30_000 });
  }

  async projectName() {
    return this.byTestId('project-name').inputValue();
  }

  async waitForName(name) {
    await this.page.waitForFunction((want) => document.querySelector('[data-testid="project-name"]').value === want, name, { timeout: 20_000 })
      .catch(async () => assert.fail(`expected the name ${JSON.stringify(name)}, have ${JSON.stringify(await this.projectName())}`));
  }
}

/** A Chromium with a profile in `dir` (kept across restarts and kills); its one page. */
async function start(dir) {
  const context = await launchProfile(dir);
  const page = context.pages()[0] ?? await context.newPage();
  page.on('dialog', (d) => d.accept());
  return { context, app: new Durable(page) };
}

/** Kills every process of the Chromium running on profile `dir`, as a crash or `kill -9` would. */
function killChromium(dir) {
  try {
    execFileSync('pkill', ['-KILL', '-f', '--', `--user-data-dir=${dir}`]);
  } catch {
    // pkill exits 1 when nothing matched (already gone).
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('durability', () => {
  test(`${CYCLES} cycles of edit → reload or kill at a random 0–500 ms → reopen: no edit lost`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-durable-'));
    let { context, app } = await start(dir);
    const log = [];
    try {
      await app.ready();
      await app.openClip();
      await app.chooseLabel('nodd');
      let expected = 0;
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        // One new segment per cycle, in its own place on the lane (the clip has 60 frames).
        const at = (cycle % 18) / 20;
        if (cycle > 0 && cycle % 18 === 0) {
          // The lane is full: start over on a new project (its edits count the same).
          await app.byTestId('projects-menu').locator('summary').click();
          await app.byTestId('project-new').click();
          await app.waitForSegments(0);
          await app.openClip();
          await app.chooseLabel('nodd');
          expected = 0;
        }
        await app.dragLane(0, at + 0.005, at + 0.045);
        expected += 1;
        await app.waitForSegments(expected);
        const delay = Math.floor(Math.random() * 501);
        const kill = cycle % 2 === 1;
        await sleep(delay);
        if (kill) {
          killChromium(dir);
          await context.close().catch(() => {});
          ({ context, app } = await start(dir));
          await app.ready();
        } else {
          await app.page.reload();
          await app.byTestId('backend').waitFor();
          await app.page.waitForFunction(() => ['saved', 'failed'].includes(document.querySelector('[data-testid="save-state"]')?.dataset.state), null, { timeout: 30_000 });
        }
        await app.openClip();
        const got = await app.segmentCount();
        log.push({ cycle, how: kill ? 'kill' : 'reload', delay, expected, got });
        assert.equal(got, expected, `cycle ${cycle}: ${kill ? 'killed' : 'reloaded'} ${delay} ms after the edit: ${JSON.stringify(log)}`);
        await app.chooseLabel('nodd');
      }
      const lost = log.reduce((n, c) => n + Math.max(0, c.expected - c.got), 0);
      console.log(`durability: ${log.length} cycles (${log.filter((c) => c.how === 'kill').length} kills, ${log.filter((c) => c.how === 'reload').length} reloads), ${lost} edits lost`);
      assert.equal((await app.notices('error')).length, 0, JSON.stringify(await app.notices()));
    } finally {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('two tabs of one project: one edits, the other follows read-only and says why; taking over moves the editing, no edit lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-tabs-'));
    const { context, app: one } = await start(dir);
    try {
      await one.ready();
      await one.byTestId('project-name').fill('');
      await one.waitCommitted();
      const two = new Durable(await context.newPage());
      await two.ready();
      await two.byTestId('read-only').waitFor();
      assert.equal((await two.saveState()).role, 'following');
      assert.match(await two.byTestId('read-only').innerText(), /edited in another tab/);

      // 50 edits each, interleaved: tab one's land and tab two shows them; tab two's are refused.
      let name = '';
      for (let i = 0; i < 50; i++) {
        const c = String.fromCharCode(97 + (i % 26));
        await one.byTestId('project-name').press(c);
        name += c;
        await two.byTestId('project-name').press('Z');
        await two.waitForName(name);
      }
      await one.waitCommitted();
      assert.equal(await one.projectName(), name);

      // Tab two takes over: tab one says so and follows; tab two's 50 edits land.
      await two.byTestId('take-over').click();
      await two.page.waitForFunction(() => document.querySelector('[data-testid="save-state"]').dataset.role === 'editing', null, { timeout: 20_000 });
      await one.byTestId('read-only').waitFor();
      await two.byTestId('project-name').press('End');
      for (let i = 0; i < 50; i++) {
        const c = String.fromCharCode(65 + (i % 26));
        await two.byTestId('project-name').press(c);
        name += c;
        await one.byTestId('project-name').press('z');
        await one.waitForName(name);
      }
      await two.waitCommitted();
      await one.waitForName(name);

      // Stored: all 100 edits, whichever tab reads it.
      await two.page.close();
      await one.byTestId('read-only').waitFor({ state: 'detached', timeout: 20_000 });
      await one.page.reload();
      await one.ready();
      assert.equal(await one.projectName(), name);
      assert.equal(name.length, 100);
      assert.equal((await one.saveState()).role, 'editing');
    } finally {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a corrupted snapshot and a truncated log load with a message; nothing else is lost; the raw data exports', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-damage-'));
    let { context, app } = await start(dir);
    try {
      await app.ready();
      // Enough edits (one a key) to fold the log into a second snapshot.
      const name = Array.from({ length: 1010 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      const first = Number((await app.saveState()).snapshot);
      await app.byTestId('project-name').fill('');
      await app.byTestId('project-name').pressSequentially(name);
      await app.waitCommitted();
      // A newer snapshot than the first. Which edit it ends at depends on how fast the keys came:
      // a compaction that keys interrupt starts again once they pause.
      await app.page.waitForFunction((first) => Number(document.querySelector('[data-testid="save-state"]').dataset.snapshot) > first, first, { timeout: 60_000 });
      const { seq } = await app.saveState();
      await context.close();

      // Damage what is stored, as a failing disk or a bug could: the newest snapshot's text.
      ({ context, app } = await start(dir));
      await app.ready();
      const damage = (what) => app.page.evaluate((what) => new Promise((resolve, reject) => {
        const open = indexedDB.open('microact');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const store = what === 'snapshot' ? 'snapshots' : 'log';
          const tx = db.transaction([store], 'readwrite');
          const cursor = tx.objectStore(store).openCursor(null, 'prev');
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (what === 'snapshot') c.update({ ...c.value, parts: ['{"Head":{"name":"broken"', ...c.value.parts.slice(1)] });
            else c.update({ ...c.value, text: c.value.text.slice(0, c.value.text.length / 2) });
            tx.oncomplete = () => { db.close(); resolve(c.key); };
          };
          tx.onerror = () => reject(tx.error);
        };
      }), what);
      const snapshotKey = await damage('snapshot');
      assert.ok(snapshotKey[1] > first, JSON.stringify(snapshotKey));
      await app.page.reload();
      await app.ready();
      assert.equal(await app.projectName(), name, 'the older snapshot and the log give every edit');
      await app.waitForNotice(/stored damaged/);
      assert.match((await app.notices('error')).map((n) => n.text).join(' '), /snapshot after edit \d+ was left out/);
      assert.equal((await app.saveState()).seq, seq);

      // Then the last log entry, truncated: everything up to the edit before it is there.
      await app.waitCommitted();
      await app.byTestId('project-name').press('End');
      await app.byTestId('project-name').pressSequentially('XY');
      await app.waitCommitted();
      const logKey = await damage('log');
      await app.page.reload();
      await app.ready();
      assert.equal(await app.projectName(), `${name}X`, 'only the damaged edit is left out');
      await app.waitForNotice(/1 later edit left out/);

      // The raw records were kept, and export for support.
      await app.byTestId('data-panel').locator('summary').click();
      await app.page.waitForFunction(() => Number(document.querySelector('[data-testid="stored-damaged"]').dataset.count) >= 2, null, { timeout: 20_000 });
      const download = app.page.waitForEvent('download');
      await app.byTestId('export-stored').click();
      const raw = JSON.parse(await readFile(await (await download).path(), 'utf8'));
      assert.ok(raw.damaged.length >= 2, 'a raw copy per damaged load');
      assert.ok(raw.damaged.some((d) => typeof d.value === 'string' && d.value.includes(logKey[0]) && d.value.includes('"log"')), 'the copy holds the damaged project');
      // Editing goes on normally after a recovery.
      await app.byTestId('project-name').press('End');
      await app.byTestId('project-name').press('Q');
      await app.waitCommitted();
      await app.page.reload();
      await app.ready();
      assert.equal(await app.projectName(), `${name}XQ`);
    } finally {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the page asks for persistent storage and says what it got', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'microact-persist-'));
    const { context, app } = await start(dir);
    try {
      await app.ready();
      await app.byTestId('project-name').press('x');
      await app.waitCommitted();
      await app.byTestId('data-panel').locator('summary').click();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="storage-persisted"]').dataset.state !== 'unknown', null, { timeout: 20_000 });
      const state = await app.byTestId('storage-persisted').getAttribute('data-state');
      const browserSays = await app.page.evaluate(() => navigator.storage.persisted());
      assert.equal(state, browserSays ? 'persistent' : 'best-effort');
      assert.match(await app.byTestId('storage-persisted').innerText(), browserSays ? /persistent/ : /best-effort/);
    } finally {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });
});
