// The Challenges view: goals reached in the simulator and checked by the core on the
// simulator's own run. Two challenges are solved through the page (one by arming a crash,
// one by choosing a mode), a prediction is judged, near misses say why, the progress
// survives a reload and travels as a file, and the view passes axe.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { test, expect, openSite, predict, ledgerCounters, checkAccessibility, CLI } = require('./helpers');

// What the command line says of the run in the address bar, for a challenge.
function cliCheck(page, slug) {
  const link = new URL(page.url()).hash.replace(/^#/, '').split('/').slice(1).join('/');
  let out;
  try {
    out = execFileSync(CLI, ['challenge', slug, '--link', link], { encoding: 'utf8' });
  } catch (error) {
    if (error.status !== 1) throw error;
    out = error.stdout;
  }
  return JSON.parse(out.trim());
}

async function openChallenges(page) {
  await page.getByRole('tab', { name: 'Challenges' }).click();
  await expect(page).toHaveURL(/view=challenges/);
  const view = page.getByRole('region', { name: 'Challenges' });
  await expect(view).toBeVisible({ timeout: 20_000 });
  return view;
}

async function openChallenge(view, id) {
  await view.locator(`li[data-challenge="${id}"] button`).click();
  const card = view.locator(`article.challenge-card[data-challenge="${id}"]`);
  await expect(card).toBeVisible();
  return card;
}

// Arms "crash at POINT for mK" in the simulator.
async function armCrash(page, point, message) {
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption(point);
  await group.getByLabel('For message').selectOption(String(message));
  await group.getByRole('button', { name: 'Arm' }).click();
  await expect(group.getByRole('list', { name: 'Armed crash points' })).toContainText(`${point} for m${message}`);
}

// The counts line of a verdict, as numbers.
async function verdictCounts(card) {
  const text = await card.locator('.challenge-verdict .hint').first().innerText();
  const [, exactly, lost, duplicated] = text.match(/(\d+) exactly once, (\d+) lost, (\d+) applied twice/);
  return { exactly_once: Number(exactly), lost: Number(lost), duplicated: Number(duplicated) };
}

test('a find-a-fault challenge: a near miss says why, the crash that duplicates solves it, and the progress stays', async ({ guarded }) => {
  test.setTimeout(90_000);
  const { page } = guarded;
  await openSite(page);
  let view = await openChallenges(page);
  await expect(view.locator('#challenge-progress-count')).toHaveText(/^0 of \d+ solved$/);
  const total = Number((await view.locator('#challenge-progress-count').innerText()).match(/of (\d+)/)[1]);
  expect(total).toBeGreaterThanOrEqual(12);
  let card = await openChallenge(view, 'duplicate-one');
  await expect(card.locator('.challenge-goal')).toContainText('at-least-once');

  // Start it: the simulator opens on the challenge's run.
  await card.locator('#challenge-start').click();
  await expect(page.getByLabel('Delivery mode')).toHaveValue('at-least-once');

  // A harmless crash first: after the ack.
  await armCrash(page, 'consumer.after_ack', 2);
  view = await openChallenges(page);
  card = view.locator('article.challenge-card[data-challenge="duplicate-one"]');
  await expect(card).toBeVisible();
  await expect(card.locator('#challenge-run')).toContainText('consumer.after_ack');
  await card.locator('#challenge-check').click();
  await expect(card.locator('.challenge-verdict')).toHaveAttribute('data-solved', 'false');
  await expect(card.locator('.challenge-verdict')).toContainText('no message was applied twice');
  expect(await verdictCounts(card)).toEqual(pick(predict(['--mode', 'at-least-once', '--messages', '3', '--seed', '1', '--crash', 'consumer.after_ack:m2'])));

  // Start again and arm the crash that duplicates.
  await card.locator('#challenge-start').click();
  await armCrash(page, 'consumer.after_apply', 2);
  view = await openChallenges(page);
  card = view.locator('article.challenge-card[data-challenge="duplicate-one"]');
  await card.locator('#challenge-check').click();
  await expect(card.locator('.challenge-verdict')).toHaveAttribute('data-solved', 'true');
  const cli = predict(['--mode', 'at-least-once', '--messages', '3', '--seed', '1', '--crash', 'consumer.after_apply:m2']);
  expect(cli.duplicated).toBeGreaterThanOrEqual(1);
  expect(await verdictCounts(card)).toEqual(pick(cli));
  await expect(card.locator('h3')).toContainText('solved');
  await expect(card).toContainText('2 attempts');
  // The command line checks the same run, from the address bar, the same way.
  const native = cliCheck(page, 'duplicate-one');
  expect(native.solved).toBe(true);
  expect(pick(native)).toEqual(await verdictCounts(card));
  const axe = await checkAccessibility(page);
  expect(axe.violations, JSON.stringify(axe.violations, null, 1)).toEqual([]);

  // The progress survives a reload, and the list shows it.
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  view = await openChallenges(page);
  const item = view.locator('li[data-challenge="duplicate-one"]');
  await expect(item).toHaveAttribute('data-solved', 'true');
  await expect(view.locator('#challenge-progress-count')).toHaveText(`1 of ${total} solved`);
});

function pick(summary) {
  return { exactly_once: summary.exactly_once, lost: summary.lost, duplicated: summary.duplicated };
}

test('a fix-it challenge: at-least-once still duplicates, idempotent mode fixes both faults', async ({ guarded }) => {
  test.setTimeout(90_000);
  const { page } = guarded;
  await openSite(page);
  let view = await openChallenges(page);
  let card = await openChallenge(view, 'fix-two-faults');
  await card.locator('#challenge-start').click();
  // The start has the fault plan and at-least-once: checking it as it is falls short.
  await expect(page.getByLabel('Delivery mode')).toHaveValue('at-least-once');
  view = await openChallenges(page);
  card = view.locator('article.challenge-card[data-challenge="fix-two-faults"]');
  await card.locator('#challenge-check').click();
  await expect(card.locator('.challenge-verdict')).toHaveAttribute('data-solved', 'false');
  await expect(card.locator('.challenge-verdict')).toContainText('applied twice');

  // Idempotent mode, in the simulator.
  await card.locator('#challenge-start').click();
  await page.getByLabel('Delivery mode').selectOption({ label: 'Idempotent' });
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  const args = ['--mode', 'idempotent', '--messages', '3', '--seed', '1', '--crash', 'consumer.after_apply:m2', '--drop', 'producer->broker:publish:m3'];
  const cli = predict(args);
  const shown = await ledgerCounters(page);
  expect(shown.lost).toBe(cli.lost);
  expect(shown.duplicated).toBe(cli.duplicated);
  view = await openChallenges(page);
  card = view.locator('article.challenge-card[data-challenge="fix-two-faults"]');
  await card.locator('#challenge-check').click();
  await expect(card.locator('.challenge-verdict')).toHaveAttribute('data-solved', 'true');
  expect(await verdictCounts(card)).toEqual(pick(cli));

  // The worked solution replays in the simulator: idempotent mode with the plan.
  await card.locator('summary', { hasText: 'Show the worked solution' }).click();
  await card.locator('#challenge-replay').click();
  await expect(page.getByLabel('Delivery mode')).toHaveValue('idempotent');
});

test('a prediction is judged by the run, and the answer is explained', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const view = await openChallenges(page);
  const card = await openChallenge(view, 'predict-ack-first');
  await expect(card.locator('#challenge-lock')).toBeDisabled();
  await card.getByLabel('A message is applied twice.').check();
  await card.locator('#challenge-lock').click();
  const verdict = card.locator('.challenge-verdict');
  await expect(verdict).toHaveAttribute('data-solved', 'false');
  await expect(verdict).toContainText('Every message is applied exactly once.');
  const cli = predict(['--mode', 'at-least-once', '--messages', '3', '--seed', '1', '--crash', 'consumer.after_ack:m2']);
  expect(await verdictCounts(card)).toEqual(pick(cli));
  await expect(card.getByLabel('A message is applied twice.')).toBeDisabled();
  const axe = await checkAccessibility(page);
  expect(axe.violations, JSON.stringify(axe.violations, null, 1)).toEqual([]);
});

test('progress exports as a file, a broken file is refused with the progress kept, and a good one imports', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const view = await openChallenges(page);
  let card = await openChallenge(view, 'predict-ack-first');
  await card.getByLabel('Every message is applied exactly once.').check();
  await card.locator('#challenge-lock').click();
  await expect(card.locator('.challenge-verdict')).toHaveAttribute('data-solved', 'true');
  await expect(view.locator('#challenge-progress-count')).toContainText('1 of');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqlab-progress-'));
  const download = page.waitForEvent('download');
  await view.getByRole('button', { name: 'Export progress' }).click();
  const file = path.join(dir, 'progress.json');
  await (await download).saveAs(file);
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(exported.format).toBe('mqlab-progress');
  expect(exported.challenges['predict-ack-first']).toEqual({ solved: true, attempts: 1 });

  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{"format":"mqlab-progress","version":1,"challenges":{"duplicate-one":{"solved":"yes"}}}');
  await view.getByLabel('Import progress').setInputFiles(bad);
  await expect(view.getByRole('alert')).toContainText('This file is not MQ Lab progress');
  await expect(view.locator('#challenge-progress-count')).toContainText('1 of');

  const good = path.join(dir, 'good.json');
  exported.challenges['duplicate-one'] = { solved: true, attempts: 3 };
  fs.writeFileSync(good, JSON.stringify(exported));
  await view.getByLabel('Import progress').setInputFiles(good);
  await expect(view.getByRole('status').filter({ hasText: 'Progress imported' })).toContainText('2 challenges solved');
  await expect(view.locator('#challenge-progress-count')).toContainText('2 of');
  await view.locator('button', { hasText: 'All challenges' }).click();
  await expect(view.locator('li[data-challenge="duplicate-one"]')).toContainText('3 attempts');

  page.once('dialog', (dialog) => dialog.accept());
  await view.getByRole('button', { name: 'Reset progress' }).click();
  await expect(view.locator('#challenge-progress-count')).toContainText('0 of');
});

test('the view speaks Chinese', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '?lang=zh-CN');
  await page.getByRole('tab', { name: '挑战' }).click();
  const view = page.getByRole('region', { name: '挑战' });
  await expect(view).toBeVisible({ timeout: 20_000 });
  const card = await openChallenge(view, 'duplicate-one');
  await expect(card.locator('#challenge-check')).not.toHaveText('Check my run');
  await card.locator('#challenge-check').click();
  await expect(card.locator('.challenge-verdict')).toHaveAttribute('data-solved', 'false');
  await expect(card.locator('.challenge-verdict')).not.toContainText('Your run has no fault');
});
