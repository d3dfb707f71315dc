// microact's service worker: the whole app and every model file from the cache, so that after
// one visit the page starts and works with the network off. scripts/offline/build.mjs puts
// PRECACHE (every file of the build, with its sha256) and VERSION (a hash of that list) above
// this text after each build. A new version installs beside the old one and waits until the
// page asks it to take over ("A new version is ready — reload").
const CACHE = `microact-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // `cache: 'reload'` skips the HTTP cache: what is stored is what the server has now.
    await cache.addAll(PRECACHE.map((f) => new Request(f.url, { cache: 'reload' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('microact-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only this origin's GETs; nothing else is ever asked for.
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = (await cache.match(request, { ignoreSearch: true }))
      ?? (request.mode === 'navigate' ? await cache.match('./') : undefined);
    return hit ?? fetch(request);
  })());
});
