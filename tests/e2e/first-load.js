// What the first view fetches, measured in headless Chromium: opens the built site
// (dist/) at its default view, waits until the page is drawn and the network is quiet,
// and prints as JSON every file of the site that the page requested, relative to dist/.
// Run by scripts/test, whose size report gzips these files and holds them to the budget.
//   node first-load.js DIST_DIR
const path = require('path');
const { serve, launch } = require('./static-site');

const dist = path.resolve(process.argv[2]);
(async () => {
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await launch();
  try {
    // No service worker: what it stores in the background for offline use is not part of
    // what the view needs, and a first visit has none installed yet anyway.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const page = await context.newPage();
    const fetched = new Set();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin + '/' !== base) return;
      fetched.add(url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1)));
    });
    await page.goto(base);
    await page.locator('main[data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.waitForLoadState('networkidle');
    console.log(JSON.stringify([...fetched].sort()));
  } finally {
    await browser.close();
    server.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
