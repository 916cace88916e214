// The Crash matrix and Compare views with Kafka-style consumer groups and with competing
// consumers on a queue: a link opens the world (two groups of two members, or two
// consumers), and the cells and columns the page shows are checked against the CLI
// running the same scenario with the same crash natively.
const { test, expect, openSite, predict, crc32 } = require('./helpers');

// A link of format version 5 (consumer groups), sealed with its checksum.
function link(body) {
  const text = `v5.${body}`;
  return `${text}~${crc32(text)}`;
}

// Six messages, two groups of two members on two partitions: consumer and consumer-2
// are group 1, consumer-3 and consumer-4 group 2.
const WORLD = { messages: 6, groups: 2, members: 2, partitions: 2 };

function body(commit, faults = []) {
  const fields = [
    'mode=at-least-once', `messages=${WORLD.messages}`, 'seed=1', `consumers=${WORLD.groups * WORLD.members}`,
    'style=kafka', `groups=${WORLD.groups}`, `partitions=${WORLD.partitions}`,
  ];
  if (commit !== 'after') fields.push(`commit=${commit}`);
  for (const fault of faults) fields.push(`fault=${fault}`);
  return fields.join('&');
}

function cli(commit, crash) {
  const args = [
    '--mode', 'at-least-once', '--messages', String(WORLD.messages), '--seed', '1',
    '--style', 'kafka', '--groups', String(WORLD.groups), '--consumers', String(WORLD.members),
    '--partitions', String(WORLD.partitions), '--commit', commit,
  ];
  if (crash) args.push('--crash', crash);
  return predict(args);
}

// The worst group of the CLI's per-group counters, as the matrix names it: a loss
// before a duplicate, then more messages, then the first group. The CLI's groups list
// carries exactly_once, lost and duplicated; these runs have no other anomaly.
function worstGroup(groups) {
  const rank = (g) => (g.lost > 0 ? 0 : g.duplicated > 0 ? 1 : 2);
  let worst = 0;
  groups.forEach((g, i) => {
    const w = groups[worst];
    const count = (x) => (rank(x) === 0 ? x.lost : x.duplicated);
    if (rank(g) < rank(w) || (rank(g) === rank(w) && count(g) > count(w))) worst = i;
  });
  return worst;
}

function expectedCellText(groups) {
  const worst = worstGroup(groups);
  const g = groups[worst];
  if (g.lost === 0 && g.duplicated === 0) return null;
  const parts = [];
  if (g.lost > 0) parts.push(`lost ${g.lost}`);
  if (g.duplicated > 0) parts.push(`duplicated ${g.duplicated}`);
  const others = groups.filter((x, i) => i !== worst && x.exactly_once !== WORLD.messages).length;
  const tail = others === 0 ? '' : `; ${others} other group${others === 1 ? '' : 's'} not exactly once`;
  return `group ${worst + 1}: ${parts.join(', ')}${tail}`;
}

async function runMatrix(page, commit) {
  await page.goto('about:blank');
  await openSite(page, `#${link(body(commit))}`);
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  const region = page.getByRole('region', { name: 'At-least-once crash matrix' });
  await page.getByRole('button', { name: /^Run \d+ runs$/ }).click();
  await page.locator('[data-figure="elapsed-ms"]').waitFor({ timeout: 60_000 });
  // The rows follow the world: each member of group 1, the first member of group 2,
  // and the commit in place of the ack.
  for (const row of ['consumer.after_commit', 'consumer-2.after_apply', 'consumer-3.after_commit']) {
    await expect(region.locator(`tr[data-point="${row}"]`)).toHaveCount(1);
  }
  await expect(region.locator('tr[data-point="consumer-4.after_apply"]')).toHaveCount(0);
  await expect(region.locator('tr[data-point="consumer.after_ack"]')).toHaveCount(0);
  await expect(region.locator('.not-applicable')).toContainText('consumer.after_ack');
  await expect(region).toContainText('Rows left out: consumer-4.');
  return region;
}

test('crash matrix with consumer groups: commit before loses and commit after duplicates, in the group the CLI names', async ({ guarded }) => {
  const { page } = guarded;
  const cases = [
    { commit: 'before', point: 'after_commit', kind: 'lost' },
    { commit: 'after', point: 'after_apply', kind: 'duplicated' },
  ];
  for (const { commit, point, kind } of cases) {
    const region = await runMatrix(page, commit);
    let seen = 0;
    for (const member of ['consumer', 'consumer-2', 'consumer-3']) {
      for (let m = 1; m <= WORLD.messages; m++) {
        const crash = `${member}.${point}:m${m}`;
        const cell = region.locator(`a.matrix-cell[data-crash="${crash}"]`);
        const shown = await cell.getAttribute('data-outcome');
        const predicted = cli(commit, crash);
        const expected = expectedCellText(predicted.groups);
        if (expected === null) {
          // The member does not own the message's partition, or the crash changes
          // nothing: every group exactly once (order across keys is not an anomaly).
          expect(predicted.groups.every((g) => g.exactly_once === WORLD.messages), crash).toBe(true);
          expect(shown, `commit ${commit}: ${crash}`).toBe('exactly once');
          continue;
        }
        expect(shown, `commit ${commit}: ${crash}`).toBe(expected);
        await expect(cell).toHaveClass(new RegExp(`\\b${kind}\\b`));
        // The member's own group is the one that lost or duplicated.
        const group = member === 'consumer-3' ? 2 : 1;
        expect(shown.startsWith(`group ${group}: ${kind} 1`), `${crash}: ${shown}`).toBe(true);
        const perGroup = await cell.getAttribute('data-groups');
        expect(perGroup).toContain(`group ${3 - group}: exactly once`);
        seen += 1;
      }
    }
    // Every message reaches the point once in group 1, and some in group 2.
    expect(seen, `commit ${commit}`).toBeGreaterThan(WORLD.messages);
  }
  await page.screenshot({ path: 'output/screenshots/crash-matrix-groups.png', fullPage: true });
});

test('compare with consumer groups: each group\'s counters and its own differences, as the CLI says', async ({ guarded }) => {
  const { page } = guarded;
  const crash = 'consumer-3.after_apply:m3';
  await openSite(page, `#${link(body('after', ['crash_at,consumer-3.after_apply,m3']))}`);
  await page.getByRole('tab', { name: 'Compare' }).click();
  await expect(page.getByText('2 consumer groups read the topic, each on its own')).toBeVisible();
  const modes = [
    ['At-least-once', 'at-least-once'],
    ['Idempotent', 'idempotent'],
  ];
  for (const [label, mode] of modes) {
    const column = page.getByRole('region', { name: label, exact: true });
    const predicted = predict([
      '--mode', mode, '--messages', '6', '--seed', '1', '--style', 'kafka', '--groups', '2',
      '--consumers', '2', '--partitions', '2', '--commit', 'after', '--crash', crash,
    ]);
    for (const key of ['exactly_once', 'lost', 'duplicated']) {
      const text = await column.locator(`li[data-counter="${key}"]`).innerText();
      expect(Number(text.trim().split(': ').pop()), `${label}: ${key}`).toBe(predicted[key]);
    }
    const groups = column.getByRole('list', { name: 'Consumer groups' });
    for (let g = 0; g < predicted.groups.length; g++) {
      const item = groups.locator(`li[data-group="${g + 1}"]`);
      for (const [attr, key] of [['data-exactly-once', 'exactly_once'], ['data-lost', 'lost'], ['data-duplicated', 'duplicated']]) {
        expect(Number(await item.getAttribute(attr)), `${label}, group ${g + 1}: ${key}`).toBe(predicted.groups[g][key]);
      }
    }
    const applied = await column.locator('[data-figure="applied-by-consumer"]').innerText();
    for (const consumer of predicted.consumers) {
      expect(applied, label).toContain(`${consumer.name} ${consumer.applied}`);
    }
  }
  // At-least-once applies m3 twice in group 2 only; the idempotent consumer once.
  const alo = cli('after', crash);
  expect(alo.groups[0].duplicated).toBe(0);
  expect(alo.groups[1].duplicated).toBe(1);
  const table = page.getByRole('table', { name: 'Differences' });
  await expect(table).toContainText('m3 (group 2)');
  await expect(table).toContainText('m3 in group 2: ');
  await expect(table).toContainText('at-least-once applies it twice (consumer-3 crashed');
  await expect(table).toContainText('idempotent applies it once.');
  await expect(table).not.toContainText('(group 1)');
  await page.screenshot({ path: 'output/screenshots/compare-groups.png', fullPage: true });
});

// The words a matrix cell shows for a queue's summary (the core's `Outcome::text`,
// without groups, 2PC blocking or poison messages, which this scenario has none of).
function queueOutcomeText(s) {
  if (!s.quiet) return `unfinished (${s.pending} pending)`;
  const parts = [];
  if (s.lost > 0) parts.push(`lost ${s.lost}`);
  if (s.duplicated > 0) parts.push(`duplicated ${s.duplicated}`);
  if (s.reordered_per_key > 0) parts.push(`reordered ${s.reordered_per_key}`);
  return parts.length === 0 && s.pending === 0 ? 'exactly once' : parts.join(', ');
}

test('crash matrix with competing consumers: the second consumer has its own rows, and its cells are the CLI\'s', async ({ guarded }) => {
  const { page } = guarded;
  // Version 2 of the link format adds the world's node counts.
  const text = `v2.mode=at-least-once&messages=${WORLD.messages}&seed=1&consumers=2`;
  await openSite(page, `#${text}~${crc32(text)}`);
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  for (const mode of ['At-most-once', 'Idempotent', 'Transactional (2PC)']) {
    await page.getByRole('checkbox', { name: mode }).uncheck();
  }
  await page.getByRole('button', { name: /^Run \d+ runs$/ }).click();
  await page.locator('[data-figure="elapsed-ms"]').waitFor({ timeout: 60_000 });
  const region = page.getByRole('region', { name: 'At-least-once crash matrix' });
  for (const row of ['consumer.after_ack', 'consumer-2.after_receive', 'consumer-2.after_apply', 'consumer-2.after_ack']) {
    await expect(region.locator(`tr[data-point="${row}"]`)).toHaveCount(1);
  }
  let duplicated = 0;
  for (let m = 1; m <= WORLD.messages; m++) {
    const crash = `consumer-2.after_apply:m${m}`;
    const shown = await region.locator(`a.matrix-cell[data-crash="${crash}"]`).getAttribute('data-outcome');
    const predicted = predict(['--mode', 'at-least-once', '--messages', String(WORLD.messages), '--seed', '1', '--consumers', '2', '--crash', crash]);
    expect(shown, crash).toBe(queueOutcomeText(predicted));
    if (predicted.duplicated > 0) duplicated += 1;
  }
  // The second consumer takes its share of the messages, and its crash after applying
  // one makes the broker deliver it again: some of its cells duplicate.
  expect(duplicated).toBeGreaterThan(0);
});

// The largest Kafka world the matrix takes: 3 groups of 6 members on 8 partitions, 60
// messages. Its at-least-once grid is 1,800 runs, enough to run in the Web Worker.
const LARGEST = 'mode=at-least-once&messages=60&seed=1&consumers=18&style=kafka&groups=3&partitions=8';

// Leaves only at-least-once ticked (a topic has no transactional mode), once the view
// has loaded.
async function onlyAtLeastOnce(page) {
  await page.getByRole('button', { name: /^Run \d+ runs$/ }).waitFor({ timeout: 30_000 });
  for (const mode of ['Idempotent', 'At-most-once']) {
    await page.getByRole('checkbox', { name: mode }).uncheck();
  }
}

// Runs the at-least-once matrix of the largest world and reads every cell: how it was
// run (worker or page), how long it took and each cell's crash, outcome, groups and link.
async function largestMatrix(page) {
  await page.goto('about:blank');
  await openSite(page, `#${link(LARGEST)}`);
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  await onlyAtLeastOnce(page);
  await page.getByRole('button', { name: 'Run 1800 runs' }).click({ timeout: 10_000 });
  await page.locator('[data-figure="elapsed-ms"]').waitFor({ timeout: 120_000 });
  const finished = page.locator('p.progress[data-runner]');
  const cells = await page.locator('a.matrix-cell').evaluateAll((links) => links.map((a) => [
    a.dataset.mode, a.dataset.crash, a.dataset.outcome, a.dataset.groups || '', a.dataset.fired,
    a.getAttribute('href'), a.className,
  ].join(' | ')));
  return {
    runner: await finished.getAttribute('data-runner'),
    ms: Number(await page.locator('[data-figure="elapsed-ms"]').innerText()),
    cells,
  };
}

test('crash matrix of the largest Kafka world: the worker\'s cells are the cells the page finds in slices', async ({ guarded }) => {
  test.setTimeout(300_000);
  const { page } = guarded;
  const worker = await largestMatrix(page);
  expect(worker.runner).toBe('worker');
  expect(worker.cells).toHaveLength(1800);
  // Some crashes lose or duplicate, in a named group.
  expect(worker.cells.some((cell) => /\| group \d: (lost|duplicated) /.test(cell))).toBe(true);

  // The same search without Workers: the page says so and runs it in slices.
  await page.addInitScript(() => { delete window.Worker; });
  const page_ = await largestMatrix(page);
  expect(page_.runner).toBe('page');
  await expect(page.locator('.worker-notice')).toContainText('runs on the page instead');
  expect(page_.cells).toEqual(worker.cells);
  console.log(`largest Kafka at-least-once matrix (1,800 runs): ${worker.ms} ms in the worker, ${page_.ms} ms in slices on the page`);
});

test('crash matrix: a worker that cannot be loaded is said so, and the page runs the search', async ({ guarded }) => {
  test.setTimeout(300_000);
  const { page } = guarded;
  await openSite(page, `#${link(LARGEST)}`);
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  await onlyAtLeastOnce(page);
  await page.evaluate(() => {
    document.querySelector('meta[name="mqlab-matrix-worker"]').setAttribute('content', './no-such-worker.js');
  });
  await page.getByRole('button', { name: 'Run 1800 runs' }).click({ timeout: 10_000 });
  await expect(page.locator('.worker-notice')).toContainText('could not be loaded');
  await page.locator('[data-figure="elapsed-ms"]').waitFor({ timeout: 120_000 });
  await expect(page.locator('p.progress[data-runner="page"]')).toHaveCount(1);
  await expect(page.locator('a.matrix-cell')).toHaveCount(1800);
  // The view keeps working: the search can be run again.
  await expect(page.getByRole('button', { name: 'Run 1800 runs' })).toBeEnabled();
});

test('crash matrix: Cancel ends the worker, and no cell arrives after it', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, `#${link(LARGEST)}`);
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  const run = page.getByRole('button', { name: /^Run \d+ runs$/ });
  await run.waitFor({ timeout: 30_000 });
  await run.click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  const status = page.getByText(/^Cancelled after \d+ of \d+ runs\./);
  await expect(status).toBeVisible();
  const [, done] = (await status.innerText()).match(/after (\d+) of/);
  const cells = await page.locator('a.matrix-cell').count();
  expect(cells).toBe(Number(done));
  // Long enough for several of the worker's batches: none is drawn.
  await page.waitForTimeout(1_000);
  await expect(page.locator('a.matrix-cell')).toHaveCount(cells);
  await expect(page.locator('[data-figure="elapsed-ms"]')).toHaveCount(0);
});
