// A student's walk through the lessons and the simulator: every lesson shows what it is
// about, its ending agrees with itself, the stage and what to read fit one screen, the
// questions do not give their answers away, going back works, the words are explained,
// and the keyboard works throughout. Every count checked here is the core's (the CLI
// runs the same scenario natively).
const { test, expect, openSite, predict, checkAccessibility, realSystems, settingsPanel } = require('./helpers');

const LESSON_1 = 'What does fire-and-forget do when the broker crashes?';
const LESSON_3 = 'What happens when the consumer crashes before its ack?';
const LESSON_9 = 'What do participants do when the coordinator dies after the votes?';
const TWO_PC_SLUGS = ['2pc-happy-path', '2pc-vote-no', '2pc-blocking', '2pc-recovery', '2pc-presumed-abort'];

async function openLesson(page, slug, title) {
  await openSite(page, `#lesson=${slug}`);
  const lesson = page.getByRole('article', { name: title });
  await expect(lesson).toBeVisible();
  return lesson;
}

// Picks an answer and locks it in; the run starts playing.
async function lockIn(lesson, answer) {
  await lesson.getByRole('radiogroup').getByRole('radio', { name: answer }).check();
  await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).click();
  await expect(lesson.getByRole('group', { name: 'Playback' })).toBeVisible();
}

async function lessonStep(lesson) {
  const text = await lesson.locator('.lesson-step').innerText();
  return Number(text.replace('Step ', ''));
}

async function skipToEnd(lesson) {
  await lesson.getByRole('button', { name: 'Skip to the end' }).click();
  await expect(lesson.locator('.reveal-live')).toContainText('Summary', { timeout: 20_000 });
}

// True when the element's box lies inside the viewport as it is now.
async function inViewport(page, locator) {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height + 0.5
    && box.x + box.width <= viewport.width + 0.5;
}

// Item 1: a lesson shows the panels its topic needs.
test('every 2PC lesson shows the coordinator panel, and lesson 9 shows participants in doubt holding locks', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '#lesson=fire-and-forget');
  const list = [];
  for (const slug of ['fire-and-forget', 'lost-confirm', 'consumer-crash-before-ack', 'ack-before-apply',
    'idempotent-producer', 'idempotent-consumer', 'poison-message', ...TWO_PC_SLUGS]) list.push(slug);
  for (const slug of list) {
    await page.evaluate((s) => { window.location.hash = `lesson=${s}`; }, slug);
    const lesson = page.locator(`article.lesson[data-lesson="${slug}"]`);
    await expect(lesson).toBeVisible();
    const panel = lesson.getByRole('region', { name: '2PC coordinator' });
    if (TWO_PC_SLUGS.includes(slug)) await expect(panel, slug).toBeVisible();
    else await expect(panel, slug).toHaveCount(0);
  }

  const lesson = await openLesson(page, '2pc-blocking', LESSON_9);
  await lockIn(lesson, 'They wait in doubt, holding locks; it is applied once.');
  const panel = lesson.getByRole('region', { name: '2PC coordinator' });
  await page.keyboard.press('k'); // pause: the keys work in a lesson too
  for (let i = 0; i < 40; i++) {
    if (await panel.getByText(/in doubt: prepared, holding locks/).count()) break;
    await page.keyboard.press('ArrowRight');
  }
  await expect(panel).toContainText('while the coordinator is down');
  await expect(panel.getByRole('list', { name: 'Participants' })).toContainText(/in doubt for \d+ ticks/);
  await expect(panel).toContainText('▣ holds');
  await page.screenshot({ path: 'output/screenshots/student-lesson9-in-doubt.png' });
});

// Item 2: lesson 9's ending explains itself.
test('lesson 9 ends explaining presumed abort, the retry, and in-doubt ticks per participant from the ledger', async ({ guarded }) => {
  const { page } = guarded;
  const lesson = await openLesson(page, '2pc-blocking', LESSON_9);
  await lockIn(lesson, 'They wait in doubt, holding locks; it is applied once.');
  await skipToEnd(lesson);
  const cues = lesson.getByRole('region', { name: 'What to notice' });
  await expect(cues).toContainText('it presumes abort');
  await expect(cues).toContainText('retries it in a new transaction');
  await expect(cues).toContainText('In doubt is counted per participant');
  // The result is brought into view when it appears below the long list of cues.
  await expect.poll(() => inViewport(page, lesson.locator('.lesson-verdict').first())).toBe(true);

  const cli = predict(['--mode', 'transactional', '--messages', '1', '--crash', 'coordinator.after_votes:m1',
    '--restart-after', '200']);
  const line = await lesson.locator('.in-doubt-line').innerText();
  const parts = [...line.matchAll(/(producer DB|broker|consumer DB) (\d+) ticks?/g)].map((m) => Number(m[2]));
  expect(parts.length, line).toBe(3);
  const total = Number(line.match(/— (\d+) ticks in all/)[1]);
  expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
  expect(total).toBe(cli.blocked_ticks);
  await expect(lesson.locator('.ledger-line')).toContainText(`${cli.blocked_ticks} ticks in doubt`);

  // After the last commit no node's memory still reads as work in progress.
  for (const node of ['Producer', 'Broker', 'Consumer']) {
    await expect(lesson.getByRole('region', { name: `${node} state` })).not.toContainText('working on');
  }
  await expect(lesson.getByRole('region', { name: 'Broker state' })).toContainText('committed, locks released');
  await page.screenshot({ path: 'output/screenshots/student-lesson9-end.png', fullPage: true });
});

// Item 3: watch and read at once.
test('at 1280×800 the simulator shows controls, stage and narration on one screen, and no empty coordinator strip outside 2PC', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize({ width: 1280, height: 800 });
  await openSite(page);
  const aboveThePipeline = {};
  for (const mode of ['At-least-once', 'Transactional (2PC)']) {
    await page.getByLabel('Delivery mode').selectOption({ label: mode });
    for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const stage = page.getByRole('region', { name: 'Stage' });
    for (const [what, locator] of [
      ['controls', page.getByRole('toolbar', { name: 'Playback' })],
      ['stage drawing', stage.locator('svg[role="img"]')],
      ['narration', page.getByRole('region', { name: 'Narration' })],
    ]) {
      expect(await inViewport(page, locator), `${mode}: ${what} in view at 1280×800`).toBe(true);
    }
    const svg = await stage.locator('svg[role="img"]').boundingBox();
    const producer = await stage.locator('svg[role="img"] .node.producer').boundingBox();
    aboveThePipeline[mode] = producer.y - svg.y;
    await page.screenshot({ path: `output/screenshots/student-one-screen-${mode.startsWith('T') ? '2pc' : 'alo'}.png` });
  }
  // Without 2PC the drawing starts near the pipeline: the coordinator's strip, which
  // takes some 150 px in 2PC mode, shrinks to a slim note.
  expect(aboveThePipeline['At-least-once'], 'space above the pipeline without 2PC').toBeLessThan(80);
  expect(aboveThePipeline['Transactional (2PC)'] - aboveThePipeline['At-least-once']).toBeGreaterThanOrEqual(150);
});

test('at 1280×800 a lesson pauses at its crash with the stage, what to notice and the controls on one screen', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [slug, title, answer, node, crashCue] of [
    ['fire-and-forget', LESSON_1, 'At least one message is lost for good.', 'Broker', 'The broker crashes before its fsync'],
    ['2pc-blocking', LESSON_9, 'They wait in doubt, holding locks; it is applied once.', 'Coordinator', 'The coordinator crashes with all the votes'],
  ]) {
    const lesson = await openLesson(page, slug, title);
    await lockIn(lesson, answer);
    const cues = lesson.getByRole('region', { name: 'What to notice' });
    const playback = lesson.getByRole('group', { name: 'Playback' });
    // At the default speed the run stops at each moment to notice; go on until the crash.
    for (let i = 0; i < 6; i++) {
      await expect(playback.getByRole('button', { name: 'Play', exact: true })).toBeVisible({ timeout: 15_000 });
      if (await cues.locator('li.newest').filter({ hasText: crashCue }).count()) break;
      const before = await lessonStep(lesson);
      await page.keyboard.press('Space');
      await expect.poll(() => lessonStep(lesson)).toBeGreaterThan(before);
    }
    await expect(cues.locator('li.newest')).toContainText(crashCue);
    await expect(playback.getByRole('status')).toContainText('Paused at a moment to notice');
    const step = await lessonStep(lesson);
    await expect(lesson.getByRole('region', { name: `${node} state` })).toContainText('wiped by the crash');
    await expect(lesson.locator('.stage .mark.crash')).toBeVisible();
    // It stays paused rather than running on.
    await page.waitForTimeout(1500);
    expect(await lessonStep(lesson)).toBe(step);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    for (const [what, locator] of [
      ['controls', playback],
      ['stage drawing', lesson.locator('.stage svg[role="img"]')],
      ['the newest cue', cues.locator('li.newest')],
    ]) {
      expect(await inViewport(page, locator), `${slug}: ${what} in view at 1280×800`).toBe(true);
    }
    await page.screenshot({ path: `output/screenshots/student-lesson-paused-${slug}.png` });
  }
});

test('on a tablet the running stage is in view after "Lock in"', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize({ width: 768, height: 1024 });
  const lesson = await openLesson(page, 'fire-and-forget', LESSON_1);
  await lockIn(lesson, 'At least one message is lost for good.');
  await expect.poll(() => inViewport(page, lesson.locator('.stage svg[role="img"]'))).toBe(true);
  expect(await inViewport(page, lesson.getByRole('group', { name: 'Playback' }))).toBe(true);
  await page.screenshot({ path: 'output/screenshots/student-tablet-after-lock-in.png' });
  // Cues appearing above it while the run plays do not push the stage out of view.
  const playback = lesson.getByRole('group', { name: 'Playback' });
  await expect(playback.getByRole('status')).toContainText('Paused at a moment to notice', { timeout: 15_000 });
  await expect(lesson.getByRole('region', { name: 'What to notice' }).locator('li.newest')).toContainText('The broker crashes');
  expect(await inViewport(page, lesson.locator('.stage svg[role="img"]'))).toBe(true);
  await page.screenshot({ path: 'output/screenshots/student-tablet-paused.png' });
  // At the end the result, above the stage on one column, comes into view.
  await page.keyboard.press('End');
  await expect(lesson.locator('.reveal-live')).toContainText('Your prediction held.');
  await expect.poll(() => inViewport(page, lesson.locator('.lesson-verdict').first())).toBe(true);
  await expect(playback.getByRole('status')).toHaveCount(0); // the run is over, not paused
  await page.screenshot({ path: 'output/screenshots/student-tablet-end.png' });
});

// Item 4: questions do not give their answers away.
test('lesson titles ask, answers are of similar length, and a wrong prediction is recorded as such', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('tab', { name: 'Lessons' }).click();
  const links = page.getByRole('region', { name: 'Lessons' }).locator('.lesson-item').getByRole('link');
  await expect(links).toHaveCount(20);
  const slugs = [];
  for (let i = 0; i < 20; i++) {
    expect(await links.nth(i).innerText()).toMatch(/\?$/);
    slugs.push(await links.nth(i).evaluate((a) => a.getAttribute('href').replace('#lesson=', '')));
  }
  for (const slug of slugs) {
    await page.evaluate((s) => { window.location.hash = `lesson=${s}`; }, slug);
    const choices = page.locator(`article.lesson[data-lesson="${slug}"] .choice`);
    await expect(choices.first()).toBeVisible();
    const lengths = (await choices.allInnerTexts()).map((t) => [...t.trim()].length);
    expect(Math.max(...lengths) / Math.min(...lengths), `${slug}: ${lengths}`).toBeLessThanOrEqual(1.3);
  }

  // A wrong prediction: completed, predicted wrong — not a plain tick.
  const lesson = await openLesson(page, 'fire-and-forget', LESSON_1);
  await lockIn(lesson, 'Every message is applied exactly once.');
  await skipToEnd(lesson);
  await expect(lesson.locator('.reveal-live')).toContainText('Not this time');
  const cli = predict(['--mode', 'at-most-once', '--messages', '3', '--crash', 'broker.after_append:m1']);
  await expect(lesson.locator('.ledger-line')).toContainText(`Ledger: ${cli.exactly_once} of ${cli.messages} exactly once, ${cli.lost} lost`);
  const nav = lesson.getByRole('navigation', { name: 'Lesson' });
  await expect(nav).toContainText('Completed, predicted wrong');
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.getByRole('navigation', { name: 'Lesson' })).toContainText('Completed, predicted wrong');
  await page.getByRole('button', { name: '← All lessons' }).click();
  const list = page.getByRole('region', { name: 'Lessons' });
  await expect(list).toContainText('1 of 20 lessons completed');
  await expect(list.locator('[data-lesson="fire-and-forget"]')).toContainText('Completed, predicted wrong');

  // Predicting again, and right, clears the mark.
  await list.getByRole('link', { name: LESSON_1 }).click();
  const again = page.getByRole('article', { name: LESSON_1 });
  await lockIn(again, 'At least one message is lost for good.');
  await skipToEnd(again);
  await expect(again.locator('.reveal-live')).toContainText('Your prediction held.');
  await expect(again.getByRole('navigation', { name: 'Lesson' })).toContainText('Completed');
  await expect(again.getByRole('navigation', { name: 'Lesson' })).not.toContainText('predicted wrong');
});

// Item 5: going back works in lessons.
test('in a lesson, step back and the keys work, jumps land on the event, and looking back keeps the result', async ({ guarded }) => {
  const { page } = guarded;
  const lesson = await openLesson(page, 'consumer-crash-before-ack', LESSON_3);
  await lockIn(lesson, 'm1 is applied twice: the broker redelivers it.');
  const playback = lesson.getByRole('group', { name: 'Playback' });
  await page.keyboard.press('k');
  await expect(playback.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  const start = await lessonStep(lesson);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => lessonStep(lesson)).toBe(start + 2);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(() => lessonStep(lesson)).toBe(start + 1);
  await playback.getByRole('button', { name: 'Step back' }).click();
  await expect.poll(() => lessonStep(lesson)).toBe(start);
  // Space plays and pauses, even after a button of the player was clicked.
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('Space');
  await expect(playback.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await page.keyboard.press('Space');
  await expect(playback.getByRole('button', { name: 'Play', exact: true })).toBeVisible();

  await skipToEnd(lesson);
  const reveal = lesson.locator('.reveal-live');
  await expect(reveal).toContainText('Your prediction held.');

  // The narration's jump lands right after the crash: the crash is on screen.
  const crashLine = lesson.getByRole('region', { name: 'Narration' }).getByRole('listitem').filter({ hasText: 'Then the consumer crashes' });
  const jump = crashLine.getByRole('button');
  const target = Number((await jump.getAttribute('aria-label')).match(/Go to step (\d+)/)[1]);
  await jump.click();
  await expect.poll(() => lessonStep(lesson)).toBe(target);
  await expect(lesson.getByRole('region', { name: 'Consumer state' })).toContainText('wiped by the crash');
  await expect(lesson.locator('.stage .mark.crash')).toBeVisible();
  // Looking back keeps the result.
  await expect(reveal).toContainText('Your prediction held.');
  await expect(reveal).toContainText(`You are looking back at step ${target}`);

  // So does the jump from "What to notice".
  await page.keyboard.press('Home');
  await expect.poll(() => lessonStep(lesson)).toBe(0);
  await expect(reveal).toContainText('Your prediction held.');
  const cue = lesson.getByRole('region', { name: 'What to notice' }).getByRole('listitem').filter({ hasText: 'credited the account' });
  await expect(cue).toHaveCount(0); // not reached at step 0
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
  // Let the page take every key press before the jump, so none lands after it.
  let last = -1;
  await expect.poll(async () => {
    const now = await lessonStep(lesson);
    const settled = now === last;
    last = now;
    return settled;
  }, { intervals: [250] }).toBe(true);
  await cue.getByRole('button').click();
  await expect(lesson.getByRole('region', { name: 'Consumer state' })).toContainText('wiped by the crash');
  await page.screenshot({ path: 'output/screenshots/student-looking-back.png', fullPage: true });
});

// Item 6: plain words.
test('ticks, the trace, breakpoints, fsync and max in flight are explained where they appear; 1 message is singular', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const readoutTick = page.getByRole('toolbar', { name: 'Playback' }).locator('abbr', { hasText: 'tick' });
  await expect(readoutTick).toHaveAttribute('title', /unit of time/);
  const narration = page.getByRole('region', { name: 'Narration' });
  await expect(narration.locator('abbr.tick').first()).toHaveAttribute('title', /unit of time/);
  await expect(page.getByText('Max in flight', { exact: true })).toHaveAttribute('title', /unconfirmed/);
  await expect(page.getByRole('region', { name: 'Ledger' }).locator('.panel-header .hint')).toHaveAttribute('title', /fingerprint/);
  for (let i = 0; i < 15; i++) await page.keyboard.press('ArrowRight');
  await expect(narration.getByRole('listitem').filter({ hasText: 'fsyncs' }).first()).toHaveAttribute('title', /fsync: forcing/);

  await page.getByRole('button', { name: /Help/ }).click();
  const glossary = page.getByRole('dialog', { name: 'Keyboard shortcuts' }).locator('dl.glossary');
  for (const word of ['tick', 'trace', 'breakpoint set', 'fsync', 'max in flight', 'in doubt']) {
    await expect(glossary.locator('dt', { hasText: new RegExp(`^${word}$`) })).toHaveCount(1);
  }
  await page.keyboard.press('Escape');

  const lesson = await openLesson(page, '2pc-blocking', LESSON_9);
  await lockIn(lesson, 'They wait in doubt, holding locks; it is applied once.');
  await skipToEnd(lesson);
  const lines = lesson.getByRole('region', { name: 'Narration' }).getByRole('listitem');
  await expect(lesson.getByRole('region', { name: 'Ledger' })).toContainText(/(^|[^0-9])1 message · step/);
  await expect(lesson.getByRole('region', { name: 'Ledger' })).not.toContainText('1 messages');
  // The planned crash's "breakpoint set" line is explained (Home shows it again).
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(lines.filter({ hasText: 'breakpoint set' })).toHaveAttribute('title', /crash is armed/);
});

for (const theme of ['light', 'dark']) {
  test(`a lost query is not drawn in the red of a lost message, and Pause is a drawn sign (${theme})`, async ({ guarded }) => {
    const { page } = guarded;
    await page.emulateMedia({ colorScheme: theme });
    // A publish lost at a crashed broker: red.
    let lesson = await openLesson(page, 'fire-and-forget', LESSON_1);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await lockIn(lesson, 'At least one message is lost for good.');
    const pause = lesson.getByRole('group', { name: 'Playback' }).getByRole('button', { name: 'Pause', exact: true });
    if (await pause.count()) {
      await expect(pause.locator('svg.icon rect')).toHaveCount(2);
      expect((await pause.innerText()).trim()).toBe('Pause');
    }
    await skipToEnd(lesson);
    const bad = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--bad)';
      document.body.appendChild(probe);
      const colour = getComputedStyle(probe).color;
      probe.remove();
      return colour;
    });
    const lost = lesson.getByRole('region', { name: 'Narration' }).getByRole('listitem').filter({ hasText: 'The publish for m2 reaches the broker, which is down' });
    await lost.getByRole('button').click();
    const businessMark = lesson.locator('.stage .mark.lost');
    await expect(businessMark).toBeVisible();
    await expect(businessMark).not.toHaveClass(/control/);
    expect(await businessMark.locator('circle').evaluate((c) => getComputedStyle(c).stroke)).toBe(bad);
    expect(await lost.evaluate((li) => getComputedStyle(li).color)).toBe(bad);

    // A query lost at a crashed coordinator: a control message, not red.
    lesson = await openLesson(page, '2pc-blocking', LESSON_9);
    await lockIn(lesson, 'They wait in doubt, holding locks; it is applied once.');
    await skipToEnd(lesson);
    const query = lesson.getByRole('region', { name: 'Narration' }).getByRole('listitem').filter({ hasText: 'The query for m1 reaches the coordinator, which is down' }).last();
    await query.getByRole('button').click();
    const controlMark = lesson.locator('.stage .mark.lost.control');
    await expect(controlMark).toBeVisible();
    await expect(controlMark).toContainText('query lost');
    expect(await controlMark.locator('circle').evaluate((c) => getComputedStyle(c).stroke)).not.toBe(bad);
    expect(await query.evaluate((li) => getComputedStyle(li).color)).not.toBe(bad);
    await page.screenshot({ path: `output/screenshots/student-lost-query-${theme}.png` });

    // The simulator's Pause is drawn the same way.
    await page.getByRole('tab', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    const simPause = page.getByRole('toolbar', { name: 'Playback' }).getByRole('button', { name: 'Pause', exact: true });
    await expect(simPause.locator('svg.icon rect')).toHaveCount(2);
    expect((await simPause.innerText()).trim()).toBe('Pause');
  });
}

// Item 11: the keyboard.
test('keyboard: Space plays after a header button or a tab was clicked', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const dark = page.getByRole('button', { name: /Dark|Light/ });
  const pressed = await dark.getAttribute('aria-pressed');
  await dark.click();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await expect(dark).not.toHaveAttribute('aria-pressed', pressed); // toggled once, not twice
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  await page.getByRole('button', { name: /Large text/ }).click();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await page.keyboard.press('Space');
  await page.getByRole('tab', { name: 'Lessons' }).click();
  await page.getByRole('tab', { name: 'Simulator' }).click();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
});

test('keyboard: the help dialog keeps the focus and gives it back', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const help = page.getByRole('button', { name: /Help/ });
  await help.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    expect(await dialog.evaluate((d) => d.contains(document.activeElement)), `focus after ${key}`).toBe(true);
  }
  await page.mouse.click(5, 5);
  expect(await dialog.evaluate((d) => d.contains(document.activeElement)), 'focus after a click outside').toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(help).toBeFocused();
  // "?" opens the help from a lesson as well.
  await openLesson(page, 'fire-and-forget', LESSON_1);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('?');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('?');
  await expect(dialog).toHaveCount(0);
});

test('keyboard: ← → move between the view tabs without stepping the run', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const tabs = page.getByRole('tablist', { name: 'Views' });
  await tabs.getByRole('tab', { name: 'Simulator' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(tabs.getByRole('tab', { name: 'Lessons' })).toHaveAttribute('aria-selected', 'true');
  await expect(tabs.getByRole('tab', { name: 'Lessons' })).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(tabs.getByRole('tab', { name: 'Challenges' })).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(tabs.getByRole('tab', { name: 'Simulator' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(tabs.getByRole('tab', { name: 'Protocol lab' })).toBeFocused();
  await page.keyboard.press('Home');
  await expect(tabs.getByRole('tab', { name: 'Simulator' })).toBeFocused();
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 0 ');
  // One Tab stop for the whole tab list.
  expect(await tabs.locator('[role="tab"][tabindex="0"]').count()).toBe(1);
});

test('keyboard: the focus stays in the lesson after "Lock in"', async ({ guarded }) => {
  const { page } = guarded;
  const lesson = await openLesson(page, 'fire-and-forget', LESSON_1);
  await lesson.getByRole('radio', { name: 'At least one message is lost for good.' }).check();
  await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).focus();
  await page.keyboard.press('Enter');
  const playback = lesson.getByRole('group', { name: 'Playback' });
  await expect(playback).toBeVisible();
  expect(await playback.evaluate((g) => g.contains(document.activeElement))).toBe(true);
  await expect(playback.getByRole('button', { name: /Play|Pause/ }).first()).toBeFocused();
});

for (const size of [{ width: 1280, height: 800 }, { width: 768, height: 1024 }]) {
  test(`keyboard: the simulator's tab order follows what is on screen (${size.width}×${size.height})`, async ({ guarded }) => {
    const { page } = guarded;
    await page.setViewportSize(size);
    await openSite(page);
    await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    // The panels drawn when the reader scrolls near them are drawn first.
    await expect(await realSystems(page)).toBeVisible();
    await expect(await settingsPanel(page, 'Queue')).toBeVisible();
    await page.evaluate(() => window.scrollTo(0, 0));
    const areas = ['.app-header', '.area-controls', '.area-stage', '.area-side', '.area-timeline', '.area-ledger'];
    // The order a reader sees the areas in: top to bottom, and left to right on a row.
    const boxes = await page.evaluate((selectors) => selectors.map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return { s, top: Math.round(r.top), left: Math.round(r.left) };
    }), areas);
    const visual = [...boxes].sort((a, b) => a.top - b.top || a.left - b.left).map((b) => b.s);
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    const seen = [];
    for (let i = 0; i < 400; i++) {
      await page.keyboard.press('Tab');
      const area = await page.evaluate((selectors) => {
        const el = document.activeElement;
        if (!el || el === document.body) return 'none';
        const hit = selectors.find((s) => el.closest(s));
        return hit || 'other';
      }, areas);
      if (area === 'none') break;
      if (area !== 'other' && seen[seen.length - 1] !== area) seen.push(area);
      if (seen.length > 0 && area === '.app-header' && seen.length > 1) break;
    }
    const order = seen[seen.length - 1] === '.app-header' && seen.length > 1 ? seen.slice(0, -1) : seen;
    expect(new Set(order).size, `each area once: ${order.join(' → ')}`).toBe(order.length);
    expect(order).toEqual(visual.filter((s) => order.includes(s)));
    expect(order.length).toBeGreaterThanOrEqual(5);
  });
}

// Screenshots of a lesson at its key moment and at its end, kept in the output to be
// looked at: nothing may stick out sideways at any size.
for (const size of [{ name: 'tablet', width: 768, height: 1024 }, { name: 'laptop', width: 1280, height: 800 },
  { name: 'projector', width: 1920, height: 1080 }]) {
  for (const theme of ['light', 'dark']) {
    test(`lesson 9 screenshots at ${size.name} size, ${theme} theme`, async ({ guarded }) => {
      const { page } = guarded;
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: theme });
      const lesson = await openLesson(page, '2pc-blocking', LESSON_9);
      await lockIn(lesson, 'They wait in doubt, holding locks; it is applied once.');
      await page.keyboard.press('k');
      for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, 'horizontal overflow in pixels').toBeLessThanOrEqual(0);
      await page.screenshot({ path: `output/screenshots/student-lesson9-${size.name}-${theme}.png` });
      await skipToEnd(lesson);
      await page.screenshot({ path: `output/screenshots/student-lesson9-end-${size.name}-${theme}.png`, fullPage: true });
    });
  }
}

// The lesson page with everything on it (coordinator panel, cues, the reveal, the help)
// passes the same accessibility bar as the other views, in both themes.
for (const theme of ['light', 'dark']) {
  test(`an ended 2PC lesson has no serious or critical accessibility violations (${theme})`, async ({ guarded }) => {
    const { page } = guarded;
    await page.emulateMedia({ colorScheme: theme });
    const lesson = await openLesson(page, '2pc-blocking', LESSON_9);
    await lockIn(lesson, 'They wait in doubt, holding locks; it is applied once.');
    await skipToEnd(lesson);
    await page.keyboard.press('Home');
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    const results = await checkAccessibility(page);
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, serious.join('\n')).toEqual([]);
  });
}
