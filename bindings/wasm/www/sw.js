// Service worker of the citizen site: keeps the app shell, the engine and the pack in the
// browser's cache so that the self-check works with the network off after the first visit.
//
// `cargo xtask` fills in VERSION (a hash of every file below) and FILES when it builds the
// site; a new build is a new cache, and the page offers to reload when one is waiting.
const VERSION = "__SARING_VERSION__";
const FILES = __SARING_FILES__;
const CACHE = `saring-citizen-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("saring-citizen-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

// The page asks a waiting worker to take over after the person agreed to reload.
self.addEventListener("message", (event) => {
  if (event.data === "activate") self.skipWaiting();
});

// Cache first, for this site's own files only; nothing else is ever fetched.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(event.request, { ignoreSearch: true });
      if (hit) return hit;
      if (event.request.mode === "navigate") {
        const shell = await cache.match("./index.html");
        if (shell) return shell;
      }
      return fetch(event.request);
    })(),
  );
});
