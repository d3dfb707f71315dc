// Refreshes the screenshots of the page's main states in docs/screenshots/ (1280×720, light and
// dark): the empty page, the workspace with labelled tracks, the keyboard help, an import
// waiting for merge-or-replace, a two-person clip analysed into a track per person with
// proposals and confidence strips.
//
//   trunk build --release && node scripts/screenshots.mjs
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/e2e/support/browser.mjs';
import { serveDist } from '../tests/e2e/support/server.mjs';

const CLIP = fileURLToPath(new URL('../tests/fixtures/walk-2s.webm', import.meta.url));
const TWO_PEOPLE = fileURLToPath(new URL('../tests/fixtures/two-people-2s.webm', import.meta.url));
const out = resolve('docs/screenshots');
await mkdir(out, { recursive: true });
const server = await serveDist(resolve('dist'));
const browser = await launch();
try {
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
    const page = await context.newPage();
    const shot = async (name) => {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${out}/${name}-${scheme}.png` });
    };
    await page.goto(server.url);
    await page.getByTestId('backend').waitFor();
    await page.waitForTimeout(500);
    await shot('empty');

    await page.getByTestId('open-file').setInputFiles(CLIP);
    await page.waitForFunction(() => document.querySelector('[data-testid="fps"]').dataset.fps !== '');
    await page.getByTestId('lane').first().waitFor();
    const drag = async (lane, f0, f1) => {
      const box = await page.getByTestId('lane').nth(lane).boundingBox();
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width * f0, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * f1, y, { steps: 5 });
      await page.mouse.up();
    };
    const label = async (q) => {
      // Nothing selected: choosing a label would relabel it.
      await page.evaluate(() => document.activeElement?.blur());
      await page.keyboard.press('Escape');
      await page.getByTestId('label-search').fill(q);
      await page.getByTestId('label-search').press('Enter');
      await page.getByTestId('label-search').press('Escape');
    };
    await page.getByTestId('track-description').first().fill('the woman walking towards the camera');
    await label('turning head'); await drag(0, 0.02, 0.45);
    await label('turning around'); await drag(0, 0.5, 0.8);
    await page.getByTestId('add-track').click();
    await page.getByTestId('track-description').nth(1).fill('the man standing on the right');
    await label('crossing arms'); await drag(1, 0.1, 0.9);
    await page.getByTestId('label-search').fill('');
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    await shot('workspace');

    await page.keyboard.press('?');
    await page.getByTestId('help').waitFor();
    await shot('help');
    await page.keyboard.press('Escape');

    await page.getByTestId('io-menu').locator('summary').click();
    await shot('import-export');
    await page.getByTestId('io-menu').locator('summary').click();

    // A two-person clip analysed on the CPU for everyone: a track per person, their proposals
    // and the recognizer's confidence under each lane.
    await page.getByTestId('selftest').and(page.locator('[data-state="passed"]')).waitFor({ timeout: 120_000 });
    await page.getByTestId('switch-backend').click();
    await page.getByTestId('selftest').and(page.locator('[data-state="passed"]')).waitFor({ timeout: 120_000 });
    await page.getByTestId('open-file').setInputFiles(TWO_PEOPLE);
    await page.waitForFunction(() => document.querySelector('[data-testid="fps"]').dataset.fps !== '');
    await page.getByTestId('lane').first().waitFor();
    await page.getByTestId('analysis-people').selectOption('everyone');
    await page.getByTestId('analyse').click();
    await page.getByTestId('analysis').and(page.locator('[data-state="done"]')).waitFor({ timeout: 300_000 });
    await page.getByTestId('lane').last().scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${out}/analysis-${scheme}.png` });
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`screenshots in ${out}`);
