// Page object for the microact page: what a person sees and does, by data-testid.
import assert from 'node:assert/strict';

export class AppPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    this.consoleErrors = [];
    page.on('console', (m) => m.type() === 'error' && this.consoleErrors.push(m.text()));
    page.on('pageerror', (e) => this.consoleErrors.push(String(e)));
  }

  byTestId(id) {
    return this.page.getByTestId(id);
  }

  async open(url) {
    await this.page.goto(url);
    await this.byTestId('backend').waitFor();
  }

  async backend() {
    return this.byTestId('backend').getAttribute('data-backend');
  }

  /** Runs the self-test unless it ran on this backend (the engine runs it when it starts), waits
   * for it to finish and returns its state and text. */
  async selfTest(timeout = 120_000) {
    const el = this.byTestId('selftest');
    if ((await el.getAttribute('data-state')) === 'none') await this.byTestId('run-selftest').click();
    await this.page.waitForFunction(
      (e) => ['passed', 'failed'].includes(e.dataset.state),
      await el.elementHandle(),
      { timeout },
    );
    return { state: await el.getAttribute('data-state'), text: await el.innerText() };
  }

  async switchBackend() {
    await this.byTestId('switch-backend').click();
  }

  /** Switches to `backend` ('webgpu' or 'cpu') unless it is in use, and waits for its self-test. */
  async useBackend(backend) {
    if ((await this.backend()) !== backend) await this.switchBackend();
    await this.selfTest();
    assert.equal(await this.backend(), backend);
  }

  async openFile(file) {
    await this.byTestId('open-file').setInputFiles(file);
  }

  /** Waits until the clip's frame rate is measured; returns it as "num/den". */
  /** A new error notice (the clip did not play, no rate could be read) ends the wait at once. */
  async frameRate(timeout = 60_000) {
    const el = this.byTestId('fps');
    const before = (await this.notices('error')).map((n) => n.text);
    await this.page.waitForFunction(
      ([e, before]) => e.dataset.fps !== ''
        || [...document.querySelectorAll('[data-testid="notice"][data-level="error"]')].some((n) => !before.includes(n.innerText)),
      [await el.elementHandle(), before],
      { timeout },
    );
    const fps = await el.getAttribute('data-fps');
    if (fps === '') assert.fail(`no frame rate; the page says ${JSON.stringify(await this.notices())}`);
    return fps;
  }

  async frame() {
    const value = await this.byTestId('frame').getAttribute('data-frame');
    return value === '' ? null : Number(value);
  }

  async waitForFrame(n, timeout = 10_000) {
    await this.page.waitForFunction(
      ([e, want]) => e.dataset.frame === String(want),
      [await this.byTestId('frame').elementHandle(), n],
      { timeout },
    );
  }

  async video() {
    return this.byTestId('video').evaluate((v) => ({
      paused: v.paused,
      currentTime: v.currentTime,
      width: v.videoWidth,
      height: v.videoHeight,
      readyState: v.readyState,
    }));
  }

  /** Opens the Diagnostics panel (the self-test's numbers, the frame probe, the pose benchmark). */
  async openDiagnostics() {
    const details = this.byTestId('diagnostics');
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  }

  async toTensor(size = 192) {
    await this.openDiagnostics();
    await this.byTestId('probe-size').selectOption(String(size));
    await this.byTestId('to-tensor').click();
    const el = this.byTestId('tensor');
    await this.page.waitForFunction(
      ([e, want]) => e?.dataset.shape === `1,${want},${want},3`,
      [await el.elementHandle({ timeout: 60_000 }), size],
      { timeout: 60_000 },
    );
    const d = await el.evaluate((e) => ({ ...e.dataset }));
    return {
      shape: d.shape.split(',').map(Number),
      mean: d.mean.split(',').map(Number),
      std: Number(d.std),
      min: Number(d.min),
      max: Number(d.max),
    };
  }

  /** Turns the pose overlay on with `model` (a name from models/manifest.json). */
  async enablePose(model) {
    await this.byTestId('pose-model').selectOption(model);
    const toggle = this.byTestId('pose-toggle');
    if (!(await toggle.isChecked())) await toggle.check();
  }

  /** The pose result for frame `n` by `model` on `backend` (and, given `inputs`, whose inputs
   * looked at start with it, e.g. `768×576`). */
  async poseResult(n, model, backend, timeout = 120_000, inputs = '') {
    const el = this.byTestId('pose-result');
    await this.page.waitForFunction(
      ([e, want]) => e.dataset.state === 'failed'
        || (e.dataset.state === 'ready' && e.dataset.frame === want.frame && e.dataset.model === want.model
          && e.dataset.backend === want.backend && (e.dataset.inputs || '').startsWith(want.inputs)),
      [await el.elementHandle(), { frame: String(n), model, backend, inputs }],
      { timeout },
    );
    const d = await el.evaluate((e) => ({ ...e.dataset, text: e.innerText }));
    assert.equal(d.state, 'ready', d.text);
    return { people: JSON.parse(d.people), ms: Number(d.ms), inputs: d.inputs };
  }

  async chooseLabel(query) {
    await this.byTestId('label-search').fill(query);
    await this.byTestId('label-search').press('Enter');
    await this.byTestId('label-search').press('Escape');
  }

  /** Drags across lane `i` from fraction f0 to f1 of its width. */
  async dragLane(i, f0, f1) {
    await this.byTestId('lane').nth(i).scrollIntoViewIfNeeded();
    const box = await this.byTestId('lane').nth(i).boundingBox();
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width * f0, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + box.width * (f0 + f1) / 2, y, { steps: 4 });
    await this.page.mouse.move(box.x + box.width * f1, y, { steps: 4 });
    await this.page.mouse.up();
  }

  async openIoMenu() {
    if (!(await this.byTestId('io-menu').evaluate((d) => d.open))) await this.byTestId('io-menu').locator('summary').click();
  }

  /** Exports the project as `format` (one file) through the menu; returns the download. */
  async exportAs(format) {
    await this.openIoMenu();
    await this.byTestId('export-format').selectOption(format);
    const got = this.page.waitForEvent('download');
    await this.byTestId('export').click();
    return got;
  }

  /** Waits until clip analysis is in one of `states` (or failed); returns its state and text. */
  async waitForAnalysis(states, timeout) {
    const el = this.byTestId('analysis');
    await this.page.waitForFunction(
      ([e, want]) => want.includes(e.dataset.state) || e.dataset.state === 'failed',
      [await el.elementHandle(), states],
      { timeout },
    );
    const a = await el.evaluate((e) => ({ ...e.dataset, text: e.innerText }));
    assert.ok(states.includes(a.state), a.text);
    return a;
  }

  /** Analyses the clip on screen to the end; returns the analysis's state and text. */
  async analyse(timeout = 300_000) {
    await this.byTestId('analyse').click();
    return this.waitForAnalysis(['done'], timeout);
  }

  async notices(level) {
    const items = this.byTestId('notice');
    const all = await items.evaluateAll((els) => els.map((e) => ({ level: e.dataset.level, text: e.innerText })));
    return level ? all.filter((n) => n.level === level) : all;
  }

  async waitForNotice(pattern, timeout = 20_000) {
    await this.page.waitForFunction(
      (source) => [...document.querySelectorAll('[data-testid="notice"]')].some((n) => new RegExp(source).test(n.innerText)),
      pattern.source,
      { timeout },
    );
  }

  assertNoConsoleErrors() {
    assert.deepEqual(this.consoleErrors, [], 'console errors');
  }
}
