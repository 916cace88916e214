// The questions at the end of a lesson ("Check yourself"): asked once the run has ended,
// each answer said right or wrong with its explanation, and a button that shows the step
// of the run where it happens — the step the command line's trace of the same scenario
// gives. The answers are kept, shown in the list of lessons, and survive a reload.
const { execFileSync } = require('child_process');
const { test, expect, openSite, checkAccessibility, CLI } = require('./helpers');

// The trace of a scenario, as the command line prints it (one JSON object per event).
function trace(args) {
  const out = execFileSync(CLI, ['run', ...args, '--trace'], { encoding: 'utf8' });
  return out.trim().split('\n').slice(0, -1).map((line) => JSON.parse(line));
}

test('a lesson asks its questions at the end, explains each answer and shows its step', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '#lesson=fire-and-forget');
  const lesson = page.getByRole('article', { name: 'What does fire-and-forget do when the broker crashes?' });
  await expect(lesson).toBeVisible();
  // No questions before the run has ended.
  await expect(lesson.getByRole('region', { name: 'Check yourself' })).toHaveCount(0);

  await lesson.getByRole('radiogroup').getByRole('radio', { name: 'At least one message is lost for good.' }).check();
  await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).click();
  await lesson.getByRole('button', { name: 'Skip to the end' }).click();
  await expect(lesson.locator('.reveal-live')).toContainText('Your prediction held.', { timeout: 30_000 });

  const checks = lesson.getByRole('region', { name: 'Check yourself' });
  await expect(checks).toBeVisible();
  await expect(checks.getByRole('group')).toHaveCount(3);
  const axe = await checkAccessibility(page);
  expect(axe.violations, JSON.stringify(axe.violations, null, 1)).toEqual([]);

  // A right answer: said so, explained, and pointing at the step where the last message
  // is lost — the step after the trace's event, as the cues count steps.
  const first = checks.getByRole('group', { name: 'How many of the three messages did the consumer apply?' });
  await first.getByRole('radio', { name: 'None of the three.' }).check();
  await expect(checks).toContainText('Right.');
  await expect(checks).toContainText('the publishes of m2 and m3 reached a broker that was down');
  const events = trace(['--mode', 'at-most-once', '--messages', '3', '--seed', '1', '--crash', 'broker.after_append:m1']);
  const lost = events.find((e) => e.kind === 'arrive_while_down' && e.message === 'm3');
  expect(lost).toBeTruthy();
  const show = checks.getByRole('button', { name: `Show step ${lost.step + 1}` });
  await expect(show).toBeVisible();
  // The answers of a question are locked once one is given.
  await expect(first.getByRole('radio', { name: 'Only m1.' })).toBeDisabled();

  // The button takes the run back to that step; the questions stay.
  await show.click();
  await expect(lesson.locator('.lesson-step')).toHaveText(`Step ${lost.step + 1}`);
  await expect(lesson.locator('.looking-back')).toBeVisible();
  await expect(checks).toBeVisible();

  // A wrong answer names the right one.
  const second = checks.getByRole('group', { name: 'The broker had appended m1. Why was it lost all the same?' });
  await second.getByRole('radio', { name: 'The network dropped the publish of m1 on its way to the broker.' }).check();
  await expect(second.locator('xpath=..')).toContainText(
    'Not quite. The answer is: The append was only in memory: the broker crashed before its fsync.');
  const crash = events.find((e) => e.crash === 'broker.after_append');
  await expect(checks.getByRole('button', { name: `Show step ${crash.step + 1}` })).toBeVisible();

  const third = checks.getByRole('group', { name: 'Why does nobody publish m2 and m3 again after the broker restarts?' });
  await third.getByRole('radio', { name: 'Without confirms, the producer never learns they were lost.' }).check();
  await expect(checks.getByRole('status')).toHaveText('2 of 3 answered right.');
  await page.screenshot({ path: 'output/screenshots/lessons-self-check.png', fullPage: true });

  // The list shows the score, and it survives a reload.
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  await page.getByRole('button', { name: '← All lessons' }).click();
  const list = page.getByRole('region', { name: 'Lessons' });
  await expect(list.locator('[data-lesson="fire-and-forget"]')).toContainText('Self-check: 2 of 3 right');
  await expect(list.locator('[data-lesson="lost-confirm"]')).not.toContainText('Self-check');
});

test('a lesson of the Transactions view asks its questions once its run has ended', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('tab', { name: 'Transactions' }).click();
  const lessons = page.getByRole('region', { name: 'Lessons' });
  await expect(lessons).toBeVisible({ timeout: 20_000 });
  await lessons.locator('button[data-lesson="commit-markers"]').click();
  const card = page.locator('section.worlds-lesson[data-lesson="commit-markers"]');
  await card.locator('#worlds-lesson-choice-2').check();
  await expect(card.getByRole('region', { name: 'Check yourself' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Jump to the end' }).click();
  const checks = card.getByRole('region', { name: 'Check yourself' });
  await expect(checks).toBeVisible();
  const count = await checks.getByRole('group').count();
  expect(count).toBeGreaterThanOrEqual(2);
  expect(count).toBeLessThanOrEqual(4);
  const axe = await checkAccessibility(page);
  expect(axe.violations, JSON.stringify(axe.violations, null, 1)).toEqual([]);

  // Any answer is judged and explained, with a step of the run to show.
  const first = checks.getByRole('group').first();
  await first.getByRole('radio').first().check();
  await expect(first.locator('xpath=..').locator('.check-verdict')).toHaveText(/^✓ Right\.$|^✗ Not quite\. The answer is: /);
  const show = first.locator('xpath=..').getByRole('button', { name: /^Show step \d+$/ });
  const step = Number((await show.innerText()).match(/\d+/)[0]);
  const [, total] = (await page.locator('#worlds-position').innerText()).match(/Step \d+ of (\d+)/);
  expect(step).toBeGreaterThan(0);
  expect(step).toBeLessThanOrEqual(Number(total));
  await show.click();
  await expect(page.locator('#worlds-position')).toContainText(`Step ${step} of ${total}`);
  // Stepping back keeps the questions and their answers.
  await expect(checks).toBeVisible();
  await expect(first.getByRole('radio').first()).toBeChecked();
});
