// End-to-end tests of the built site (dist/) in Debian's Chromium. Playwright never
// downloads a browser here. The site is served twice: at a domain root and under a
// sub-path (as GitHub Pages does), to prove its asset URLs are relative.
const { defineConfig } = require('@playwright/test');
const fs = require('fs');
const path = require('path');

// MQLAB_DIST and MQLAB_E2E_PORT let several builds be tested side by side.
const dist = path.resolve(process.env.MQLAB_DIST || path.resolve(__dirname, '../../dist'));
const subRoot = path.resolve(__dirname, `output/subpath-root-${process.env.MQLAB_E2E_PORT || 'default'}`);
fs.mkdirSync(subRoot, { recursive: true });
const mount = path.join(subRoot, 'mq-lab');
try { fs.unlinkSync(mount); } catch (_) { /* not there yet */ }
// Every worker process loads this file: two may make the same link at once.
try { fs.symlinkSync(dist, mount); } catch (error) { if (error.code !== 'EEXIST') throw error; }

const ROOT_PORT = Number(process.env.MQLAB_E2E_PORT || 4173);
const SUB_PORT = ROOT_PORT + 1;

module.exports = defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.js/,
  outputDir: `output/test-results-${process.env.MQLAB_E2E_PORT || 'default'}`,
  timeout: 60_000,
  fullyParallel: false,
  // One browser at a time: the tests hold the page's main-thread tasks to 50 ms of its
  // own work, and a second browser on the same cores inflates what each task measures.
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    // The page opens in the browser's language; the tests read English unless they ask
    // for another (language.spec.js).
    locale: 'en-US',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'root', use: { baseURL: `http://127.0.0.1:${ROOT_PORT}/` } },
    { name: 'subpath', use: { baseURL: `http://127.0.0.1:${SUB_PORT}/mq-lab/` }, grep: /@both/ },
  ],
  webServer: [
    {
      command: `python3 -m http.server ${ROOT_PORT} --bind 127.0.0.1 --directory "${dist}"`,
      url: `http://127.0.0.1:${ROOT_PORT}/index.html`,
      reuseExistingServer: false,
      stderr: 'ignore',
      timeout: 20_000,
    },
    {
      command: `python3 -m http.server ${SUB_PORT} --bind 127.0.0.1 --directory "${subRoot}"`,
      url: `http://127.0.0.1:${SUB_PORT}/mq-lab/index.html`,
      reuseExistingServer: false,
      stderr: 'ignore',
      timeout: 20_000,
    },
  ],
});
