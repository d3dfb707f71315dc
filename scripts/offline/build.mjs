// After each build (a Trunk post_build hook, on TRUNK_STAGING_DIR; by hand: node
// scripts/offline/build.mjs dist):
//   1. writes sw.js: scripts/offline/sw.js under the list of every file of the build (the app,
//      its styles and icons, models/), each with its sha256 and size, and a version that is the
//      hash of that list, so that any changed file makes a new version;
//   2. puts the sha256 of each inline script Trunk wrote into index.html (its module loader) in
//      the Content-Security-Policy's script-src, which then needs no 'unsafe-inline'.
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist';
const here = dirname(fileURLToPath(import.meta.url));
const sha256 = (bytes, encoding = 'hex') => createHash('sha256').update(bytes).digest(encoding);

async function files(root) {
  const out = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

// 1. The inline scripts' hashes into the policy (before index.html is hashed for the list).
const indexPath = join(dir, 'index.html');
let index = await readFile(indexPath, 'utf8');
const inline = [...index.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${sha256(m[1], 'base64')}'`);
const policy = /(script-src[^;"]*)'inline-scripts'/;
if (!policy.test(index)) throw new Error(`offline: ${indexPath} has no 'inline-scripts' in its Content-Security-Policy's script-src`);
index = index.replace(policy, (_, before) => `${before}${inline.join(' ') || "'none'"}`);
await writeFile(indexPath, index);

// 2. The precache list and the worker.
const list = [];
for (const path of (await files(dir)).sort()) {
  const name = relative(dir, path).split('\\').join('/');
  if (name === 'sw.js') continue;
  const bytes = await readFile(path);
  list.push({ url: name === 'index.html' ? './' : name, sha256: sha256(bytes), bytes: bytes.length });
}
const version = sha256(JSON.stringify(list)).slice(0, 16);
const template = await readFile(join(here, 'sw.js'), 'utf8');
await writeFile(join(dir, 'sw.js'), `const VERSION = '${version}';\nconst PRECACHE = ${JSON.stringify(list, null, 1)};\n\n${template}`);
const total = list.reduce((n, f) => n + f.bytes, 0);
console.log(`offline: sw.js version ${version}, ${list.length} files (${(total / 1e6).toFixed(2)} MB) precached; ${inline.length} inline script(s) hashed into the CSP`);
