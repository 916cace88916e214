// The replicated queue in the page: three replicas with acks=1 lose the writes the
// leader acknowledged when it crashes before its followers fetched them; the page's
// counters are the core's (the CLI re-simulates the exported run and agrees), and a
// setting the core refuses keeps the current run.
const fs = require('fs');
const { execFileSync } = require('child_process');
const { test, expect, openSite, ledgerCounters, CLI, settingsPanel } = require('./helpers');

async function replicate(page, replicas, acks) {
  const panel = (await settingsPanel(page, 'Replication'));
  await panel.getByLabel('Replicas', { exact: true }).fill(String(replicas));
  await panel.getByLabel('Replicas', { exact: true }).press('Enter');
  await panel.getByLabel('acks', { exact: true }).selectOption(acks);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
}

// The replication counters as the page shows them ("Leader changes: 1").
async function replicationCounters(page) {
  const list = page.getByRole('list', { name: 'Replication counters' });
  const read = async (name) => {
    const text = await list.getByRole('listitem').filter({ hasText: new RegExp(`^${name}: \\d+$`) }).innerText();
    return Number(text.split(': ')[1]);
  };
  return {
    acked_lost: await read('Acknowledged, then lost'),
    producer_errors: await read('Refused writes'),
    leader_changes: await read('Leader changes'),
    unavailable_ticks: await read('Unavailable ticks'),
  };
}

test('acks=1 on three replicas: crashing the leader loses acknowledged writes, as the CLI says', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  await openSite(page);
  await replicate(page, 3, '1');
  const stage = page.getByRole('region', { name: 'Stage' });
  // Three replicas, the first one leading, and the controller.
  await expect(stage.locator('.node.replica')).toHaveCount(3);
  await expect(stage.locator('.node.replica.leader')).toContainText('Broker · ♛ leader');
  await expect(stage.locator('.node.controller')).toContainText('Controller · epoch 0');

  // The moment chosen: the leader has appended m1 to m4 and confirmed the first ones,
  // while its followers have fetched only m1.
  for (let i = 0; i < 14; i++) await page.keyboard.press('ArrowRight');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 14 ');
  await expect(stage.locator('.node.replica.leader')).toContainText('LEO 4');
  await expect(stage.locator('.node.replica').nth(1)).toContainText('LEO 1');
  await page.getByRole('button', { name: 'Crash broker', exact: true }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');

  const ledger = page.getByRole('region', { name: 'Ledger' });
  await expect(ledger).toContainText('run finished');
  await expect(ledger).toContainText('was acknowledged, then lost: the producer was told it was written');
  await expect(ledger.getByRole('list', { name: 'Replication notes' })).toContainText('the broker, its leader, was down');
  await expect(stage.locator('.node.controller')).toContainText('leader 2');
  const shown = { ...(await ledgerCounters(page)), ...(await replicationCounters(page)) };
  expect(shown.acked_lost).toBeGreaterThan(0);
  expect(shown.leader_changes).toBe(1);
  await expect(page).toHaveURL(/#v4\./);

  // The same run in the CLI: the exported file is what the link holds.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export JSON/ }).click();
  const file = testInfo.outputPath('replicated.json');
  await (await download).saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(exported.topology.brokers).toBe(3);
  expect(exported.replication.acks).toBe('1');
  const out = execFileSync(CLI, ['run', '--scenario', file], { encoding: 'utf8' }).trim().split('\n');
  const cli = JSON.parse(out[out.length - 1]);
  for (const key of ['exactly_once', 'lost', 'duplicated', 'reordered', 'in_doubt',
    'acked_lost', 'producer_errors', 'leader_changes', 'unavailable_ticks']) {
    expect(shown[key], `${key} in the page vs the CLI`).toBe(cli[key]);
  }
  const lostRows = ledger.getByRole('row').filter({ hasText: 'acknowledged, then lost' });
  await expect(lostRows).toHaveCount(cli.acked_lost);
  await page.screenshot({ path: 'output/screenshots/replication-acked-lost.png', fullPage: true });
});

test('a replication setting the core refuses is explained and the run is kept', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await replicate(page, 3, 'all');
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 6 ');
  const readout = await page.locator('.controls .step-readout').last().innerText();
  const panel = (await settingsPanel(page, 'Replication'));

  await panel.getByLabel('min.insync.replicas').fill('4');
  await panel.getByLabel('min.insync.replicas').press('Enter');
  await expect(page.getByRole('alert')).toContainText('replication.min_insync_replicas: must be between 1 and 3 (got 4)');
  await expect(page.getByRole('alert')).toContainText('The current run is kept');
  await expect(page.locator('.controls .step-readout').last()).toHaveText(readout);
  await expect(page.getByRole('region', { name: 'Stage' }).locator('.node.replica')).toHaveCount(3);

  await panel.getByLabel('Replicas', { exact: true }).fill('9');
  await panel.getByLabel('Replicas', { exact: true }).press('Enter');
  await expect(page.getByRole('alert')).toContainText('topology.brokers');
  await expect(page.locator('.controls .step-readout').last()).toHaveText(readout);

  // The controller cannot crash; it can be cut off. Cutting the leader's link to it
  // (both ways) makes the controller fence the leader and elect another.
  await expect(page.getByRole('button', { name: 'Crash controller' })).toHaveCount(0);
  await page.locator('#fault-link').selectOption('broker->controller');
  await page.getByRole('button', { name: /Partition link/ }).click();
  await expect(page.getByRole('region', { name: 'Stage' }).locator('.link.partitioned')).toHaveCount(2);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  const controller = page.getByRole('region', { name: 'Stage' }).locator('.node.controller');
  for (let i = 0; i < 60 && !(await controller.textContent()).includes('epoch 1'); i++) {
    await page.keyboard.press('ArrowRight');
  }
  await expect(controller).toContainText('leader 2 · in sync {2,3}');
  expect((await replicationCounters(page)).leader_changes).toBe(1);
});

// The crash matrix of a replicated queue: its rows are the leader's and each follower's
// crash points, there is no transactional mode, and under acks=1 the leader's crash
// after its confirm loses acknowledged writes while under acks=all no cell does; every
// such cell agrees with the CLI.
for (const acks of ['1', 'all']) {
  test(`crash matrix of three replicas with acks=${acks}`, async ({ guarded }) => {
    const { page } = guarded;
    await openSite(page);
    const messages = page.getByRole('spinbutton', { name: 'Messages' });
    await messages.fill('4');
    await messages.press('Enter');
    await replicate(page, 3, acks);
    await page.getByRole('tab', { name: 'Crash matrix' }).click();
    await expect(page.getByText('The queue is replicated on 3 brokers')).toBeVisible();
    await expect(page.getByRole('checkbox', { name: 'Transactional' })).toHaveCount(0);
    await page.getByRole('button', { name: /^Run \d+ runs$/ }).click();
    await expect(page.getByText(/^✔ \d+ runs in/)).toBeVisible({ timeout: 60_000 });
    const grid = page.getByRole('table', { name: 'At-least-once single crashes' });
    for (const row of ['broker.after_append', 'broker.after_confirm', 'broker-2.after_fetch', 'broker-3.after_fetch']) {
      await expect(grid.getByRole('rowheader', { name: row })).toBeVisible();
    }
    await expect(grid.getByRole('rowheader', { name: 'broker.after_fsync' })).toHaveCount(0);
    const ackedLost = grid.locator('a.matrix-cell.acked-lost');
    const cell = grid.locator('a.matrix-cell[data-crash="broker.after_confirm:m2"]');
    const cli = JSON.parse(execFileSync(CLI, ['run', '--mode', 'at-least-once', '--messages', '4', '--replicas', '3',
      '--acks', acks, '--crash', 'broker.after_confirm:m2']).toString());
    if (acks === '1') {
      expect(await ackedLost.count()).toBeGreaterThan(0);
      expect(cli.acked_lost).toBeGreaterThan(0);
      await expect(cell).toHaveClass(/acked-lost/);
    } else {
      await expect(ackedLost).toHaveCount(0);
      expect(cli.acked_lost).toBe(0);
    }
    // The cell's outcome is the CLI's counts in words.
    if (cli.lost + cli.duplicated + cli.reordered === 0) {
      await expect(cell).toHaveAttribute('data-outcome', 'exactly once');
    } else {
      if (cli.lost > 0) await expect(cell).toHaveAttribute('data-outcome', new RegExp(`lost ${cli.lost}\\b`));
      if (cli.duplicated > 0) await expect(cell).toHaveAttribute('data-outcome', new RegExp(`duplicated ${cli.duplicated}\\b`));
    }
  });
}
