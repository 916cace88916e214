// MQ Lab's service worker: keeps the site's own files so that it works offline once it
// has been loaded. It never contacts any other origin.
//
// On install it stores the page, every asset the page names (Trunk gives them hashed
// names, so a new build means new entries; the analysis, lessons and worlds modules and the crash
// matrix's worker are named by <meta> tags) and the parts loaded on demand. Requests go to the network first, so an
// online visitor always gets the latest build, and fall back to the stored copy offline.
const CACHE = 'mqlab-site';

// The parts that the page fetches only when they are first shown (src/lazy.rs): their
// words and stylesheets. They are stored with the rest, so that every part also opens
// offline. A test checks that this list names every file under static/text and
// static/parts.
const PARTS = [
  './parts/analysis.css',
  './parts/embed.css',
  './parts/exports.css',
  './parts/lesson-editor.css',
  './parts/lessons.css',
  './parts/panels.css',
  './parts/presenter.css',
  './parts/protocol-lab.css',
  './parts/real-systems.css',
  './parts/self-check.css',
  './parts/worlds.css',
  './text/en/analysis.txt',
  './text/en/challenges.txt',
  './text/en/cards.txt',
  './text/en/errors.txt',
  './text/en/files.txt',
  './text/en/kafka-txn.txt',
  './text/en/lessons-view.txt',
  './text/en/lessons.txt',
  './text/en/narration.txt',
  './text/en/outbox.txt',
  './text/en/page.txt',
  './text/en/panels.txt',
  './text/en/real-systems.txt',
  './text/en/settings.txt',
  './text/en/simulator.txt',
  './text/en/steps.txt',
  './text/en/world-lessons.txt',
  './text/en/worlds.txt',
  './text/zh-CN/analysis.txt',
  './text/zh-CN/challenges.txt',
  './text/zh-CN/cards.txt',
  './text/zh-CN/errors.txt',
  './text/zh-CN/files.txt',
  './text/zh-CN/kafka-txn.txt',
  './text/zh-CN/lessons-view.txt',
  './text/zh-CN/lessons.txt',
  './text/zh-CN/narration.txt',
  './text/zh-CN/outbox.txt',
  './text/zh-CN/page.txt',
  './text/zh-CN/panels.txt',
  './text/zh-CN/real-systems.txt',
  './text/zh-CN/settings.txt',
  './text/zh-CN/simulator.txt',
  './text/zh-CN/steps.txt',
  './text/zh-CN/world-lessons.txt',
  './text/zh-CN/worlds.txt',
];

async function precache() {
  const cache = await caches.open(CACHE);
  const page = await fetch('./', { cache: 'no-cache' });
  if (!page.ok) return;
  const html = await page.clone().text();
  await cache.put('./', page);
  const assets = new Set();
  for (const match of html.matchAll(/(?:href|src|content|module_or_path:|from)\s*=?\s*["']\.\/([^"'#?]+)["']/g)) {
    assets.add('./' + match[1]);
  }
  for (const part of PARTS) assets.add(part);
  await Promise.all([...assets].map(async (asset) => {
    const response = await fetch(asset, { cache: 'no-cache' });
    if (response.ok) await cache.put(asset, response);
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: true })
        || (request.mode === 'navigate' ? await cache.match('./') : undefined);
      if (cached) return cached;
      throw error;
    }
  })());
});
