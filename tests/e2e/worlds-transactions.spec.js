// The Transactions view (the worlds module): Kafka transactions through a coordinator
// crash between the markers, whose ledger is the one the core (the CLI) gives for the
// same settings; a bad setting told in the view with the run kept; and the dual-write
// patterns compared on one crash point, where the outbox with an inbox neither loses nor
// applies twice; and the outbox's crash matrix, whose cells are the CLI's runs and whose
// line counts every cell, computed a row per tick with its progress, and cancelled.
// (Named so that `playwright test transactions.spec.js` runs it too.)
const { test, expect, openSite, predict, checkAccessibility, runDualWrites } = require('./helpers');

// The serious and critical accessibility violations of the page as it stands.
async function seriousViolations(page) {
  const results = await checkAccessibility(page);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// The Kafka ledger's counters, named as the CLI's summary names them.
const KAFKA_COUNTERS = ['exactly_once', 'lost', 'duplicated', 'aborted_visible', 'fenced',
  'lso_blocked_ticks', 'external_duplicated', 'txn_committed', 'txn_aborted'];

async function openTransactions(page) {
  await openSite(page);
  await page.getByRole('tab', { name: 'Transactions' }).click();
  await expect(page).toHaveURL(/view=transactions/);
  const settings = page.getByRole('form', { name: 'Settings of the run' });
  await expect(settings).toBeVisible({ timeout: 20_000 });
  return settings;
}

test('Kafka transactions with coordinator.mid_markers: the ledger the CLI prints, step by step', async ({ guarded }) => {
  // The accessibility checks take their time on a busy machine.
  test.setTimeout(120_000);
  const { page } = guarded;
  const settings = await openTransactions(page);
  await settings.getByLabel('Messages').fill('6');
  await settings.getByLabel('Seed').fill('11');
  await settings.getByLabel('Transaction size').fill('3');
  await settings.getByLabel('Crash point').selectOption('coordinator.mid_markers');
  await settings.getByRole('button', { name: 'Run', exact: true }).click();

  const position = page.locator('#worlds-position');
  await expect(position).toContainText('Step 0 of');
  await page.getByRole('button', { name: 'Step forward' }).click();
  await expect(position).toContainText('Step 1 of');
  await expect(page.locator('#worlds-narration')).not.toBeEmpty();
  await page.getByRole('button', { name: 'Jump to the end' }).click();
  const total = (await position.innerText()).match(/Step (\d+) of (\d+)/);
  expect(total[1]).toEqual(total[2]);

  const predicted = predict(['--mode', 'transactional', '--protocol', 'kafka', '--messages', '6',
    '--seed', '11', '--txn-size', '3', '--crash', 'coordinator.mid_markers']);
  const ledger = page.getByRole('region', { name: 'Ledger' });
  for (const name of KAFKA_COUNTERS) {
    await expect(ledger.locator(`[data-counter="${name}"] strong`), name).toHaveText(String(predicted[name]));
  }
  const transactions = await ledger.locator('li[data-txn]').allInnerTexts();
  expect(transactions).toEqual(predicted.transactions);
  const anomalies = await ledger.locator('.anomalies li').allInnerTexts();
  expect(anomalies).toEqual(predicted.anomalies);
  // The coordinator crashed mid-markers: the trace says so, and its log shows the states.
  await expect(page.getByRole('region', { name: 'Events so far' })).toContainText('coordinator crashes');
  await expect(page.locator('.coordinator-log')).toContainText('COMPLETE_COMMIT');
  await expect(page.locator('.partition[data-partition="p0"] .plog .marker-commit').first()).toBeVisible();

  // Back one step, then a bad setting: said in the view, and the run on screen kept.
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect(position).toContainText(`Step ${Number(total[2]) - 1} of ${total[2]}`);
  await settings.getByLabel('Messages').fill('0');
  await settings.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText("Messages: '0' is not a whole number from 1 to 20.");
  await expect(position).toContainText(`Step ${Number(total[2]) - 1} of ${total[2]}`);
  await settings.getByLabel('Messages').fill('6');
  await settings.getByLabel('Pauses (NODE@FROM..TO)').fill('producer@5..never');
  await settings.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('producer@5..never');
  await expect(position).toContainText(`Step ${Number(total[2]) - 1} of ${total[2]}`);

  // Beside XA 2PC on the same seed: each side's counts are its core's.
  await settings.getByLabel('Pauses (NODE@FROM..TO)').fill('');
  await settings.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Compare with XA 2PC' }).click();
  const xa = predict(['--pattern', '2pc', '--messages', '6', '--seed', '11', '--txn-size', '3',
    '--crash', 'coordinator.mid_broadcast']);
  const xaRow = page.locator('#worlds-compare-protocols tr[data-protocol="xa"]');
  await expect(xaRow).toContainText('coordinator.mid_broadcast');
  for (const name of ['exactly_once', 'lost', 'duplicated']) {
    await expect(xaRow.locator(`[data-field="${name}"]`), name).toHaveText(String(xa[name]));
  }
  await expect(xaRow.locator('[data-field="blocked_ticks"]')).toHaveText(String(xa.costs.blocked_ticks));
  const kafkaRow = page.locator('#worlds-compare-protocols tr[data-protocol="kafka"]');
  await expect(kafkaRow.locator('[data-field="blocked_ticks"]')).toHaveText(String(predicted.lso_blocked_ticks));
  // The view at its start, in both themes, is checked with every view (quality.spec.js).
  expect(await seriousViolations(page)).toEqual([]);
});

test('the dual-write patterns side by side: the outbox with an inbox loses nothing and applies nothing twice', async ({ guarded }) => {
  test.setTimeout(120_000);
  const { page } = guarded;
  const settings = await openTransactions(page);
  await settings.getByRole('button', { name: 'Dual writes' }).click();
  await expect(settings.getByLabel('Pattern')).toHaveValue('outbox-inbox');
  await settings.getByLabel('Messages').fill('5');
  await settings.getByLabel('Seed').fill('3');
  await settings.getByLabel('Crash point').selectOption('relay.after_publish');
  await settings.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByRole('button', { name: 'Jump to the end' }).click();
  await expect(page.locator('[data-node="worlds-service"]')).toContainText('m5');
  await expect(page.locator('[data-node="worlds-consumer"]')).toContainText('m5');

  await page.getByRole('button', { name: 'Compare the patterns' }).click();
  const table = page.locator('#worlds-compare-patterns');
  const row = (pattern) => table.locator(`tr[data-pattern="${pattern}"]`);
  await expect(row('outbox-inbox').locator('[data-field="lost"]')).toHaveText('0');
  await expect(row('outbox-inbox').locator('[data-field="duplicated"]')).toHaveText('0');
  // Every figure is the core's: the CLI gives the same for each pattern that has the point.
  for (const pattern of ['outbox', 'outbox-inbox', 'offsets-with-output']) {
    const cli = predict(['--pattern', pattern, '--messages', '5', '--seed', '3', '--crash', 'relay.after_publish']);
    for (const name of ['exactly_once', 'lost', 'duplicated', 'state_without_event', 'event_without_state', 'broker_duplicates']) {
      await expect(row(pattern).locator(`[data-field="${name}"]`), `${pattern} ${name}`).toHaveText(String(cli[name]));
    }
    // The costs too, as the page rounds them.
    const rounded = (value, places) => String(Number(value.toFixed(places)));
    await expect(row(pattern).locator('[data-field="messages_per_event"]')).toHaveText(rounded(cli.costs.messages_per_event, 1));
    await expect(row(pattern).locator('[data-field="messages_per_tick"]')).toHaveText(rounded(cli.costs.messages_per_tick, 2));
  }
  // A pattern without a relay never reaches the relay's crash point: the core says so.
  await expect(row('commit-first')).toContainText('Not run:');
  await expect(row('commit-first')).toContainText('relay.after_publish');
  await expect(table.locator('svg[role="img"]')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the crash matrix of the outbox: the relay crash after publishing m2 applies it twice, and the line counts every cell', async ({ guarded }) => {
  test.setTimeout(120_000);
  const { page } = guarded;
  await runDualWrites(page, { pattern: 'outbox', messages: 4, seed: 3 });
  await expect(page.getByRole('alert')).toHaveCount(0);

  const panel = page.getByRole('region', { name: 'Crash matrix', exact: true });
  await panel.getByRole('button', { name: /^Compute the matrix/ }).click();
  const summary = panel.locator('#worlds-matrix-summary');
  await expect(summary).toBeVisible({ timeout: 30_000 });

  // The cell is the core's run of that crash: the CLI gives the same ledger.
  const cli = predict(['--pattern', 'outbox', '--messages', '4', '--seed', '3', '--crash', 'relay.after_publish:m2']);
  expect(cli.duplicated).toBeGreaterThan(0);
  const cell = panel.locator('.matrix-cell[data-point="relay.after_publish"][data-message="2"]');
  await expect(cell).toHaveAttribute('data-mark', 'duplicated');
  await expect(cell.locator('.word')).toHaveText(`dup ${cli.duplicated}`);
  await expect(cell).toHaveAttribute('title', new RegExp(`^relay\\.after_publish on m2: exactly once: ${cli.exactly_once}, lost: ${cli.lost}, duplicated: ${cli.duplicated},`));

  // The line counts every cell once, and each group is the number of cells with its mark.
  const cells = panel.locator('td .matrix-cell');
  const rows = await panel.locator('tbody tr').count();
  expect(rows).toBeGreaterThan(1);
  expect(await cells.count()).toBe(rows * 4);
  const line = (await summary.innerText()).match(/^(\d+) cells: (.+)\.$/);
  expect(line, await summary.innerText()).not.toBeNull();
  expect(Number(line[1])).toBe(rows * 4);
  const groups = {
    clean: 'ok', 'lose a message': 'lost', 'loses a message': 'lost',
    'apply a message more than once': 'duplicated', 'applies a message more than once': 'duplicated',
    'publish an event without its row': 'ghost', 'publishes an event without its row': 'ghost',
    'never reach their crash point': 'not-reached', 'never reaches its crash point': 'not-reached',
  };
  let counted = 0;
  for (const part of line[2].split(', ')) {
    const [, count, group] = part.match(/^(\d+) (.+)$/);
    expect(groups[group], part).toBeDefined();
    await expect(panel.locator(`td .matrix-cell[data-mark="${groups[group]}"]`), part).toHaveCount(Number(count));
    counted += Number(count);
  }
  expect(counted).toBe(rows * 4);
  expect(line[2]).toMatch(/apply a message more than once|applies a message more than once/);
  expect(await seriousViolations(page)).toEqual([]);
});

test('the crash matrix computes a row per tick, says how far it is, and a cancelled matrix keeps its rows', async ({ guarded }) => {
  test.setTimeout(120_000);
  const { page } = guarded;
  // The page's timers run on a clock the test holds, so that it can stop between rows.
  await page.clock.install();
  await runDualWrites(page, { pattern: 'outbox-inbox', messages: 3 });
  const panel = page.getByRole('region', { name: 'Crash matrix', exact: true });
  await expect(panel.locator('table')).toHaveCount(0);

  await page.clock.pauseAt(new Date(Date.now() + 60_000));
  await panel.getByRole('button', { name: /^Compute the matrix/ }).click();
  const progress = panel.locator('#worlds-matrix-progress');
  await expect(progress).toHaveText(/^Computing: 0 of (\d+) rows done \(0 of (\d+) cells\)\.$/);
  const [, total, cells] = (await progress.innerText()).match(/0 of (\d+) rows done \(0 of (\d+) cells\)/);
  expect(Number(cells)).toBe(Number(total) * 3);
  await expect(panel.getByRole('button', { name: /^Compute the matrix/ })).toBeDisabled();
  await page.clock.runFor(1);
  await expect(progress).toHaveText(`Computing: 1 of ${total} rows done (3 of ${cells} cells).`);
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel).toContainText(`Cancelled after 1 of ${total} rows: a dot marks each cell not computed.`);
  await page.clock.runFor(50);
  // The first row's cells stay; the rest are marked as not computed, and the line counts
  // only the cells computed.
  await expect(panel.locator('td .matrix-cell')).toHaveCount(3);
  await expect(panel.locator('td.pending')).toHaveCount((Number(total) - 1) * 3);
  await expect(panel.locator('#worlds-matrix-summary')).toHaveText(/^3 cells: /);
  await expect(panel.getByRole('button', { name: /^Compute the matrix/ })).toBeEnabled();
});
