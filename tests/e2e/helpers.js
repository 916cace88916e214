// Shared test fixtures: every page load records console errors, uncaught exceptions and
// any request that leaves the page's own origin; each test fails if any occurred.
const { execFileSync } = require('child_process');
const path = require('path');
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

// The CLI (native) runs the same scenarios as the page; its last line is the summary.
const CLI = process.env.MQLAB_CLI || path.resolve(__dirname, '../../target/debug/mqlab-cli');

// What the core says for a scenario: the CLI's last line, as JSON.
function predict(args) {
  const out = execFileSync(CLI, ['run', ...args], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

// The ledger's counters as the page shows them ("Lost: 1").
async function ledgerCounters(page) {
  const ledger = page.getByRole('region', { name: 'Ledger' });
  const read = async (name) => {
    const text = await ledger.getByRole('listitem').filter({ hasText: new RegExp(`^${name}: \\d+$`) }).innerText();
    return Number(text.split(': ')[1]);
  };
  return {
    exactly_once: await read('Exactly once'),
    lost: await read('Lost'),
    duplicated: await read('Duplicated'),
    reordered: await read('Reordered'),
    in_doubt: await read('In doubt'),
  };
}

module.exports = { test, expect: base.expect, openSite, predict, ledgerCounters, CLI };
