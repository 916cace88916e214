// A consumer's crash closes its connection: the broker stops pushing to it at once and
// pushes again once it is back (with manual acks it also puts back what it held). The
// page shows the core's run: counters equal to the CLI's, and no delivery sent to the
// consumer while it is down.
const { test, expect, openSite, predict, ledgerCounters } = require('./helpers');

for (const c of [
  { mode: 'At-most-once', cli: 'at-most-once', point: 'consumer.after_receive' },
  { mode: 'At-least-once', cli: 'at-least-once', point: 'consumer.after_apply' },
]) {
  test(`${c.mode}: after the consumer crashes at ${c.point}, nothing is delivered until it is back`, async ({ guarded }) => {
    const { page } = guarded;
    await openSite(page);
    await page.getByLabel('Delivery mode').selectOption({ label: c.mode });
    const messages = page.getByRole('spinbutton', { name: 'Messages' });
    await messages.fill('8');
    await messages.press('Enter');
    const group = page.getByRole('group', { name: 'Crash at' });
    await group.getByLabel('Crash point').selectOption(c.point);
    await group.getByLabel('For message').selectOption('2');
    await group.getByRole('button', { name: 'Arm' }).click();
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    for (let i = 0; i < 5; i++) await page.keyboard.press('End');
    await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');

    const shown = await ledgerCounters(page);
    const predicted = predict(['--mode', c.cli, '--messages', '8', '--crash', `${c.point}:m2`]);
    for (const key of Object.keys(shown)) {
      expect(shown[key], `${key} in the page vs the core`).toBe(predicted[key]);
    }
    // Every message the broker had not yet sent when the consumer crashed waits for it.
    expect(shown.lost).toBeLessThan(7);

    // In the narration, between the crash and the restart no delivery is sent.
    const lines = await page.getByRole('region', { name: 'Narration' }).locator('li').allInnerTexts();
    const crash = lines.findIndex((l) => l.includes(`(${c.point})`));
    const restart = lines.findIndex((l, i) => i > crash && l.includes('Consumer restarts'));
    expect(crash, lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(restart, lines.join('\n')).toBeGreaterThan(crash);
    const between = lines.slice(crash + 1, restart).filter((l) => l.includes('Broker delivers'));
    expect(between, between.join('\n')).toEqual([]);
  });
}

test('in the space-time diagram a lost confirm is drawn apart from a lost message', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const faults = page.getByRole('region', { name: 'Faults' });
  await faults.getByLabel('Link', { exact: true }).selectOption('broker->producer');
  await faults.getByRole('button', { name: /Drop next/ }).click();
  await faults.getByLabel('Link', { exact: true }).selectOption('producer->broker');
  await faults.getByRole('button', { name: /Drop next/ }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  // Go back to the lost confirm, so that the diagram's window shows it.
  const narration = page.getByRole('region', { name: 'Narration' });
  await narration.getByRole('listitem').filter({ hasText: 'is dropped on broker->producer' }).first().getByRole('button').click();
  const diagram = page.getByRole('region', { name: 'Space-time diagram' });
  const control = diagram.locator('.arrow.lost.control line');
  const business = diagram.locator('.arrow.lost:not(.control) line');
  await expect(control.first()).toBeAttached();
  await expect(business.first()).toBeAttached();
  const controlStroke = await control.first().evaluate((l) => getComputedStyle(l).stroke);
  const businessStroke = await business.first().evaluate((l) => getComputedStyle(l).stroke);
  expect(controlStroke).not.toBe(businessStroke);
});
