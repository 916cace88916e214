// The protocol lab: the 2PC specification explored in the page for N = 3 gives the same
// distinct-state count, depth and invariant verdict as the CLI's explorer; the broken
// protocol shows a counterexample whose steps can be browsed.
const { execFileSync } = require('child_process');
const { test, expect, openSite, CLI } = require('./helpers');

function explore(args) {
  return JSON.parse(execFileSync(CLI, ['explore-2pc', ...args], { encoding: 'utf8' }).trim().split('\n').pop());
}

async function run(page, rms, broken) {
  await page.getByRole('tab', { name: 'Protocol lab' }).click();
  await page.getByLabel('Resource managers (N)').fill(String(rms));
  await page.getByLabel('Resource managers (N)').press('Tab');
  const box = page.getByRole('checkbox', { name: /Break the protocol/ });
  if (broken) await box.check(); else await box.uncheck();
  await page.getByRole('button', { name: 'Explore' }).click();
  const results = page.getByRole('region', { name: 'Results' });
  await expect(results).toBeVisible({ timeout: 20_000 });
  return results;
}

test('N = 3: the page explores the same state space as the CLI and the invariant holds', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const results = await run(page, 3, false);
  const cli = explore(['--rms', '3']);
  await expect(results.locator('[data-figure="distinct-states"]')).toHaveText(String(cli.distinct_states));
  await expect(results.locator('[data-figure="depth"]')).toHaveText(String(cli.max_depth));
  await expect(results.locator('[data-figure="invariant"]')).toContainText('holds in every state');
  // Browse: a state's successors open it, and its shortest path starts at the initial state.
  const browser = page.getByRole('region', { name: 'State browser' });
  await browser.getByRole('listitem').filter({ hasText: 'RM 0 prepares' }).getByRole('button').click();
  await expect(browser).toContainText('depth 1');
  await expect(browser.getByRole('button', { name: 'Initial state' })).toBeVisible();
  await page.screenshot({ path: 'output/screenshots/protocol-lab.png', fullPage: true });
});

test('N = 3, broken protocol: the counterexample is the CLI\'s and its path can be stepped through', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const results = await run(page, 3, true);
  const cli = explore(['--rms', '3', '--broken']);
  await expect(results.locator('[data-figure="distinct-states"]')).toHaveText(String(cli.distinct_states));
  await expect(results.locator('[data-figure="invariant"]')).toContainText(`violated in ${cli.violations} states`);
  await results.getByRole('button', { name: 'Show the counterexample' }).click();
  const browser = page.getByRole('region', { name: 'State browser' });
  await expect(browser).toContainText('inconsistent: one RM committed while another aborted');
  const path = browser.locator('ol.path button');
  // The initial state plus one button per step of the CLI's counterexample.
  await expect(path).toHaveCount(cli.counterexample.length + 1);
  for (const [i, action] of cli.counterexample.entries()) {
    await expect(path.nth(i + 1)).toHaveAttribute('title', action);
  }
  await page.screenshot({ path: 'output/screenshots/protocol-lab-broken.png', fullPage: true });
});
