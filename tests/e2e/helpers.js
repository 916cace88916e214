// Shared test fixtures: every page load records console errors, uncaught exceptions and
// any request that leaves the page's own origin; each test fails if any occurred.
const base = require('@playwright/test');

const test = base.test.extend({
  guarded: async ({ page, baseURL }, use) => {
    const problems = [];
    const origin = new URL(baseURL).origin;
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
    page.on('request', (req) => {
      const url = req.url();
      if (url.startsWith('data:') || url.startsWith('blob:')) return;
      if (new URL(url).origin !== origin) problems.push(`request outside the origin: ${url}`);
    });
    await use({ page, problems });
    base.expect(problems, problems.join('\n')).toEqual([]);
  },
});

// Opens the site (relative to the project's baseURL) and waits for the app to mount.
async function openSite(page, fragment = '') {
  await page.goto(`./${fragment}`);
  await page.locator('main[data-ready="true"]').waitFor({ timeout: 20_000 });
}

module.exports = { test, expect: base.expect, openSite };
