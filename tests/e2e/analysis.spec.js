// The Compare and Crash matrix views: every count they show is the core's, so each is
// checked against the CLI running the same scenario natively.
const { test, expect, openSite, predict, ledgerCounters } = require('./helpers');

// The words a matrix cell shows for a summary (the core's `Outcome::text`).
function outcomeText(s, baselineBlockedTicks) {
  const blocked = Math.max(0, s.blocked_ticks - baselineBlockedTicks);
  if (!s.quiet) return `unfinished (${s.pending} pending)`;
  const parts = [];
  if (s.lost > 0) parts.push(`lost ${s.lost}`);
  if (s.duplicated > 0) parts.push(`duplicated ${s.duplicated}`);
  if (s.reordered > 0) parts.push(`reordered ${s.reordered}`);
  if (s.in_doubt_messages > 0) parts.push(`in doubt ${s.in_doubt_messages}`);
  if (blocked > 0) parts.push(`blocked ${blocked} ticks longer`);
  return parts.length === 0 && s.pending === 0 ? 'exactly once' : parts.join(', ');
}

const COUNTERS = ['exactly_once', 'lost', 'duplicated', 'reordered', 'in_doubt'];

async function columnCounters(column) {
  const shown = {};
  for (const key of COUNTERS) {
    const text = await column.locator(`li[data-counter="${key}"]`).innerText();
    shown[key] = Number(text.trim().split(': ').pop());
  }
  return shown;
}

test('compare: a consumer crash after apply, under the four modes, gives the counters the core predicts', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption('consumer.after_apply');
  await group.getByLabel('For message').selectOption('1');
  await group.getByRole('button', { name: 'Arm' }).click();
  await page.getByRole('tab', { name: 'Compare' }).click();

  const cases = [
    { label: 'At-most-once', cli: ['--mode', 'at-most-once', '--crash', 'consumer.after_apply:m1'] },
    { label: 'At-least-once', cli: ['--mode', 'at-least-once', '--crash', 'consumer.after_apply:m1'] },
    { label: 'Idempotent', cli: ['--mode', 'idempotent', '--crash', 'consumer.after_apply:m1'] },
    // In 2PC the apply was not committed: the crash aborts the transaction, the retry
    // applies m1 once.
    { label: 'Transactional (2PC)', cli: ['--mode', 'transactional', '--crash', 'consumer.after_apply:m1'] },
  ];
  for (const c of cases) {
    const column = page.getByRole('region', { name: c.label, exact: true });
    const shown = await columnCounters(column);
    const predicted = predict(c.cli);
    predicted.in_doubt = predicted.in_doubt_messages;
    for (const key of COUNTERS) {
      expect(shown[key], `${c.label}: ${key} in the page vs the core`).toBe(predicted[key]);
    }
  }
  // The textbook difference, in one sentence.
  const table = page.getByRole('table', { name: 'Differences' });
  await expect(table).toContainText('m1: at-least-once applies it twice (');
  await expect(table.getByRole('row').filter({ hasText: 'm1' }).first()).toContainText('idempotent');
  await page.screenshot({ path: 'output/screenshots/compare.png', fullPage: true });
});

test('compare: a fault a mode does not have is named in its column, which shows no counters', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption('producer.after_confirm');
  await group.getByLabel('For message').selectOption('1');
  await group.getByRole('button', { name: 'Arm' }).click();
  await page.getByRole('tab', { name: 'Compare' }).click();
  // A producer without publisher confirms has no "after confirm".
  const amo = page.getByRole('region', { name: 'At-most-once', exact: true });
  await expect(amo.getByRole('list', { name: 'Faults that do not apply' })).toContainText('producer.after_confirm');
  await expect(amo.getByRole('note')).toHaveText(/Not applicable/);
  await expect(amo.locator('li[data-counter]')).toHaveCount(0);
  const txn = page.getByRole('region', { name: 'Transactional (2PC)', exact: true });
  const shown = await columnCounters(txn);
  const predicted = predict(['--mode', 'transactional', '--crash', 'producer.after_confirm:m1']);
  predicted.in_doubt = predicted.in_doubt_messages;
  for (const key of COUNTERS) {
    expect(shown[key], `transactional: ${key} in the page vs the core`).toBe(predicted[key]);
  }
});

test('crash matrix: 10 messages in all four modes, cells agree with the CLI, and a cell opens its run', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const messages = page.getByRole('spinbutton', { name: 'Messages' });
  await messages.fill('10');
  await messages.press('Enter');
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  await page.getByRole('button', { name: 'Run 420 runs' }).click();
  const figure = page.locator('[data-figure="elapsed-ms"]');
  await figure.waitFor({ timeout: 30_000 });
  const elapsed = Number(await figure.innerText());
  console.log(`crash matrix in the page: 420 runs (10 messages, single crashes, all four modes) in ${elapsed} ms`);
  expect(elapsed).toBeLessThanOrEqual(2000);
  await expect(page.locator('a.matrix-cell')).toHaveCount(420);
  // Points a mode does not have are named, not dropped.
  await expect(page.getByRole('region', { name: 'At-most-once crash matrix' })).toContainText('Not applicable in this mode: producer.after_confirm');

  const checks = [
    ['at-least-once', 'consumer.after_apply:m1', 'duplicated'],
    ['at-most-once', 'consumer.after_receive:m3', 'lost'],
    ['at-most-once', 'broker.after_append:m10', null],
    ['idempotent', 'consumer.after_apply:m5', 'exactly once'],
    ['idempotent', 'producer.after_send:m2', 'exactly once'],
    ['transactional', 'coordinator.after_votes:m2', 'blocked'],
    ['transactional', 'participant.after_vote_yes:m7', null],
  ];
  for (const [mode, crash, textbook] of checks) {
    const cell = page.locator(`a.matrix-cell[data-mode="${mode}"][data-crash="${crash}"]`);
    const shown = await cell.getAttribute('data-outcome');
    // Blocking counts beyond the same mode's run without a crash.
    const baseline = predict(['--mode', mode, '--messages', '10']).blocked_ticks;
    const predicted = outcomeText(predict(['--mode', mode, '--messages', '10', '--crash', crash]), baseline);
    expect(shown, `${mode} × ${crash}`).toBe(predicted);
    if (textbook) expect(shown, `${mode} × ${crash}`).toContain(textbook);
  }
  await page.screenshot({ path: 'output/screenshots/crash-matrix.png', fullPage: true });

  // A cell opens its run in the simulator at the crash; run to the end, it shows the
  // ledger the cell (and the CLI) reported.
  await page.locator('a.matrix-cell[data-mode="at-least-once"][data-crash="consumer.after_apply:m1"]').click();
  await expect(page.getByRole('tab', { name: 'Simulator' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('Opened the run in the link')).toBeVisible();
  await expect(page.getByLabel('Delivery mode')).toHaveValue('at-least-once');
  await expect(page.locator('.controls .step-readout').last()).not.toContainText('step 0 ');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  const shown = await ledgerCounters(page);
  const predicted = predict(['--mode', 'at-least-once', '--messages', '10', '--crash', 'consumer.after_apply:m1']);
  predicted.in_doubt = predicted.in_doubt_messages;
  for (const key of COUNTERS) {
    expect(shown[key], `${key} in the simulator vs the core`).toBe(predicted[key]);
  }
  expect(shown.duplicated).toBe(1);
});

test('crash matrix: Cancel stops the search and keeps the cells done', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const messages = page.getByRole('spinbutton', { name: 'Messages' });
  await messages.fill('100');
  await messages.press('Enter');
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  // A large scenario is tried on its first messages only, and the page says so.
  await expect(page.getByText('The simulator\'s scenario has 100 messages; the matrix tries the first 60.')).toBeVisible();
  await page.getByRole('checkbox', { name: 'Also pairs of crash points' }).check();
  await page.getByRole('button', { name: /^Run \d+ runs$/ }).click();
  await page.locator('progress').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  const status = page.getByText(/^Cancelled after \d+ of \d+ runs/);
  await expect(status).toBeVisible();
  const [, done, total] = (await status.innerText()).match(/Cancelled after (\d+) of (\d+) runs/).map(Number);
  expect(done).toBeLessThan(total);
  await expect(page.locator('a.matrix-cell')).toHaveCount(done);
  await page.waitForTimeout(300);
  await expect(page.locator('a.matrix-cell')).toHaveCount(done);
});
