// Transactions of several messages in the page: transactional mode with transaction
// size 3 through a coordinator crash after the votes. The first transaction of m1–m3 (and
// m4–m6's, in flight beside it) is aborted by presumption, the retry commits, and no
// transaction is partially visible;
// the page's per-transaction verdicts are the ones the core (the CLI) gives.
const { test, expect, openSite, predict, realSystems } = require('./helpers');

// Types a number into a control and commits it (the change event).
async function setNumber(page, label, value) {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
  await input.press('Enter');
  await input.blur();
}

test('a transaction of 3 through a coordinator crash: aborted, retried, committed, never partly visible', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
  await setNumber(page, 'Messages', 6);
  await setNumber(page, 'Transaction size', 3);
  await expect(page.getByLabel('Transaction size', { exact: true })).toHaveValue('3');

  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption('coordinator.after_votes');
  await group.getByLabel('For message').selectOption('2');
  await group.getByRole('button', { name: 'Arm' }).click();
  await expect(group.getByRole('list', { name: 'Armed crash points' })).toContainText('coordinator.after_votes for m2');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger).toContainText('run finished');

  const verdicts = ledger.getByRole('list', { name: 'Transaction verdicts' });
  await expect(verdicts.locator('li[data-txn="t1"]')).toHaveAttribute('data-verdict', 'aborted');
  await expect(verdicts.locator('li[data-txn="t1"]')).toContainText('none of m1–m3 became visible through it');
  // m4–m6's publish was in flight beside it (max in flight): the coordinator's crash
  // aborts it too, and the retries commit.
  await expect(verdicts.locator('li[data-txn="t2"]')).toHaveAttribute('data-verdict', 'aborted');
  await expect(verdicts.locator('li[data-txn="t3"]')).toHaveAttribute('data-verdict', 'committed');
  await expect(verdicts.locator('li[data-txn="t3"]')).toContainText('m1–m3 became visible to the consumer all together');

  // Every verdict on the page is the core's, in the same order (the page lists newest first).
  const predicted = predict(['--mode', 'transactional', '--messages', '6', '--txn-size', '3',
    '--crash', 'coordinator.after_votes:m2']);
  const shown = await verdicts.locator('li').evaluateAll((items) =>
    items.map((li) => `${li.dataset.txn} ${li.dataset.verdict}`).reverse());
  expect(shown).toEqual(predicted.transactions.map((t) => {
    const [name, , verdict] = t.split(' ');
    return `${name} ${verdict}`;
  }));
  const counter = async (name) => Number((await ledger.getByRole('list', { name: 'Transaction counters' })
    .getByRole('listitem').filter({ hasText: name }).innerText()).split(': ')[1]);
  expect(await counter('Committed')).toBe(predicted.txn_committed);
  expect(await counter('Aborted')).toBe(predicted.txn_aborted);
  expect(await counter('Partially visible')).toBe(0);
  expect(predicted.txn_partial).toBe(0);
  await expect(ledger.getByRole('listitem').filter({ hasText: /^Exactly once: \d+$/ })).toHaveText('Exactly once: 6');

  // The real-systems panel names the settings of the transactional mode.
  const real = await realSystems(page);
  await expect(real).toContainText('transactional.id');
  await expect(real).toContainText('read_committed');
  await expect(real).toContainText('Transaction size 3');

  await ledger.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'output/screenshots/transactions.png', fullPage: true });
});

test('at-least-once with transaction size 3: a producer crash mid-batch leaves it partially visible', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByLabel('Delivery mode').selectOption({ label: 'At-least-once' });
  await setNumber(page, 'Messages', 6);
  await setNumber(page, 'Transaction size', 3);
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption('producer.after_send');
  await group.getByLabel('For message').selectOption('1');
  await group.getByRole('button', { name: 'Arm' }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger).toContainText('run finished');
  const verdicts = ledger.getByRole('list', { name: 'Transaction verdicts' });
  await expect(verdicts.locator('li[data-txn="batch 1"]')).toHaveAttribute('data-verdict', 'partially_visible');
  await expect(verdicts.locator('li[data-txn="batch 2"]')).toHaveAttribute('data-verdict', 'visible_whole');
});

test('consume-transform-produce: each committed input has exactly one output in the output queue', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
  await setNumber(page, 'Messages', 4);
  await page.getByLabel('Consume-transform-produce').check();
  await expect(page.getByLabel('Consume-transform-produce')).toBeChecked();

  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption('coordinator.after_votes');
  await group.getByLabel('For message').selectOption('2');
  await group.getByRole('button', { name: 'Arm' }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger).toContainText('run finished');

  const predicted = predict(['--mode', 'transactional', '--messages', '4', '--transform',
    '--crash', 'coordinator.after_votes:m2']);
  expect(predicted.outputs).toBe(4);
  expect(predicted.outputs_duplicated).toBe(0);
  const outputs = ledger.getByRole('list', { name: 'Output counters' });
  await expect(outputs.getByRole('listitem').filter({ hasText: /^Outputs: / })).toHaveText(`Outputs: ${predicted.outputs}`);
  await expect(outputs.getByRole('listitem').filter({ hasText: /^Outputs duplicated: / })).toHaveText('Outputs duplicated: 0');
  await expect(outputs.getByRole('listitem').filter({ hasText: /^Out of step: / })).toHaveText('Out of step: 0');
  await expect(ledger.getByRole('listitem').filter({ hasText: /^Exactly once: \d+$/ })).toHaveText('Exactly once: 4');
  const verdicts = ledger.getByRole('list', { name: 'Transaction verdicts' });
  await expect(verdicts).toContainText('their outputs appended to the output queue, all together');

  // The output queue is drawn with the broker.
  await expect(page.getByRole('region', { name: 'Broker state' })).toContainText('output queue: o1 o2 o3 o4');
});
