// Lessons that instructors write: "Write a lesson", below the simulator's ledger, turns
// the simulator's run into a lesson — cues added at the steps the run was stopped on, a
// question to predict whose answers the run's ledger judges, a question at the end —
// and saves it as a file and a link. The command line reads the saved file and agrees;
// the link and the file both reopen the lesson in the Lessons view, where it plays like a
// built-in one; a broken file is refused with its reason and the list stays.
const fs = require('fs');
const { execFileSync } = require('child_process');
const { test, expect, openSite, predict, checkAccessibility, CLI, crc32 } = require('./helpers');

// At least once, the broker's confirm of m1 dropped: the producer publishes m1 again.
const BODY = 'v1.mode=at-least-once&messages=3&seed=1&fault=drop_matching,broker:producer,confirm,m1,1';
const ARGS = ['--mode', 'at-least-once', '--messages', '3', '--seed', '1', '--drop', 'broker->producer:confirm:m1'];
const TITLE = 'What does a lost confirm do to m1?';
const RIGHT = 'm1 is applied twice, nothing is lost';
const WRONG = 'Every message is applied exactly once';

test('an instructor writes a lesson on the run, saves it, and its link and file reopen it', async ({ guarded }, testInfo) => {
  test.setTimeout(150_000);
  const { page } = guarded;
  await openSite(page, `#${BODY}~${crc32(BODY)}`);
  const cli = predict(ARGS);
  expect(cli.duplicated).toBeGreaterThanOrEqual(1);
  expect(cli.lost).toBe(0);

  // The link shows the run's end; back to its start, then four steps in.
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i += 1) await page.keyboard.press('ArrowRight');
  await page.locator('.real-systems-host').scrollIntoViewIfNeeded();
  const editor = page.locator('details.lesson-editor');
  await editor.locator('summary').click({ timeout: 20_000 });
  const cues = editor.getByRole('group', { name: 'What to notice (cues)' });
  await expect(cues.getByRole('button', { name: 'Add at step 4' })).toBeVisible({ timeout: 20_000 });

  const about = editor.getByRole('group', { name: 'The lesson' });
  await about.getByLabel('Slug (letters, digits and hyphens)').fill('lost-confirm');
  await about.getByLabel('Title (a question, ending with “?”)').fill(TITLE);
  await about.getByLabel('What the learner reads before the run').fill('At least once: the producer publishes again until the broker confirms.');

  // The question to predict: the editor says which answer the run makes true, from the
  // run's ledger, before anything is saved.
  const predictGroup = editor.getByRole('group', { name: 'The question to predict' });
  await predictGroup.getByLabel('Question', { exact: true }).fill('The confirm of m1 never reaches the producer. How does the run end?');
  const choices = predictGroup.locator('li.editor-choice');
  await choices.nth(0).getByLabel('Answer 1').fill(RIGHT);
  await choices.nth(0).getByLabel('Holds when (facts, separated by commas)').fill(`duplicated>=${cli.duplicated}, none_lost`);
  await choices.nth(1).getByLabel('Answer 2').fill(WRONG);
  await choices.nth(1).getByLabel('Holds when (facts, separated by commas)').fill('all_exactly_once');
  await choices.nth(0).getByRole('radio', { name: 'The run makes this one true' }).check();
  await expect(choices.nth(0)).toContainText('holds on this run');
  await expect(choices.nth(1)).toContainText('does not hold on this run');
  await expect(predictGroup).toContainText(`duplicated>=${cli.duplicated}`);

  // Cues at the step the run is stopped on, and at the end.
  await cues.getByLabel('A new cue').fill('The confirm of m1 is lost on its way back to the producer.');
  await cues.getByRole('button', { name: 'Add at step 4' }).click();
  await cues.getByLabel('A new cue').fill('m1 arrived twice.');
  await cues.getByRole('button', { name: 'Add at the end' }).click();
  await expect(cues.locator('li.editor-cue')).toHaveCount(2);
  await expect(cues.locator('li.editor-cue').first()).toContainText('At step 4');

  // One question at the end, its answer shown at step 4.
  const checks = editor.getByRole('group', { name: 'Questions at the end' });
  await checks.getByRole('button', { name: 'Add a question shown at step 4' }).click();
  const check = checks.locator('li.editor-check');
  await check.getByLabel('Question 1').fill('Why does the producer publish m1 again?');
  await check.getByLabel('Answer 1').fill('It never got the confirm of m1');
  await check.getByLabel('Answer 2').fill('The consumer asked for m1 again');
  await check.getByRole('radio', { name: 'Right answer' }).first().check();
  await check.getByLabel('Why the right answer is right').fill('Without the confirm the producer cannot tell a lost publish from a lost confirm.');
  await editor.getByLabel('What the learner reads after the run').fill('A lost confirm costs a duplicate, never a loss.');

  // A draft that would not play is refused with the reader's reason; nothing is saved.
  await choices.nth(1).getByLabel('Holds when (facts, separated by commas)').fill('all_exactly_one');
  await editor.getByRole('button', { name: 'Export lesson file' }).click();
  await expect(editor.getByRole('alert')).toContainText('all_exactly_one');
  await choices.nth(1).getByLabel('Holds when (facts, separated by commas)').fill('all_exactly_once');

  const axe = (await checkAccessibility(page, 'details.lesson-editor')).violations;
  expect(axe, JSON.stringify(axe, null, 1)).toEqual([]);

  // The file: the command line reads it and runs it to the same verdict.
  const download = page.waitForEvent('download');
  await editor.getByRole('button', { name: 'Export lesson file' }).click();
  const got = await download;
  expect(got.suggestedFilename()).toBe('lost-confirm.json');
  const file = testInfo.outputPath('lost-confirm.json');
  await got.saveAs(file);
  const read = JSON.parse(execFileSync(CLI, ['lesson', file], { encoding: 'utf8' }));
  expect(read).toMatchObject({ id: 'lost-confirm', title: TITLE, choices: 2, choices_true: [1], intended: 1, cues: 2, checks: 1 });
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  expect(saved.scenario.mode).toBe('at-least-once');
  const link = await editor.locator('input[data-lesson-link]').inputValue();
  expect(link).toMatch(/#lesson1\./);
  await editor.screenshot({ path: 'output/screenshots/lesson-editor.png' });

  // "Play it in Lessons": the lesson plays like a built-in one, judged by its run.
  await editor.getByRole('button', { name: 'Play it in Lessons' }).click();
  const lesson = page.getByRole('article', { name: TITLE });
  await expect(lesson).toBeVisible({ timeout: 30_000 });
  await expect(lesson).toContainText('A lesson from a file');
  await lesson.getByRole('radio', { name: RIGHT }).check();
  await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).click();
  await lesson.getByRole('button', { name: 'Skip to the end' }).click();
  await expect(lesson.locator('.reveal-live')).toContainText('Your prediction held.', { timeout: 30_000 });
  await expect(lesson.locator('.lesson-cues li')).toHaveCount(2);
  await expect(lesson.getByRole('region', { name: 'Check yourself' })).toBeVisible();
  const inLesson = (await checkAccessibility(page)).violations;
  expect(inLesson, JSON.stringify(inLesson, null, 1)).toEqual([]);

  // The link, in a page of its own.
  const other = await page.context().newPage();
  await other.goto(link);
  await expect(other.getByRole('article', { name: TITLE })).toBeVisible({ timeout: 30_000 });
  await other.close();

  // The file, opened from the list; a broken one is refused and the list stays.
  await lesson.getByRole('button', { name: '← All lessons' }).click();
  const list = page.getByRole('region', { name: 'Lessons', exact: true });
  await expect(list).toBeVisible();
  await list.locator('input[data-lesson-file]').setInputFiles({
    name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "mqlab-lesson", "version": 1'),
  });
  await expect(list.getByRole('alert')).toContainText('This file is not a lesson MQ Lab can play');
  await expect(list.getByRole('link').first()).toBeVisible();
  await list.locator('input[data-lesson-file]').setInputFiles(file);
  await expect(page.getByRole('article', { name: TITLE })).toBeVisible({ timeout: 30_000 });
});

test('a lesson link that holds no valid lesson is refused, and the list is shown', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '#lesson=lesson1.AAAA~00000000');
  const list = page.getByRole('region', { name: 'Lessons', exact: true });
  await expect(list).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('alert').first()).toContainText('This lesson link does not hold a lesson MQ Lab can play');
});
