// Nothing leaves the page, and it works with the network off:
//   - every request of a whole session (a clip opened, the camera, skeletons and live actions,
//     clip analysis, a segment labelled, exports) goes to the page's own origin, and none sends
//     a body (no upload of anything);
//   - the page's policy is the one index.html states, with Trunk's loader hashed in;
//   - after one online visit (the service worker has cached the app and every model file), the
//     same page offline starts, estimates poses, analyses a clip, saves a labelled segment and
//     restores it after a reload.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, launchProfile } from './support/browser.mjs';
import { fixture, manifest, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('walk-2s.webm');

const server = serveDuringTests();

/** Every request the context makes (page and service worker), as the browser sends it. */
function recordRequests(context) {
  const seen = [];
  context.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postDataBuffer()?.length ?? 0 }));
  return seen;
}

function assertOnlyOwnOrigin(seen, origin) {
  assert.ok(seen.length > 0, 'requests were recorded');
  const elsewhere = seen.filter((r) => {
    const url = new URL(r.url);
    return url.protocol !== 'blob:' && url.protocol !== 'data:' && url.origin !== origin;
  });
  assert.deepEqual(elsewhere, [], 'requests to another origin');
  const sent = seen.filter((r) => !['GET', 'HEAD'].includes(r.method) || r.body > 0);
  assert.deepEqual(sent, [], 'requests that send something');
}

/** Waits until the service worker has cached everything and controls the page. */
async function waitOffline(app) {
  await app.page.waitForFunction(() => document.querySelector('[data-testid="offline"]')?.dataset.state === 'ready', null, { timeout: 120_000 });
  await app.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

/** Labels a segment across the first lane (20 % to 60 % of its width) and waits for the save. */
async function labelSegment(app) {
  await app.chooseLabel('bowl');
  await app.dragLane(0, 0.2, 0.6);
  await app.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="segment"]')].some((e) => e.dataset.status === 'accepted'));
  await app.page.waitForTimeout(500);
  await app.page.waitForFunction(() => document.querySelector('[data-testid="save-state"]').dataset.state === 'saved', null, { timeout: 10_000 });
}

describe('privacy', () => {
  test('a whole session asks only its own origin and uploads nothing', async () => {
    const browser = await launch({ cameraFile: fixture('walk-2s.y4m') });
    try {
      const context = await browser.newContext({ acceptDownloads: true });
      const seen = recordRequests(context);
      const app = new AppPage(await context.newPage());
      const response = await app.page.goto(server.url);
      await app.byTestId('backend').waitFor();
      await app.useBackend('cpu');

      // The policy the page runs under: the meta tag, with the loader's hash put in.
      const policy = await app.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert.match(policy, /default-src 'self'/);
      assert.match(policy, /connect-src 'self'/);
      assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
      const scripts = policy.split(';').find((d) => d.trim().startsWith('script-src'));
      assert.doesNotMatch(scripts, /'unsafe-inline'|'unsafe-eval'/, 'no inline or eval scripts');
      assert.match(response.headers()['content-security-policy'], /frame-ancestors 'none'/);

      // Camera, skeletons, live actions.
      await app.byTestId('camera-start').click();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="video"]').videoWidth === 320);
      await app.enablePose('movenet-lightning');
      await app.page.waitForFunction(() => document.querySelector('[data-testid="actions"]').dataset.state === 'ready', null, { timeout: 120_000 });
      await app.byTestId('camera-stop').click();

      // A clip: analysis, a labelled segment, every export.
      await app.openFile(CLIP);
      await app.frameRate();
      await app.byTestId('lane').first().waitFor();
      await app.analyse();
      await app.byTestId('label-set').selectOption('penn_action');
      await labelSegment(app);
      let shared;
      for (const format of ['native', 'via3', 'elan', 'csv', 'skeletons']) {
        const file = await (await app.exportAs(format)).path();
        if (format === 'skeletons') shared = JSON.parse(readFileSync(file, 'utf8')).project;
      }
      // The skeleton export: poses, labels and boxes; no name, hash or size of the clip.
      assert.ok(shared.poses.length >= 1 && shared.poses[0].frames.length > 0, 'pose tracks');
      assert.ok(shared.tracks.some((t) => t.segments.length > 0), 'segments');
      assert.deepEqual(shared.videos.map((v) => [v.name, v.hash, v.bytes]), [['video-1', '', 0]]);
      assert.doesNotMatch(JSON.stringify(shared), /walk-2s/);
      await waitOffline(app);

      assertOnlyOwnOrigin(seen, new URL(server.url).origin);
      // The models came from the page's own folder, and the clip's bytes went nowhere.
      const urls = seen.map((r) => new URL(r.url).pathname);
      assert.ok(urls.includes('/models/manifest.json'), 'the manifest was fetched');
      assert.ok(!urls.some((u) => u.includes('walk-2s')), 'the clip was never requested over the network');
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });

  test('after one visit it starts, estimates, analyses and saves with the network off', async () => {
    const browser = await launch();
    try {
      const context = await browser.newContext();
      const app = new AppPage(await context.newPage());
      await app.open(server.url);
      await waitOffline(app);
      // Every model file of the manifest is in the cache.
      const cached = await app.page.evaluate(async () => {
        const names = [];
        for (const key of await caches.keys()) {
          for (const r of await (await caches.open(key)).keys()) names.push(new URL(r.url).pathname);
        }
        return names;
      });
      for (const m of manifest.models) assert.ok(cached.includes(`/models/${m.file}`), `${m.file} is cached`);

      await context.setOffline(true);
      const seen = recordRequests(context);
      await app.page.reload();
      await app.byTestId('backend').waitFor();
      await app.useBackend('cpu');
      assert.equal(await app.byTestId('offline').getAttribute('data-state'), 'ready');
      await app.openFile(CLIP);
      assert.equal(await app.frameRate(), '30/1');
      await app.waitForFrame(0);
      await app.enablePose('movenet-lightning');
      const pose = await app.poseResult(0, 'movenet-lightning', 'CPU');
      assert.ok(pose.people.length >= 1, 'a person found offline');
      const done = await app.analyse();
      assert.equal(done.tracks, '1', done.text);
      await app.byTestId('label-set').selectOption('penn_action');
      await labelSegment(app);
      const before = await app.page.locator('[data-testid="segment"]').count();

      // Still offline: the reload restores the project from this browser's storage.
      await app.page.reload();
      await app.byTestId('backend').waitFor();
      await app.openFile(CLIP);
      await app.page.waitForFunction((n) => document.querySelectorAll('[data-testid="segment"]').length === n, before, { timeout: 20_000 });
      // Nothing went out: every request was answered by the service worker.
      assertOnlyOwnOrigin(seen, new URL(server.url).origin);
      assert.deepEqual(await app.notices('error'), []);
    } finally {
      await browser.close();
    }
  });

  test('"Your data" lists what is stored, and deletes all of it', async () => {
    const browser = await launch();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('dialog', (d) => d.accept());
      const app = new AppPage(page);
      await app.open(server.url);
      await app.useBackend('cpu');
      await app.openFile(CLIP);
      await app.frameRate();
      await app.byTestId('lane').first().waitFor();
      await app.byTestId('label-set').selectOption('penn_action');
      await labelSegment(app);

      await app.byTestId('data-panel').locator('summary').click();
      const projects = app.byTestId('stored-projects');
      await page.waitForFunction((e) => Number(e.dataset.count) >= 1 && Number(e.dataset.bytes) > 0, await projects.elementHandle());
      // Counted after the panel opens, and again after each save while it is open.
      await page.waitForFunction((e) => Number(e.dataset.count) >= 1, await app.byTestId('stored-settings').elementHandle());
      assert.match(await app.byTestId('stored-settings').innerText(), /^[1-9]\d* setting/);
      assert.match(await app.byTestId('storage-usage').innerText(), /This site uses [\d.]+ [kMG]?B/);
      assert.match(await app.byTestId('data-panel').innerText(), /never stored or sent/);

      await app.byTestId('delete-everything').click();
      await app.waitForNotice(/Everything microact stored in this browser was deleted/);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="segment"]').length === 0);
      // Whatever is stored now is only the new, empty project: nothing of the labelled one.
      const stored = await page.evaluate(() => new Promise((ok, fail) => {
        const open = indexedDB.open('microact');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = [...db.objectStoreNames];
          const tx = db.transaction(names);
          const out = [];
          for (const name of names) {
            const all = tx.objectStore(name).getAll();
            all.onsuccess = () => out.push(JSON.stringify(all.result));
          }
          tx.oncomplete = () => ok(out);
          tx.onerror = () => fail(tx.error);
        };
      }));
      assert.ok(stored.length >= 4, 'every store read');
      for (const records of stored) {
        assert.doesNotMatch(records, /PutSegment|\\?"segments\\?":\s*\[\s*\{/, 'no segment is stored');
      }
      assert.deepEqual(await app.notices('error'), []);
    } finally {
      await browser.close();
    }
  });

  test('Chromium can install it as an app', async () => {
    const context = await launchProfile(await mkdtemp(join(tmpdir(), 'microact-profile-')));
    try {
      const page = await context.newPage();
      const app = new AppPage(page);
      await app.open(server.url);
      await waitOffline(app);
      const cdp = await context.newCDPSession(page);
      const manifestErrors = (await cdp.send('Page.getAppManifest')).errors;
      assert.deepEqual(manifestErrors, [], 'the web app manifest reads cleanly');
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, [], 'nothing keeps Chromium from installing it');
    } finally {
      await context.close();
    }
  });
});
