// Live actions in the page: a real clip plays with skeletons on, MoveNet's first person goes
// through the streaming recognizer shipped in models/ (penn-ddnet), and the panel shows its top
// five classes with the unknown score, on WebGPU and on the CPU.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './support/browser.mjs';
import { fixture, manifest, serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const CLIP = fixture('walk-2s.webm');
// The same real clip as the fake camera's feed (320×180, 10 fps, played in a loop).
const CAMERA = fixture('walk-2s.y4m');
const classes = manifest.models.find((m) => m.name === 'penn-ddnet').recognizer.classes;

const server = serveDuringTests();

/** Plays the clip slowly and in a loop until the actions panel shows a guess; returns it. */
async function liveGuess(app, backend) {
  await app.byTestId('video').evaluate((v) => { v.loop = true; v.playbackRate = 0.25; });
  await app.byTestId('play').click();
  return guess(app, backend);
}

/** Waits until the actions panel shows a guess made on `backend`; returns it. */
async function guess(app, backend) {
  const el = app.byTestId('actions');
  await app.page.waitForFunction(
    ([e, want]) => e.dataset.state === 'failed' || (e.dataset.state === 'ready' && e.dataset.backend === want),
    [await el.elementHandle(), backend],
    { timeout: 420_000 },
  );
  const d = await el.evaluate((e) => ({ ...e.dataset, text: e.innerText }));
  assert.equal(d.state, 'ready', d.text);
  return { top: JSON.parse(d.top), unknown: Number(d.unknown), ms: Number(d.recognizerMs), text: d.text };
}

function check(backend, { top, unknown, ms, text }) {
  console.log(`${backend}: ${text}; top ${top.map(([c, p]) => `${c} ${p.toFixed(3)}`).join(', ')}; unknown ${unknown}`);
  assert.equal(top.length, 5);
  assert.equal(new Set(top.map(([c]) => c)).size, 5, 'five different classes');
  for (const [c, p] of top) {
    assert.ok(classes.includes(c), `${c} is one of the recognizer's classes`);
    assert.ok(p >= 0 && p <= 1, `${c}: ${p}`);
  }
  for (let i = 1; i < top.length; i += 1) assert.ok(top[i - 1][1] >= top[i][1], 'most probable first');
  assert.ok(top.reduce((s, [, p]) => s + p, 0) <= 1 + 1e-4, 'probabilities of one distribution');
  assert.ok(Math.abs(unknown - (1 - top[0][1])) < 2e-3, `unknown ${unknown} is 1 − top probability`);
  assert.ok(ms > 0, 'the recognizer took time');
}

describe('live actions', () => {
  test('a playing clip gives top-5 actions and an unknown score, on WebGPU and on the CPU', async () => {
    const browser = await launch();
    try {
      const app = new AppPage(await browser.newPage());
      await app.open(server.url);
      await app.selfTest();
      assert.equal(await app.byTestId('actions').getAttribute('data-state'), 'idle');
      await app.openFile(CLIP);
      await app.frameRate();
      await app.enablePose('movenet-lightning');
      const gpu = await liveGuess(app, 'WebGPU');
      check('WebGPU', gpu);
      assert.ok(await app.page.locator('.top-actions li').count() === 5);

      await app.byTestId('play').click(); // pause
      await app.switchBackend();
      await app.selfTest();
      const cpu = await liveGuess(app, 'CPU');
      check('CPU', cpu);
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });

  test('the camera (a real clip through Chromium\'s fake device) gives top-5 actions', async () => {
    const browser = await launch({ cameraFile: CAMERA });
    try {
      const app = new AppPage(await browser.newPage());
      await app.open(server.url);
      // The CPU backend: SwiftShader's WebGPU needs seconds a frame (the clip test covers both).
      await app.useBackend('cpu');
      await app.byTestId('camera-start').click();
      await app.page.waitForFunction(() => {
        const v = document.querySelector('[data-testid="video"]');
        return v.readyState >= 2 && v.videoWidth === 320 && !v.paused;
      });
      assert.equal(await app.byTestId('source').getAttribute('data-kind'), 'camera');
      await app.enablePose('movenet-lightning');
      const live = await guess(app, 'CPU');
      check('camera on CPU', live);
      // The skeleton is the clip's walker: the pose panel found a person on the camera's frames.
      // (The fake camera loops the clip: a frame read at any one moment may be the loop's seam,
      // so wait for a pose result with the person rather than read whichever is last.)
      await app.page.waitForFunction(
        () => JSON.parse(document.querySelector('[data-testid="pose-result"]')?.dataset.people || '[]').length >= 1,
        null,
        { timeout: 60_000 },
      ).catch(() => assert.fail('a person on the camera frame'));
      await app.byTestId('camera-stop').click();
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });
});
