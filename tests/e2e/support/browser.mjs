// Debian's Chromium, headless, as the tests drive it. Nothing is downloaded.
import { chromium } from 'playwright-core';

const BASE_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu', // WebGPU in headless Chromium (SwiftShader adapter)
  '--use-fake-device-for-media-stream', // a synthetic camera
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * @param {{ camera?: 'allow' | 'deny', cameraFile?: string }} options  allow: camera prompts are
 *   accepted; deny: they are refused, as when a person clicks Block. cameraFile: a `.y4m` clip the
 *   fake camera plays in a loop instead of its synthetic pattern.
 */
export function launch({ camera = 'allow', cameraFile } = {}) {
  const args = [...BASE_ARGS, camera === 'allow' ? '--use-fake-ui-for-media-stream' : '--deny-permission-prompts'];
  if (cameraFile) args.push(`--use-file-for-fake-video-capture=${cameraFile}`);
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
  });
}

/**
 * A browser with a profile in `dir` (a normal, not an incognito, profile: what Chromium wants
 * before it offers to install an app); returns its one context.
 */
export function launchProfile(dir) {
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...BASE_ARGS, '--use-fake-ui-for-media-stream'],
  });
}
