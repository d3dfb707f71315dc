// The app shell in headless Chromium: backends and their self-tests, a real clip, the camera,
// and the messages for files and cameras that cannot be used.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './support/browser.mjs';
import { fixture, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

// tests/fixtures/walk-2s.webm: 2 s, 640×360, VP9, 30 fps (see tests/fixtures/README.md).
const CLIP = fixture('walk-2s.webm');

const server = serveDuringTests();

async function withPage(options, body) {
  const browser = await launch(options);
  try {
    const app = new AppPage(await browser.newPage());
    await app.open(server.url);
    await body(app);
  } finally {
    await browser.close();
  }
}

describe('compute backends', () => {
  test('WebGPU is chosen, its self-test and the CPU self-test pass, with no console errors', async () => {
    await withPage({}, async (app) => {
      const webgpu = await app.selfTest();
      assert.equal(await app.backend(), 'webgpu');
      assert.equal(webgpu.state, 'passed', webgpu.text);
      await app.switchBackend();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="backend"]').dataset.backend === 'cpu');
      const cpu = await app.selfTest();
      assert.equal(cpu.state, 'passed', cpu.text);
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    });
  });
});

describe('a real clip', () => {
  test('loads, measures 30 fps, plays, steps frame by frame, and gives a plausible tensor', async () => {
    await withPage({}, async (app) => {
      await app.selfTest();
      await app.openFile(CLIP);
      assert.equal(await app.frameRate(), '30/1');
      await app.waitForFrame(0);
      const meta = await app.video();
      assert.deepEqual([meta.width, meta.height], [640, 360]);
      assert.match(await app.byTestId('source').innerText(), /walk-2s\.webm · 640×360 · 0:02\.000/);

      await app.byTestId('step-forward').click();
      await app.waitForFrame(1);
      await app.byTestId('step-forward').click();
      await app.waitForFrame(2);
      await app.byTestId('step-back').click();
      await app.waitForFrame(1);
      await app.page.keyboard.press('ArrowRight');
      await app.waitForFrame(2);

      await app.byTestId('play').click();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="video"]').currentTime > 0.5);
      await app.byTestId('play').click();
      assert.equal((await app.video()).paused, true);
      assert.ok((await app.frame()) >= 15, `frame after playing ${await app.frame()}`);

      for (const size of [192, 256]) {
        const t = await app.toTensor(size);
        assert.deepEqual(t.shape, [1, size, size, 3]);
        // Letterbox bars are black (0); the outdoor scene is mid-grey-ish with real contrast.
        assert.equal(t.min, 0);
        assert.ok(t.max > 150 && t.max <= 255, `max ${t.max}`);
        for (const m of t.mean) assert.ok(m > 20 && m < 200, `channel mean ${m}`);
        assert.ok(t.std > 20, `std ${t.std}`);
      }
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    });
  });
});

describe('files that cannot be played', () => {
  const cases = [
    { name: 'corrupt.mp4', mimeType: 'video/mp4', buffer: Buffer.from('this is not a video '.repeat(500)), message: /corrupt\.mp4 (cannot be played|could not be decoded)/ },
    { name: 'empty.webm', mimeType: 'video/webm', buffer: Buffer.alloc(0), message: /empty\.webm is empty \(0 bytes\)/ },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello'), message: /notes\.txt is not a video file/ },
  ];
  test('each gets a message naming the file, and the app keeps working', async () => {
    await withPage({}, async (app) => {
      await app.selfTest();
      for (const c of cases) {
        await app.openFile({ name: c.name, mimeType: c.mimeType, buffer: c.buffer });
        await app.waitForNotice(c.message);
      }
      await app.openFile(fixture('unsupported-codec.avi'));
      await app.waitForNotice(/unsupported-codec\.avi (cannot be played|could not be decoded)/);
      // Still usable: a good clip opens after the bad ones.
      await app.openFile(CLIP);
      assert.equal(await app.frameRate(), '30/1');
      assert.equal(await app.byTestId('source').getAttribute('data-kind'), 'clip');
    });
  });
});

describe('webcam', () => {
  test('starts with the fake camera, gives frames, and stops its tracks', async () => {
    await withPage({ camera: 'allow' }, async (app) => {
      await app.byTestId('camera-start').click();
      await app.page.waitForFunction(() => {
        const v = document.querySelector('[data-testid="video"]');
        return v.readyState >= 2 && v.videoWidth > 0 && !v.paused;
      });
      assert.equal(await app.byTestId('source').getAttribute('data-kind'), 'camera');
      assert.equal(await app.byTestId('camera-tracks').getAttribute('data-live'), '1');
      await app.selfTest();
      const t = await app.toTensor(192);
      assert.deepEqual(t.shape, [1, 192, 192, 3]);
      assert.ok(t.std > 5, `the fake camera shows a moving pattern, std ${t.std}`);
      await app.byTestId('camera-stop').click();
      await app.page.waitForFunction(() => document.querySelector('[data-testid="camera-tracks"]').dataset.live === '0');
      assert.equal(await app.byTestId('source').getAttribute('data-kind'), 'none');
      assert.deepEqual(await app.notices('error'), []);
    });
  });

  test('a denied permission says so in the page', async () => {
    await withPage({ camera: 'deny' }, async (app) => {
      await app.byTestId('camera-start').click();
      await app.waitForNotice(/Camera access was denied/);
      assert.equal(await app.byTestId('source').getAttribute('data-kind'), 'none');
    });
  });
});
