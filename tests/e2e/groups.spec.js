// Many consumers in the page: Kafka consumer groups drawn as partitions in the broker and
// members with their partitions, the lag plotted, rebalances on the space-time diagram,
// each group's ledger; RabbitMQ competing consumers with what each holds unacked. Every
// count the page shows is the core's, and the CLI re-simulating the exported run agrees.
const fs = require('fs');
const { execFileSync } = require('child_process');
const { test, expect, openSite, CLI, settingsPanel } = require('./helpers');

async function setField(panel, label, value) {
  const field = panel.getByLabel(label, { exact: true });
  await field.fill(String(value));
  await field.press('Enter');
}

// Exports the run as a file and runs it in the CLI; returns the CLI's summary.
async function cliSummary(page, testInfo, name) {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export JSON/ }).click();
  const file = testInfo.outputPath(name);
  await (await download).saveAs(file);
  const out = execFileSync(CLI, ['run', '--scenario', file], { encoding: 'utf8' }).trim().split('\n');
  return { summary: JSON.parse(out[out.length - 1]), scenario: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

// The per-group table as numbers: { lost, duplicated, exactly_once } per group row.
async function groupRows(page) {
  const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'reordered per key' }) });
  const rows = table.locator('tbody tr');
  const result = [];
  for (let i = 0; i < await rows.count(); i++) {
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    result.push({ exactly_once: Number(cells[0]), lost: Number(cells[1]), duplicated: Number(cells[2]) });
  }
  return result;
}

test('Kafka groups: committing before processing loses the record a member crashed on, in its group only', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  await openSite(page);
  const messages = page.getByRole('spinbutton', { name: 'Messages' });
  await messages.fill('8');
  await messages.press('Enter');
  const groups = (await settingsPanel(page, 'Consumer groups'));
  await groups.getByLabel('Consumers as').selectOption('kafka');
  await setField(groups, 'Groups', 2);
  await setField(groups, 'Members per group', 2);
  await setField(groups, 'Partitions', 2);
  await groups.getByLabel('Commit offsets').selectOption('before');
  await page.locator('body').click({ position: { x: 2, y: 2 } });

  const stage = page.getByRole('region', { name: 'Stage' });
  // Two partitions inside the broker, two groups of two members.
  await expect(stage.locator('.node.with-topic .partition')).toHaveCount(2);
  await expect(stage.locator('.node.member')).toHaveCount(4);
  await expect(stage.locator('.node.member.g1')).toHaveCount(2);
  await expect(stage.locator('.node.member').first()).toContainText('Consumer · group 1');

  // The groups' first rebalance, on the space-time diagram.
  for (let i = 0; i < 60 && await page.locator('.timeline .rebalance').count() === 0; i++) {
    await page.keyboard.press('ArrowRight');
  }
  await expect(page.locator('.timeline .rebalance').first()).toContainText(/⟳ g\d gen 1/);

  // The first member of group 1 crashes right after committing past a record, before
  // processing it.
  const faults = page.getByRole('group', { name: 'Crash at' });
  await page.locator('#crash-point').selectOption('consumer.after_commit');
  await faults.getByRole('button', { name: 'Arm' }).click();
  await expect(faults.getByRole('list', { name: 'Armed crash points' })).toContainText('consumer.after_commit for any message');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger).toContainText('run finished');

  // Each group's verdicts: group 1 lost the record, group 2 got every message once.
  const rows = await groupRows(page);
  expect(rows.length).toBe(2);
  expect(rows[0].lost).toBeGreaterThan(0);
  expect(rows[1]).toEqual({ exactly_once: 8, lost: 0, duplicated: 0 });
  // The crash moved the member's partitions: group 1 is in a later generation than
  // group 2.
  const generation = async (g) => Number((await stage.locator(`.coordinator-line.g${g}`).textContent()).match(/generation (\d+)/)[1]);
  expect(await generation(0)).toBeGreaterThan(await generation(1));
  // The lag plot: a plot per group, back to zero at the end.
  const lag = page.getByRole('region', { name: 'Consumer lag' });
  await expect(lag.getByRole('img')).toHaveCount(2);
  await expect(lag.getByRole('img').first()).toHaveAttribute('aria-label', /now p0 0, p1 0/);

  const { summary, scenario } = await cliSummary(page, testInfo, 'groups.json');
  expect(scenario.kafka.commit).toBe('before');
  expect(summary.groups.map((g) => ({ exactly_once: g.exactly_once, lost: g.lost, duplicated: g.duplicated }))).toEqual(rows);
  const applied = await page.getByRole('list', { name: 'Applied per consumer' }).getByRole('listitem').allInnerTexts();
  expect(applied.map((line) => Number(line.match(/: (\d+) applied/)[1]))).toEqual(summary.consumers.map((c) => c.applied));
  await page.screenshot({ path: 'output/screenshots/groups-commit-before.png', fullPage: true });
});

test('competing consumers: each holds at most its prefetch unacked, and the page agrees with the CLI', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  await openSite(page);
  await setField(page.locator('.area-controls'), 'Consumers', 3);
  const queue = (await settingsPanel(page, 'Queue'));
  await setField(queue, 'Prefetch', 2);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  const stage = page.getByRole('region', { name: 'Stage' });
  await expect(stage.locator('.node.consumer')).toHaveCount(3);
  await page.locator('#crash-point').selectOption('consumer-2.after_apply');
  await page.getByRole('group', { name: 'Crash at' }).getByRole('button', { name: 'Arm' }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  // Step until some consumer holds a delivery, and check the prefetch holds.
  let seen = false;
  for (let i = 0; i < 40 && !seen; i++) {
    await page.keyboard.press('ArrowRight');
    const subs = await stage.locator('.node.consumer .node-sub').allTextContents();
    for (const sub of subs) {
      const held = sub.match(/^unacked (\d+)\/2/);
      if (held) {
        expect(Number(held[1])).toBeLessThanOrEqual(2);
        seen = seen || Number(held[1]) > 0;
      }
    }
  }
  expect(seen).toBe(true);
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  const { summary } = await cliSummary(page, testInfo, 'competing.json');
  const applied = await page.getByRole('list', { name: 'Applied per consumer' }).getByRole('listitem').allInnerTexts();
  expect(applied.length).toBe(3);
  expect(applied.map((line) => Number(line.match(/: (\d+) applied/)[1]))).toEqual(summary.consumers.map((c) => c.applied));
  expect(summary.redelivered).toBeGreaterThan(0);
});

test('a consumer-group setting the core refuses is explained and the run is kept', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const groups = (await settingsPanel(page, 'Consumer groups'));
  await groups.getByLabel('Consumers as').selectOption('kafka');
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 6 ');
  const readout = await page.locator('.controls .step-readout').last().innerText();
  await setField(groups, 'Partitions', 9);
  await expect(page.getByRole('alert')).toContainText('kafka.partitions');
  await expect(page.getByRole('alert')).toContainText('The current run is kept');
  await expect(page.locator('.controls .step-readout').last()).toHaveText(readout);
  await setField(groups, 'Members per group', 7);
  await expect(page.getByRole('alert')).toContainText('topology.consumers');
  await expect(page.locator('.controls .step-readout').last()).toHaveText(readout);
  // Back to RabbitMQ style: the queue's settings return.
  await groups.getByLabel('Consumers as').selectOption('rabbitmq');
  await expect((await settingsPanel(page, 'Queue')).getByLabel('Prefetch')).toBeVisible();
});
