// Sharing: a copied link reproduces the run in a fresh page (same ledger, same step); an
// exported scenario file gives the same trace hash in the CLI (native) as in the page
// (WebAssembly); bad links and files get a clear message and keep the current run.
const { execFileSync } = require('child_process');
const fs = require('fs');
const base = require('@playwright/test');
const { test, expect, openSite, CLI } = require('./helpers');

async function ledgerText(page) {
  return page.getByRole('region', { name: 'Ledger' }).innerText();
}

async function armAndStep(page, mode, point, steps) {
  await page.getByLabel('Delivery mode').selectOption({ label: mode });
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption(point);
  await group.getByLabel('For message').selectOption('2');
  await group.getByRole('button', { name: 'Arm' }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowRight');
}

test('a copied link opens the same run at the same step in a fresh page @both', async ({ guarded, browser, baseURL }) => {
  const { page } = guarded;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseURL).origin });
  await openSite(page);
  await armAndStep(page, 'At-least-once', 'consumer.after_apply', 40);
  await page.getByRole('button', { name: /Copy link/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Link copied' })).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toContain('#v1.');
  const before = await ledgerText(page);
  const readout = await page.locator('.controls .step-readout').last().innerText();

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  const errors = [];
  other.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await other.goto(link);
  await other.locator('main[data-ready="true"]').waitFor();
  await expect(other.locator('.controls .step-readout').last()).toHaveText(readout);
  // The ledger's explanations arrive with the steps' words, fetched as the link opens.
  await expect(other.getByRole('region', { name: 'Ledger' })).toHaveText(before, { useInnerText: true });
  // Playing on from the link gives what playing on in the original gives.
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await other.locator('body').click({ position: { x: 2, y: 2 } });
  for (const p of [page, other]) for (let i = 0; i < 5; i++) await p.keyboard.press('End');
  // After a long jump the ledger is drawn a task after the stage: wait for its end.
  for (const p of [page, other]) await expect(p.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  expect(await ledgerText(other)).toBe(await ledgerText(page));
  expect(errors).toEqual([]);
  await fresh.close();
});

test('the page (WebAssembly) and the CLI (native) give the same trace hash for an exported run', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  await openSite(page);
  await armAndStep(page, 'Idempotent', 'broker.after_append', 0);
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  const shownHash = (await ledgerText(page)).match(/trace ([0-9a-f]{16})/)[1];
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export JSON/ }).click();
  const file = testInfo.outputPath('exported.json');
  await (await download).saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(exported.format).toBe('mqlab-scenario');
  // The CLI re-simulates natively and refuses the file (exit 3) if its hash differs.
  const out = execFileSync(CLI, ['run', '--scenario', file], { encoding: 'utf8' }).trim().split('\n');
  // The hash is a u64: read its digits, not a JavaScript number, which would round it.
  const digits = out[out.length - 1].match(/"trace_hash":(\d+)/)[1];
  expect(BigInt(digits).toString(16).padStart(16, '0')).toBe(shownHash);
});

test('an exported file with its trace, imported into a fresh page, reopens the same run and checks its trace', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  await openSite(page);
  await armAndStep(page, 'At-least-once', 'consumer.after_apply', 14);
  // Every step pressed is drawn before the ledger is read.
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 14');
  const ledger = await ledgerText(page);
  const step = await page.locator('.controls .step-readout').last().innerText();
  await page.getByLabel('with trace').check();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export JSON/ }).click();
  const file = testInfo.outputPath('with-trace.json');
  await (await download).saveAs(file);
  expect(JSON.parse(fs.readFileSync(file, 'utf8')).trace.length).toBeGreaterThan(0);
  await page.goto('about:blank');
  await openSite(page);
  await page.getByLabel('Import JSON').setInputFiles(file);
  await expect(page.locator('.notice.info')).toContainText('Imported the scenario file. Its trace was re-simulated and matches.');
  await expect(page.locator('.controls .step-readout').last()).toHaveText(step);
  expect(await ledgerText(page)).toBe(ledger);
});

test('a tampered link is refused with a message and the default run is shown @both', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await armAndStep(page, 'At-least-once', 'consumer.after_apply', 12);
  // The address bar follows the run a moment after the page has drawn it.
  await expect(page).toHaveURL(/[&.]step=12~/);
  const link = page.url();
  const tampered = link.replace('at-least-once', 'at-most-once');
  expect(tampered).not.toBe(link);
  await page.goto('about:blank');
  await page.goto(tampered);
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.getByRole('alert')).toContainText('This link cannot be opened');
  // The reason comes with the errors' words, which the page fetches when it needs them.
  await expect(page.getByRole('alert')).toContainText('the link was changed or damaged');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 0');
  // A link cut short and one from a future version are refused too.
  for (const bad of [link.slice(0, link.length - 4), link.replace('#v1.', '#v9.')]) {
    await page.goto('about:blank');
    await page.goto(bad);
    await page.locator('main[data-ready="true"]').waitFor();
    await expect(page.getByRole('alert')).toContainText('This link cannot be opened');
  }
});

// Not guarded: the aborted request is the point of the test.
base.test('a refused link still says it is refused when the reason cannot be fetched', async ({ page }) => {
  const uncaught = [];
  page.on('pageerror', (error) => uncaught.push(error.message));
  await page.route('**/text/en/errors.txt', (route) => route.abort());
  await openSite(page, '#v1.mode=idempotent&messages=5&seed=1~00000000');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('This link cannot be opened');
  await expect(alert).toContainText('the reason could not be fetched');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 0');
  // The page still works.
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
  expect(uncaught).toEqual([]);
});

test('a broken JSON file is refused with a message naming the problem and the run is kept', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const bad = testInfo.outputPath('bad.json');
  fs.writeFileSync(bad, '{"format": "mqlab-scenario", "version": 1, "mode": "sideways"');
  await page.getByLabel('Import JSON').setInputFiles(bad);
  await expect(page.getByRole('alert')).toContainText('That file cannot be imported');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
  const wrong = testInfo.outputPath('wrong.json');
  fs.writeFileSync(wrong, JSON.stringify({ format: 'mqlab-scenario', version: 1, mode: 'sideways', messages: 3, seed: 1 }));
  await page.getByLabel('Import JSON').setInputFiles(wrong);
  await expect(page.getByRole('alert')).toContainText('mode');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
});

test('the space-time diagram scrubs and jumps to a clicked event', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowRight');
  const diagram = page.getByRole('region', { name: 'Space-time diagram' });
  await expect(diagram.locator('.arrow').first()).toBeVisible();
  const scrub = diagram.getByLabel('Scrub to step');
  await scrub.fill('7');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 7 ·');
  await expect(diagram).toContainText('7 / 20');
  await scrub.fill('20');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 20 ·');
  await diagram.locator('.event.arrow').last().click();
  await expect(page.locator('.controls .step-readout').last()).not.toContainText('step 20 ·');
  await page.screenshot({ path: 'output/screenshots/timeline.png', fullPage: true });
});
