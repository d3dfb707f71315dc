// Pose in the page against TensorFlow.js: real frames, stored losslessly in a video (VP9
// lossless RGB, which Chromium decodes bit-exactly), go through the app as any clip does; the
// keypoints it reports must match what TF.js gives on the same frames with Google's graphs
// (tests/fixtures/pose/*.tfjs.json, from scripts/reference/movenet.mjs). Same bar as the native
// golden tests: 0.5 px at the network input and 0.01 in score.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch } from './support/browser.mjs';
import { serveDuringTests } from './support/fixtures.mjs';
import { AppPage } from './support/app-page.mjs';

const fixture = (name) => fileURLToPath(new URL(`../fixtures/pose/${name}`, import.meta.url));
const reference = (name) => JSON.parse(readFileSync(fixture(name), 'utf8')).frames;

const server = serveDuringTests();

/** Largest keypoint distance (input px) and score difference between the page and TF.js. */
function compare(ours, theirs, side) {
  let px = 0;
  let score = 0;
  ours.forEach(([y, x, s], k) => {
    const [ty, tx, ts] = theirs[k];
    px = Math.max(px, Math.hypot(y - ty, x - tx) * side);
    score = Math.max(score, Math.abs(s - ts));
  });
  return { px, score };
}

async function stepThrough(app, frames, model, backend, check) {
  for (let n = 0; n < frames.length; n += 1) {
    if (n > 0) await app.byTestId('step-forward').click();
    await app.waitForFrame(n);
    const result = await app.poseResult(n, model, backend);
    check(frames[n], result);
  }
}

describe('pose in the page', () => {
  test('SinglePose keypoints equal TF.js on five real frames, on WebGPU and on the CPU', async () => {
    const browser = await launch();
    try {
      const app = new AppPage(await browser.newPage());
      await app.open(server.url);
      await app.selfTest();
      await app.openFile(fixture('singlepose-frames.webm'));
      assert.equal(await app.frameRate(), '5/1');
      await app.enablePose('movenet-lightning');
      const golden = reference('movenet-lightning.tfjs.json');
      const frames = Object.keys(golden).sort();
      for (const backend of ['WebGPU', 'CPU']) {
        if (backend === 'CPU') {
          await app.switchBackend();
          await app.selfTest();
          await app.byTestId('step-back').click(); // back to frame 0 through the others
          for (let n = frames.length - 2; n >= 0; n -= 1) {
            await app.waitForFrame(n);
            if (n > 0) await app.byTestId('step-back').click();
          }
        }
        await stepThrough(app, frames, 'movenet-lightning', backend, (name, { people, ms }) => {
          assert.equal(people.length, 1, `${name}: one person`);
          const { px, score } = compare(people[0].input, golden[name], 192);
          console.log(`${backend} ${name}: worst ${px.toFixed(4)} px, score ${score.toFixed(5)}, ${ms} ms`);
          assert.ok(px <= 0.5 && score <= 0.01, `${backend} ${name}: ${px} px, score ${score}`);
          // Drawn over the video: the overlay has the video's size.
        });
      }
      const overlay = await app.byTestId('pose-overlay').evaluate((c) => [c.width, c.height]);
      assert.deepEqual(overlay, [192, 192]);
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });

  test('MultiPose finds the people TF.js finds, with the same keypoints, and ids', async () => {
    const browser = await launch();
    try {
      const app = new AppPage(await browser.newPage());
      await app.open(server.url);
      await app.selfTest();
      await app.switchBackend(); // the CPU: SwiftShader runs the wider network slowly
      await app.selfTest();
      await app.openFile(fixture('multipose/multipose-frames.webm'));
      assert.equal(await app.frameRate(), '5/1');
      await app.enablePose('movenet-multipose');
      const golden = reference('multipose/movenet-multipose.tfjs.json');
      const frames = Object.keys(golden).sort();
      await stepThrough(app, frames, 'movenet-multipose', 'CPU', (name, { people }) => {
        // TF.js pose-detection keeps people scoring at least 0.25; so does the page.
        const expected = golden[name].filter((row) => row[55] >= 0.25);
        assert.equal(people.length, expected.length, `${name}: people`);
        assert.ok(people.length >= 1, `${name}: somebody`);
        people.forEach((person, i) => {
          const rows = [];
          for (let k = 0; k < 17; k += 1) rows.push(expected[i].slice(3 * k, 3 * k + 3));
          const { px, score } = compare(person.input, rows, 256);
          console.log(`MultiPose ${name} person ${person.id}: worst ${px.toFixed(4)} px, score ${score.toFixed(5)}`);
          assert.ok(px <= 0.5 && score <= 0.01, `${name} person ${i}: ${px} px, score ${score}`);
          assert.ok(Math.abs(person.score - expected[i][55]) <= 0.01, `${name} person score`);
          assert.ok(person.id >= 1);
        });
      });
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });

  test('MultiPose at a chosen input size (512 × 288) finds what TF.js finds at that size', async () => {
    const browser = await launch();
    try {
      const app = new AppPage(await browser.newPage());
      await app.open(server.url);
      await app.useBackend('cpu');
      await app.openFile(fixture('multipose/sizes/walk-3s.512x288.webm'));
      assert.equal(await app.frameRate(), '5/1');
      await app.byTestId('multipose-side').selectOption('512');
      await app.enablePose('movenet-multipose');
      const expected = reference('multipose/sizes/movenet-multipose.tfjs.json')['walk-3s.512x288']
        .filter((row) => row[55] >= 0.25);
      const { people, ms } = await app.poseResult(0, 'movenet-multipose', 'CPU');
      assert.equal(people.length, expected.length, 'people');
      assert.ok(people.length >= 2, 'the walker and the person on the roof');
      people.forEach((person, i) => {
        let px = 0;
        person.input.forEach(([y, x, s], k) => {
          const [ty, tx, ts] = expected[i].slice(3 * k, 3 * k + 3);
          px = Math.max(px, Math.hypot((y - ty) * 288, (x - tx) * 512));
          assert.ok(Math.abs(s - ts) <= 0.01, `person ${i} keypoint ${k} score`);
        });
        console.log(`MultiPose 512x288 person ${person.id}: worst ${px.toFixed(4)} px; pose ${ms} ms`);
        assert.ok(px <= 0.5, `person ${i}: ${px} px`);
      });
      assert.deepEqual(await app.notices('error'), []);
      app.assertNoConsoleErrors();
    } finally {
      await browser.close();
    }
  });
});
