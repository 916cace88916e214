// What the first view fetches, measured in headless Chromium: opens the built site
// (dist/) at its default view, waits until the page is drawn and the network is quiet,
// and prints as JSON every file of the site that the page requested, relative to dist/.
// Run by scripts/test, whose size report gzips these files and holds them to the budget.
//   node first-load.js DIST_DIR
const http = require('http');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const dist = path.resolve(process.argv[2]);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.txt': 'text/plain' };

function serve() {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0].split('#')[0]);
    const file = path.join(dist, url.endsWith('/') ? url + 'index.html' : url);
    if (!file.startsWith(dist) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

(async () => {
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
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
