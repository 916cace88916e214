// The lessons of the Transactions view, played in the page: each opens its run, takes a
// prediction, plays to the end, and marks as true the answer that the core's run makes
// true. The ledger on screen is the one the command line gives for the same settings,
// and "Open this run in the form" hands those settings to the form.
const { test, expect, openSite, predict, checkAccessibility, runDualWrites } = require('./helpers');

const KAFKA = ['--mode', 'transactional', '--protocol', 'kafka', '--messages', '4', '--txn-size', '2', '--seed', '1'];
const DUAL = ['--messages', '3', '--seed', '1'];

// Each lesson: its slug, its run as the command line writes it, the answer the run makes
// true, and a form field that "Open this run in the form" fills.
const LESSONS = [
  { id: 'commit-markers', args: [...KAFKA, '--crash', 'producer.after_send:m2'],
    answer: 'Each message once', field: ['Crash point', 'producer.after_send'] },
  { id: 'hung-transaction', args: [...KAFKA, '--pause', 'producer@20..200'],
    answer: 'It waits until the transaction times out', field: ['Pauses (NODE@FROM..TO)', 'producer@20..200'] },
  { id: 'zombie-fencing', args: [...KAFKA, '--zombie', '--pause', 'producer@20..200'],
    answer: 'The old instance is fenced', field: ['Pauses (NODE@FROM..TO)', 'producer@20..200'] },
  { id: 'exactly-once-edge', args: [...KAFKA, '--external-effect', '--crash', 'producer.before_end_txn:m2'],
    answer: 'the external calls are made twice', field: ['Crash point', 'producer.before_end_txn'] },
  { id: 'dual-write-problem', args: [...DUAL, '--pattern', 'commit-first', '--crash', 'service.after_db_commit:m2'],
    answer: 'It is lost', field: ['Pattern', 'commit-first'] },
  { id: 'outbox-twice', args: [...DUAL, '--pattern', 'outbox', '--crash', 'relay.after_publish:m2'],
    answer: 'reach the broker twice', field: ['Pattern', 'outbox'] },
  { id: 'inbox-reach', args: [...DUAL, '--pattern', 'outbox-inbox', '--crash', 'relay.after_publish:m2', '--at', '28:crash:consumer'],
    answer: "m2's external call is made twice", field: ['Crashes at ticks (TICK:crash|restart:NODE)', '28:crash:consumer'] },
];

const COUNTERS = ['exactly_once', 'lost', 'duplicated'];

async function openTransactions(page) {
  await openSite(page);
  await page.getByRole('tab', { name: 'Transactions' }).click();
  await expect(page).toHaveURL(/view=transactions/);
  const lessons = page.getByRole('region', { name: 'Lessons' });
  await expect(lessons).toBeVisible({ timeout: 20_000 });
  return lessons;
}

for (const lesson of LESSONS) {
  test(`the lesson ${lesson.id}: predict, play, and the run's answer`, async ({ guarded }) => {
    test.setTimeout(90_000);
    const { page } = guarded;
    const list = await openTransactions(page);
    await list.locator(`button[data-lesson="${lesson.id}"]`).click();
    const card = page.locator(`section.worlds-lesson[data-lesson="${lesson.id}"]`);
    await expect(card).toBeVisible();
    // Before the run: one cue (the scene), no answer yet.
    await expect(card.locator('#worlds-lesson-cues li')).toHaveCount(1);
    await expect(card.locator('.lesson-mark')).toHaveCount(0);
    // A prediction: the first answer.
    await card.locator('#worlds-lesson-choice-1').check();
    await page.getByRole('button', { name: 'Step forward' }).click();
    await page.getByRole('button', { name: 'Jump to the end' }).click();
    const position = await page.locator('#worlds-position').innerText();
    const [, step, total] = position.match(/Step (\d+) of (\d+)/);
    expect(step).toEqual(total);

    // The answer the run makes true, and only it.
    const holds = card.locator('.choices li.holds');
    await expect(holds).toHaveCount(1);
    await expect(holds).toContainText(lesson.answer);
    const rightAnswerFirst = await card.locator('.choices li').first().evaluate((li) => li.classList.contains('holds'));
    await expect(card.locator('#worlds-lesson-verdict')).toContainText(rightAnswerFirst ? 'is what the run shows' : 'is not what the run shows');
    await expect(card.locator('#worlds-lesson-summary')).not.toBeEmpty();
    expect(await card.locator('#worlds-lesson-cues li').count()).toBeGreaterThan(3);

    // The ledger is the core's, as the command line prints it.
    const predicted = predict(lesson.args);
    const ledger = page.getByRole('region', { name: 'Ledger' });
    for (const name of COUNTERS) {
      await expect(ledger.locator(`[data-counter="${name}"] strong`), name).toHaveText(String(predicted[name]));
    }

    // Into the form: the lesson closes, the run stays, and the form holds its settings.
    await card.getByRole('button', { name: 'Open this run in the form' }).click();
    await expect(card).toHaveCount(0);
    const settings = page.getByRole('form', { name: 'Settings of the run' });
    const [label, value] = lesson.field;
    await expect(settings.getByLabel(label)).toHaveValue(value);
    await expect(page.locator('#worlds-position')).toContainText(`Step ${total} of ${total}`);
    // Run from the form: the same run, the same ledger.
    await settings.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('button', { name: 'Jump to the end' }).click();
    for (const name of COUNTERS) {
      await expect(ledger.locator(`[data-counter="${name}"] strong`), name).toHaveText(String(predicted[name]));
    }
  });
}

test('an open lesson passes the accessibility checks, before and after its answer', async ({ guarded }) => {
  test.setTimeout(120_000);
  const { page } = guarded;
  const list = await openTransactions(page);
  await list.locator('button[data-lesson="inbox-reach"]').click();
  const serious = async () => (await checkAccessibility(page)).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help}`);
  expect(await serious()).toEqual([]);
  await page.getByRole('button', { name: 'Jump to the end' }).click();
  await expect(page.locator('.choices li.holds')).toHaveCount(1);
  expect(await serious()).toEqual([]);
  await page.getByRole('button', { name: 'Close the lesson' }).click();
  await expect(page.getByRole('region', { name: 'Lessons' })).toBeVisible();
});

test('a lesson keeps its place when the language changes, and when the learner comes back from another view', async ({ guarded }) => {
  test.setTimeout(90_000);
  const { page } = guarded;
  const list = await openTransactions(page);
  await list.locator('button[data-lesson="zombie-fencing"]').click();
  await page.locator('#worlds-lesson-choice-3').check();
  for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'Step forward' }).click();
  const position = page.locator('#worlds-position');
  await expect(position).toContainText('Step 5 of');
  const cues = await page.locator('#worlds-lesson-cues li').count();

  await page.locator('select.lang-switch').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  const card = page.locator('section.worlds-lesson[data-lesson="zombie-fencing"]');
  await expect(card.locator('#worlds-lesson-title')).toHaveText('停住的生产者在替身接手之后醒来，会发生什么？', { timeout: 20_000 });
  await expect(page.locator('#worlds-lesson-choice-3')).toBeChecked();
  await expect(page.locator('#worlds-lesson-cues li')).toHaveCount(cues);
  await expect(position).toContainText('5');

  await page.locator('select.lang-switch').selectOption('en');
  await expect(card.locator('#worlds-lesson-title')).toHaveText('What happens when a stalled producer wakes up after its replacement took over?');
  await page.getByRole('tab', { name: 'Simulator' }).click();
  await page.getByRole('tab', { name: 'Transactions' }).click();
  await expect(position).toContainText('Step 5 of', { timeout: 20_000 });
  await expect(page.locator('#worlds-lesson-choice-3')).toBeChecked();
});

test('the Lessons view points to the lessons of the Transactions view', async ({ guarded }) => {
  test.setTimeout(60_000);
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('tab', { name: 'Lessons' }).click();
  const link = page.getByRole('link', { name: 'Open the Transactions view' });
  await expect(link).toBeVisible({ timeout: 20_000 });
  await link.click();
  await expect(page.getByRole('tab', { name: 'Transactions' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('region', { name: 'Lessons' }).locator('button[data-lesson="commit-markers"]')).toBeVisible({ timeout: 20_000 });
});

test('the address holds the run or the lesson on screen, and opens it again; a bad one is told and the default run shown', async ({ guarded }) => {
  test.setTimeout(90_000);
  const { page } = guarded;
  // A run from the form goes into the address...
  const settings = await runDualWrites(page, { pattern: 'outbox', messages: 3, seed: 1, crash: 'relay.after_publish', message: 'm2' });
  await expect(page).toHaveURL(/[?&]tx=[^#]*pattern=outbox/);
  const address = page.url();

  // ...and opens it again in a fresh page.
  await page.goto('about:blank');
  await page.goto(address);
  await expect(settings.getByLabel('Pattern')).toHaveValue('outbox', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Jump to the end' }).click();
  const predicted = predict(['--pattern', 'outbox', '--messages', '3', '--seed', '1', '--crash', 'relay.after_publish:m2']);
  const ledger = page.getByRole('region', { name: 'Ledger' });
  for (const name of ['exactly_once', 'lost', 'duplicated', 'broker_duplicates']) {
    await expect(ledger.locator(`[data-counter="${name}"] strong`), name).toHaveText(String(predicted[name]));
  }

  // A lesson's address opens the lesson.
  await page.goto('./?tx=lesson=outbox-twice#view=transactions/');
  await expect(page.locator('section.worlds-lesson[data-lesson="outbox-twice"]')).toBeVisible({ timeout: 20_000 });

  // A setting the view does not have: said, the default run shown, the address kept.
  await page.goto('./?tx=colour=red#view=transactions/');
  await expect(page.locator('#worlds-link-problem')).toContainText("'colour'", { timeout: 20_000 });
  await expect(page.locator('#worlds-position')).toContainText('Step 0 of');
  await expect(page).toHaveURL(/tx=colour=red/);
  // A value the form refuses is told as the form tells it.
  await page.goto('./?tx=world=kafka;messages=0#view=transactions/');
  await expect(page.locator('#worlds-problem')).toContainText("Messages: '0' is not a whole number from 1 to 20.", { timeout: 20_000 });
  // Opening a lesson clears the notice and writes the lesson into the address.
  await page.getByRole('region', { name: 'Lessons' }).locator('button[data-lesson="dual-write-problem"]').click();
  await expect(page.locator('#worlds-problem')).toHaveCount(0);
  await expect(page).toHaveURL(/tx=lesson=dual-write-problem/);
});

test('the player of the Transactions view takes the simulator\'s keys', async ({ guarded }) => {
  test.setTimeout(60_000);
  const { page } = guarded;
  await openTransactions(page);
  const position = page.locator('#worlds-position');
  await expect(position).toContainText('Step 0 of');
  await page.locator('.worlds-intro').click();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('l');
  await expect(position).toContainText('Step 2 of');
  await page.keyboard.press('ArrowLeft');
  await expect(position).toContainText('Step 1 of');
  await page.keyboard.press('End');
  const [, step, total] = (await position.innerText()).match(/Step (\d+) of (\d+)/);
  expect(step).toEqual(total);
  await page.keyboard.press('Home');
  await expect(position).toContainText('Step 0 of');
  await page.keyboard.press(' ');
  await expect(page.locator('#worlds-play')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('k');
  await expect(page.locator('#worlds-play')).toHaveAttribute('aria-pressed', 'false');
  // Typing in the form is typing, not playing.
  await page.getByRole('form', { name: 'Settings of the run' }).getByLabel('Seed').press('ArrowRight');
  await expect(page.locator('#worlds-play')).toHaveAttribute('aria-pressed', 'false');
});
