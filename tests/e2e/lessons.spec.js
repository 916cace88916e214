// The Lessons view: a lesson opened from its link is predicted, watched to the end and
// revealed; the reveal agrees with the CLI's ledger for the same scenario, and the
// completion mark survives a reload.
const { test, expect, openSite, predict } = require('./helpers');

test('a lesson opened by its link is predicted, watched and revealed, and stays completed', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '#lesson=consumer-crash-before-ack');
  await expect(page.getByRole('tab', { name: 'Lessons' })).toHaveAttribute('aria-selected', 'true');
  const lesson = page.getByRole('article', { name: 'What happens when the consumer crashes before its ack?' });
  await expect(lesson).toBeVisible();
  await expect(lesson.getByRole('navigation', { name: 'Lesson' })).toContainText('Not yet');
  // The link stays on the lesson while it is open.
  await expect(page).toHaveURL(/#lesson=consumer-crash-before-ack$/);

  // Predict: the play button waits for an answer.
  const play = lesson.getByRole('button', { name: 'Lock in my prediction and play' });
  await expect(play).toBeDisabled();
  const question = lesson.getByRole('radiogroup');
  await expect(question).toContainText('The consumer applies m1, then crashes before acking it.');
  await question.getByRole('radio', { name: 'm1 is applied twice: the broker redelivers it.' }).check();
  await expect(lesson.locator('.reveal-live')).toContainText('Predict first');
  await play.click();
  await expect(question.getByRole('radio').first()).toBeDisabled();

  // Watch: faster, but every step is played.
  await lesson.getByLabel('Speed').selectOption({ label: '240 steps/s' });
  const reveal = lesson.locator('.reveal-live');
  await expect(reveal).toHaveAttribute('aria-live', 'polite');
  await expect(reveal).toContainText('Your prediction held.', { timeout: 30_000 });
  await expect(reveal).toContainText('Summary');
  await expect(reveal).toContainText('The broker only knows about acks, not about side effects.');
  const cues = lesson.getByRole('region', { name: 'What to notice' });
  await expect(cues).toContainText('The consumer has credited the account for m1');
  await expect(cues).toContainText('The run is over.');

  // The reveal's counts are the core's: the CLI runs the same scenario natively.
  const cli = predict(['--mode', 'at-least-once', '--messages', '3', '--crash', 'consumer.after_apply:m1']);
  expect(cli.duplicated).toBe(1);
  await expect(reveal).toContainText(
    `Ledger: ${cli.exactly_once} of ${cli.messages} exactly once, ${cli.lost} lost, ${cli.duplicated} duplicated`);
  await expect(reveal.getByRole('listitem').filter({ hasText: 'your prediction' })).toContainText('Happened');
  await expect(lesson.getByRole('navigation', { name: 'Lesson' })).toContainText('Completed');
  await page.screenshot({ path: 'output/screenshots/lessons-revealed.png', fullPage: true });

  // Progress is kept across a reload.
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  const again = page.getByRole('article', { name: 'What happens when the consumer crashes before its ack?' });
  await expect(again.getByRole('navigation', { name: 'Lesson' })).toContainText('Completed');
  await again.getByRole('button', { name: '← All lessons' }).click();
  const list = page.getByRole('region', { name: 'Lessons' });
  await expect(list).toContainText('1 of 20 lessons completed');
  await expect(list.locator('[data-lesson="consumer-crash-before-ack"]')).toContainText('Completed');
  await expect(list.locator('[data-lesson="fire-and-forget"]')).toContainText('Not yet');
  await page.screenshot({ path: 'output/screenshots/lessons-list.png', fullPage: true });

  // A lesson link in the list opens that lesson.
  await list.getByRole('link', { name: 'What does two-phase commit do when nothing goes wrong?' }).click();
  await expect(page.getByRole('article', { name: 'What does two-phase commit do when nothing goes wrong?' })).toBeVisible();
  await expect(page).toHaveURL(/#lesson=2pc-happy-path$/);
});

test('a lesson link with an unknown slug explains itself and shows the list', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '#lesson=no-such-lesson');
  await expect(page.getByRole('alert')).toContainText('There is no lesson called “no-such-lesson”');
  await expect(page.getByRole('region', { name: 'Lessons' })).toContainText('0 of 20 lessons completed');
  await expect(page.getByRole('region', { name: 'Lessons' }).locator('.lesson-item').getByRole('link')).toHaveCount(20);
  // Beside them, the pointer to the Transactions view's own lessons.
  await expect(page.getByRole('region', { name: 'Lessons' }).getByRole('link', { name: 'Open the Transactions view' })).toBeVisible();
});
