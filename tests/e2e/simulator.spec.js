// The simulator page: for each delivery mode, a crash driven through the page gives the
// ledger counters that the core predicts (the CLI runs the same scenario natively).
const { test, expect, openSite, predict, ledgerCounters } = require('./helpers');

// Arms "crash at POINT for m1" in the page, then runs to the end with the End key.
async function crashAndRun(page, mode, point) {
  await page.getByLabel('Delivery mode').selectOption({ label: mode });
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption(point);
  await group.getByLabel('For message').selectOption('1');
  await group.getByRole('button', { name: 'Arm' }).click();
  await expect(group.getByRole('list', { name: 'Armed crash points' })).toContainText(`${point} for m1`);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
}

const CASES = [
  { mode: 'At-most-once', cli: 'at-most-once', point: 'consumer.after_receive', expect: { lost: 1 } },
  { mode: 'At-least-once', cli: 'at-least-once', point: 'consumer.after_apply', expect: { duplicated: 1 } },
  { mode: 'Idempotent', cli: 'idempotent', point: 'consumer.after_apply', expect: { duplicated: 0, lost: 0 } },
  { mode: 'Transactional (2PC)', cli: 'transactional', point: 'coordinator.after_votes', expect: { duplicated: 0, lost: 0 } },
];

for (const c of CASES) {
  test(`${c.mode}: a crash at ${c.point} gives the counters the core predicts`, async ({ guarded }) => {
    const { page } = guarded;
    await openSite(page);
    await crashAndRun(page, c.mode, c.point);
    const shown = await ledgerCounters(page);
    const predicted = predict(['--mode', c.cli, '--crash', `${c.point}:m1`]);
    for (const key of Object.keys(shown)) {
      expect(shown[key], `${key} in the page vs the core`).toBe(predicted[key]);
    }
    // The textbook outcome of this row, as a floor on what the core must show.
    for (const [key, value] of Object.entries(c.expect)) {
      if (key === 'lost' && value > 0) expect(shown.lost).toBeGreaterThanOrEqual(value);
      else expect(shown[key]).toBe(value);
    }
    await page.screenshot({ path: `output/screenshots/crash-${c.cli}.png`, fullPage: true });
  });
}

test('at-least-once + consumer crash after apply reads "Duplicated: 1" and explains it', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await crashAndRun(page, 'At-least-once', 'consumer.after_apply');
  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger.getByText('Duplicated: 1', { exact: true })).toBeVisible();
  const anomaly = ledger.getByRole('list', { name: 'Anomalies' }).getByRole('button').first();
  await expect(anomaly).toContainText('m1');
  // The anomaly jumps to the step of the fault that caused it.
  const target = (await anomaly.getAttribute('title')).match(/Go to step (\d+)/)[1];
  await anomaly.click();
  await expect(page.locator('.controls .step-readout').last()).toContainText(`step ${target} ·`);
  await expect(ledger).not.toContainText('run finished');
});

test('playback controls and shortcuts drive the run', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const readout = page.locator('.controls .step-readout').last();
  await expect(readout).toContainText('step 0');
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(readout).toContainText('step 2');
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(readout).toContainText('step 1');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('ArrowRight');
  await expect(readout).toContainText('step 2');
  await page.keyboard.press('ArrowLeft');
  await expect(readout).toContainText('step 1');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(readout).toContainText('step 0');
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('crash and restart buttons grey a node out and bring it back', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('button', { name: 'Crash consumer' }).click();
  const card = page.getByRole('region', { name: 'Consumer state' });
  await expect(card).toContainText('down');
  await expect(card).toContainText('wiped by the crash');
  await expect(page.getByRole('button', { name: 'Restart consumer' })).toBeEnabled();
  await page.getByRole('button', { name: 'Restart consumer' }).click();
  await expect(card).not.toContainText('wiped by the crash');
});

test('a bad seed is refused with a message and the run is kept', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const seed = page.getByLabel('Seed');
  await seed.fill('-3');
  await seed.press('Enter');
  await expect(page.getByRole('alert')).toContainText('seed');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
});

test('the coordinator panel shows participants blocked in doubt while the coordinator is down', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption('coordinator.after_votes');
  await group.getByRole('button', { name: 'Arm' }).click();
  const panel = page.getByRole('region', { name: '2PC coordinator' });
  // Step until the coordinator is down with participants in doubt.
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 200; i++) {
    if (await panel.getByText(/in doubt: prepared, holding locks/).count()) break;
    await page.keyboard.press('ArrowRight');
  }
  await expect(panel).toContainText('while the coordinator is down');
  await expect(panel.getByRole('list', { name: 'Participants' })).toContainText(/in doubt for \d+ ticks/);
  await expect(panel).toContainText('▣');
  await page.screenshot({ path: 'output/screenshots/coordinator-blocked.png', fullPage: true });
});

const SIZES = [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'projector', width: 1920, height: 1080, large: true },
  { name: 'tablet', width: 768, height: 1024 },
];
for (const size of SIZES) {
  for (const theme of ['light', 'dark']) {
    test(`screenshot at ${size.name} size, ${theme} theme`, async ({ guarded }) => {
      const { page } = guarded;
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: theme });
      await openSite(page);
      if (size.large) await page.getByRole('button', { name: /Large text/ }).click();
      await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
      await page.locator('body').click({ position: { x: 2, y: 2 } });
      for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');
      // Nothing may stick out sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, 'horizontal overflow in pixels').toBeLessThanOrEqual(0);
      await page.screenshot({ path: `output/screenshots/${size.name}-${theme}.png` });
    });
  }
}
