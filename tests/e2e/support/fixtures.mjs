// What the e2e tests share besides the browser: the built page served for one test file, the
// committed fixtures, the models' manifest.
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serveDist } from './server.mjs';

/** A file of tests/fixtures/. */
export const fixture = (name) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** models/manifest.json, read. */
export const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../../models/manifest.json', import.meta.url)), 'utf8'));

/** Serves dist/ from before the calling file's tests until after them; `url` once started. */
export function serveDuringTests() {
  let server;
  before(async () => {
    server = await serveDist();
  });
  after(async () => {
    await server?.close();
  });
  return {
    get url() {
      return server.url;
    },
  };
}
