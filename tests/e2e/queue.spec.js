// The queue's settings in the page: a poison message rejected with requeue comes back
// until the delivery limit, then waits in the dead-letter queue; the page's verdicts are
// the core's (the CLI's), and a value the core refuses keeps the current run.
const { test, expect, openSite, predict, ledgerCounters, settingsPanel } = require('./helpers');

test('a poison message reaches the delivery limit and the dead-letter queue, as the core says', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('spinbutton', { name: 'Consumers' }).fill('2');
  await page.getByRole('spinbutton', { name: 'Consumers' }).press('Enter');
  const queue = (await settingsPanel(page, 'Queue'));
  await queue.getByLabel('Poison messages').fill('m3');
  await queue.getByLabel('Poison messages').press('Enter');
  await queue.getByLabel('Poison fails by').selectOption('reject');
  await queue.getByLabel('Delivery limit').fill('3');
  await queue.getByLabel('Delivery limit').press('Enter');
  await queue.getByLabel('Dead-letter queue').check();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger).toContainText('run finished');
  await expect(ledger).toContainText('m3 was never applied: it came back to the queue more times than the delivery limit allows');

  const predicted = predict(['--consumers', '2', '--poison', 'm3', '--poison-fails', 'reject',
    '--delivery-limit', '3', '--dlq']);
  expect(predicted.dead_lettered).toBe(1);
  const row = ledger.getByRole('row').filter({ hasText: 'dead-lettered' });
  await expect(row).toHaveCount(predicted.dead_lettered);
  await expect(row.first()).toContainText('m3');
  const shown = await ledgerCounters(page);
  for (const key of ['exactly_once', 'lost', 'duplicated', 'reordered']) {
    expect(shown[key], `${key} in the page vs the core`).toBe(predicted[key]);
  }
  // The link carries the queue settings.
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('v3.');

  // Replaying the dead-letter queue puts m3 back; being poison, it comes back again.
  await queue.getByRole('button', { name: 'Replay dead letters' }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.locator('.node-card').filter({ hasText: 'Broker' })).toContainText('replay m3 from the dead-letter queue');
  await expect(ledger.getByRole('row').filter({ hasText: 'dead-lettered' })).toHaveCount(1);

  // A poison list the core cannot read is refused, and the run is kept.
  await queue.getByLabel('Poison messages').fill('m3 mx');
  await queue.getByLabel('Poison messages').press('Enter');
  await expect(page.getByRole('alert')).toContainText('"mx" is not a message such as m3');
  await expect(ledger).toContainText('m3 was never applied');
  await page.screenshot({ path: 'output/screenshots/queue-poison.png', fullPage: true });
});
