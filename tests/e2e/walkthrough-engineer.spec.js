// What an instructor and an engineer need from the page, tried at the sizes they use it:
// a fault plan that survives Reset, a projector view that reads, tables that never print
// over each other, links for every view, Compare that shows only runs it ran, and a
// crash matrix whose cells open where the ledger's jumps do.
const { test, expect, openSite, predict, ledgerCounters, realSystems, stepsWords } = require('./helpers');

const SIZES = {
  laptop: { width: 1280, height: 800 },
  tablet: { width: 768, height: 1024 },
  projector: { width: 1920, height: 1080 },
};

const readout = (page) => page.locator('.controls .step-readout').last();

async function focusPage(page) {
  await page.locator('body').click({ position: { x: 2, y: 2 } });
}

async function arm(page, point, message) {
  const group = page.getByRole('group', { name: 'Crash at' });
  await group.getByLabel('Crash point').selectOption(point);
  await group.getByLabel('For message').selectOption(String(message));
  await group.getByRole('button', { name: 'Arm' }).click();
}

async function stepForward(page, steps) {
  await focusPage(page);
  const start = Number((await readout(page).innerText()).match(/step (\d+)/)[1]);
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowRight');
  // The page takes key presses one by one: wait until it has taken them all.
  await expect(readout(page)).toContainText(`step ${start + steps} ·`);
}

async function runToEnd(page) {
  await focusPage(page);
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
}

async function setTheme(page, dark) {
  const isDark = (await page.locator('html').getAttribute('data-theme')) === 'dark';
  if (isDark !== dark) await page.getByRole('button', { name: /☾ Dark|☀ Light/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', dark ? 'dark' : 'light');
}

async function setLargeText(page, large) {
  const button = page.getByRole('button', { name: 'A+ Large text' });
  if ((await button.getAttribute('aria-pressed')) !== String(large)) await button.click();
  await expect(page.locator('html')).toHaveAttribute('data-text', large ? 'large' : 'normal');
}

function intersects(a, b) {
  return a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5
    && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
}

// ── 7. The fault plan survives ─────────────────────────────────────────────────────────

test('7: Reset keeps the fault plan, each fault can be removed, Clear faults removes them all', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize(SIZES.laptop);
  await openSite(page);
  await stepForward(page, 3);
  await arm(page, 'consumer.after_apply', 2);
  await stepForward(page, 10);
  const plan = page.getByRole('list', { name: 'Faults in the plan' });
  await expect(plan.getByRole('listitem')).toHaveCount(1);
  await expect(plan).toContainText('crash at consumer.after_apply for m2 (at step 3)');

  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(readout(page)).toContainText('step 0 ·');
  await expect(plan.getByRole('listitem')).toHaveCount(1);
  await expect(plan).toContainText('crash at consumer.after_apply for m2 (at step 3)');
  // The kept plan replays: m2 is applied twice, as the core predicts for that crash.
  await runToEnd(page);
  const predicted = predict(['--mode', 'at-least-once', '--crash', 'consumer.after_apply:m2']);
  expect((await ledgerCounters(page)).duplicated).toBe(predicted.duplicated);
  expect(predicted.duplicated).toBe(1);

  // The keyboard's R resets the same way.
  await focusPage(page);
  await page.keyboard.press('r');
  await expect(readout(page)).toContainText('step 0 ·');
  await expect(plan.getByRole('listitem')).toHaveCount(1);

  // A second fault, then the first one removed on its own.
  await arm(page, 'broker.after_append', 4);
  await expect(plan.getByRole('listitem')).toHaveCount(2);
  await plan.getByRole('button', { name: /Remove fault: crash at consumer.after_apply for m2/ }).click();
  await expect(plan.getByRole('listitem')).toHaveCount(1);
  await expect(plan).toContainText('broker.after_append for m4');
  await expect(plan).not.toContainText('consumer.after_apply');

  await page.getByRole('button', { name: 'Clear faults' }).click();
  await expect(page.getByRole('list', { name: 'Faults in the plan' })).toHaveCount(0);
  await expect(page.getByRole('group', { name: 'Fault plan' })).toContainText('No fault yet');
  await runToEnd(page);
  const clean = await ledgerCounters(page);
  expect(clean.duplicated).toBe(0);
  expect(clean.lost).toBe(0);
  await page.screenshot({ path: 'output/screenshots/engineer-fault-plan.png', fullPage: false });
});

test('7: opening a lesson does not replace the simulator\'s run; coming back finds it as it was', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize(SIZES.laptop);
  await openSite(page);
  await page.getByLabel('Seed').fill('7');
  await page.getByLabel('Seed').press('Enter');
  await arm(page, 'consumer.after_apply', 1);
  await stepForward(page, 6);
  const before = await readout(page).innerText();
  await stepsWords(page);
  const ledgerBefore = await page.getByRole('region', { name: 'Ledger' }).innerText();

  await page.getByRole('tab', { name: 'Lessons' }).click();
  await page.locator('li[data-lesson="consumer-crash-before-ack"] a').click();
  const lesson = page.getByRole('article', { name: 'What happens when the consumer crashes before its ack?' });
  await expect(lesson).toBeVisible();
  // The lesson runs its own scenario to the end, on a run of its own.
  await lesson.getByRole('radiogroup').getByRole('radio').first().check();
  await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).click();
  await lesson.getByRole('button', { name: 'Skip to the end' }).click();
  await expect(lesson.locator('.reveal-live')).toContainText('Summary', { timeout: 20_000 });
  await page.getByRole('tab', { name: 'Simulator' }).click();
  await expect(page.getByLabel('Seed')).toHaveValue('7');
  await expect(readout(page)).toHaveText(before);
  expect(await page.getByRole('region', { name: 'Ledger' }).innerText()).toBe(ledgerBefore);
  await expect(page.getByRole('list', { name: 'Faults in the plan' })).toContainText('consumer.after_apply for m1');
});

// ── 8. The projector ───────────────────────────────────────────────────────────────────

for (const size of ['laptop', 'projector']) {
  test(`8: large text makes the stage's labels larger at ${size} size, and nothing on the stage is cut off`, async ({ guarded }) => {
    const { page } = guarded;
    await page.setViewportSize(SIZES[size]);
    await openSite(page);
    await stepForward(page, 30);
    const title = page.locator('.stage .node-title').first();
    const normal = (await title.boundingBox()).height;
    await setLargeText(page, true);
    await expect.poll(async () => (await title.boundingBox()).height).toBeGreaterThan(normal * 1.1);
    // Every node's disk list shows all its lines: nothing is hidden behind a scroll.
    await runToEnd(page);
    for (const list of await page.locator('.node-card .store ul').all()) {
      const { scrollHeight, clientHeight } = await list.evaluate((el) => ({ scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }));
      expect(scrollHeight, 'a disk or memory list is cut off').toBeLessThanOrEqual(clientHeight + 1);
    }
    await page.screenshot({ path: `output/screenshots/engineer-large-text-${size}.png`, fullPage: true });
  });
}

test('8: the space-time diagram\'s labels never print over each other', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize(SIZES.laptop);
  await openSite(page);
  for (const mode of ['At-least-once', 'Transactional (2PC)']) {
    await page.getByLabel('Delivery mode').selectOption({ label: mode });
    await page.getByRole('spinbutton', { name: 'Messages' }).fill('8');
    await page.getByRole('spinbutton', { name: 'Messages' }).press('Enter');
    for (const steps of [12, 25, 40]) {
      await page.getByRole('button', { name: 'Reset' }).click();
      await stepForward(page, steps);
      // Every label's box read at once, so that the diagram cannot change in between.
      const boxes = await page.locator('.timeline svg text').evaluateAll((labels) => labels
        .map((label) => {
          const r = label.getBoundingClientRect();
          return { box: { x: r.x, y: r.y, width: r.width, height: r.height }, text: label.textContent };
        })
        .filter(({ box }) => box.width > 0));
      expect(boxes.length).toBeGreaterThan(3);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          expect(intersects(boxes[i].box, boxes[j].box), `${mode}, step ${steps}: "${boxes[i].text}" over "${boxes[j].text}"`).toBe(false);
        }
      }
    }
  }
  await page.screenshot({ path: 'output/screenshots/engineer-timeline.png', fullPage: true });
});

test('8: the theme and text size are remembered, travel in the link, and old links still open', async ({ guarded, browser, baseURL }) => {
  const { page } = guarded;
  await page.setViewportSize(SIZES.projector);
  await openSite(page);
  await setTheme(page, true);
  await setLargeText(page, true);
  await stepForward(page, 4);
  await expect(page).toHaveURL(/#theme=dark;text=large\/v1\./);
  // Remembered: a plain reload of the site without the link keeps both.
  await page.goto(baseURL);
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.locator('html')).toHaveAttribute('data-text', 'large');
  // In the link: a fresh browser (nothing remembered) opens it dark, large, same step.
  await stepForward(page, 4);
  // The address bar follows the run a moment after the readout: wait for it.
  await expect(page).toHaveURL(/[&.]step=4~/);
  const link = page.url();
  const fresh = await browser.newContext({ viewport: SIZES.projector });
  const other = await fresh.newPage();
  await other.goto(link);
  await other.locator('main[data-ready="true"]').waitFor();
  await expect(other.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(other.locator('html')).toHaveAttribute('data-text', 'large');
  await expect(other.locator('.controls .step-readout').last()).toContainText('step 4 ·');
  // An old link, without the page part, opens its run as before.
  const old = link.replace(/#[^/]*\//, '#');
  expect(old).toMatch(/#v1\./);
  await other.goto('about:blank');
  await other.goto(old);
  await other.locator('main[data-ready="true"]').waitFor();
  await expect(other.locator('.controls .step-readout').last()).toContainText('step 4 ·');
  await expect(other.getByText('Opened the run in the link')).toBeVisible();
  await fresh.close();
});

// ── 9. "In real systems" ──────────────────────────────────────────────────────────────

for (const [size, large] of [['tablet', false], ['tablet', true], ['laptop', true], ['laptop', false]]) {
  for (const dark of [false, true]) {
    test(`9: the Kafka and RabbitMQ tables never overlap at ${size} size${large ? ' with large text' : ''}${dark ? ', dark' : ''}`, async ({ guarded }) => {
      const { page } = guarded;
      await page.setViewportSize(SIZES[size]);
      await openSite(page);
      await setTheme(page, dark);
      await setLargeText(page, large);
      for (const mode of ['At-most-once', 'At-least-once', 'Idempotent', 'Transactional (2PC)']) {
        await page.getByLabel('Delivery mode').selectOption({ label: mode });
        const panel = await realSystems(page);
        await panel.scrollIntoViewIfNeeded();
        const tables = panel.locator('table.real-settings');
        await expect(tables).toHaveCount(2);
        const [kafka, rabbit] = [await tables.nth(0).boundingBox(), await tables.nth(1).boundingBox()];
        const box = await panel.boundingBox();
        expect(intersects(kafka, rabbit), `${mode}: the tables overlap`).toBe(false);
        for (const t of [kafka, rabbit]) {
          expect(t.x).toBeGreaterThanOrEqual(box.x);
          expect(t.x + t.width, `${mode}: a table sticks out of its panel`).toBeLessThanOrEqual(box.x + box.width + 0.5);
        }
        // No cell spills over its neighbour either.
        for (const table of await tables.all()) {
          const overflow = await table.evaluate((el) => [...el.querySelectorAll('th, td')].some((c) => c.scrollWidth > c.clientWidth + 1));
          expect(overflow, `${mode}: a cell's text spills out`).toBe(false);
        }
      }
      if (!dark) await (await realSystems(page)).screenshot({ path: `output/screenshots/engineer-real-systems-${size}${large ? '-large' : ''}.png` });
    });
  }
}

// ── 10. Links for a class ─────────────────────────────────────────────────────────────

test('10: Copy link offers "from the start" and "at this step"', async ({ guarded, browser, baseURL }) => {
  const { page } = guarded;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseURL).origin });
  await openSite(page);
  await arm(page, 'consumer.after_apply', 2);
  await stepForward(page, 15);
  const linkStart = page.getByLabel('The link opens the run');
  await expect(linkStart.locator('option')).toHaveText(['at this step', 'from the start']);

  await page.getByRole('button', { name: /Copy link/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'this run at this step' })).toBeVisible();
  const atStep = await page.evaluate(() => navigator.clipboard.readText());

  await linkStart.selectOption({ label: 'from the start' });
  await page.getByRole('button', { name: /Copy link/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'from step 0' })).toBeVisible();
  const fromStart = await page.evaluate(() => navigator.clipboard.readText());
  expect(fromStart).not.toBe(atStep);

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(atStep);
  await other.locator('main[data-ready="true"]').waitFor();
  await expect(other.locator('.controls .step-readout').last()).toContainText('step 15 ·');
  await other.goto('about:blank');
  await other.goto(fromStart);
  await other.locator('main[data-ready="true"]').waitFor();
  await expect(other.locator('.controls .step-readout').last()).toContainText('step 0 ·');
  // From the start, the same faults play out: m2 is applied twice.
  await other.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await other.keyboard.press('End');
  await expect(other.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
  expect((await ledgerCounters(other)).duplicated).toBe(1);
  await fresh.close();
});

test('10: Compare, Crash matrix and Protocol lab each have an address that survives a reload', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await arm(page, 'consumer.after_apply', 1);
  for (const [tab, id] of [['Compare', 'compare'], ['Crash matrix', 'crash-matrix'], ['Lessons', 'lessons']]) {
    await page.getByRole('tab', { name: tab }).click();
    await expect(page).toHaveURL(new RegExp(`#view=${id}/v1\\.`));
    await page.reload();
    await page.locator('main[data-ready="true"]').waitFor();
    await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
  }
  // Compare after a reload still compares the run with its fault.
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.getByRole('list', { name: 'Faults in the plan' }).or(page.locator('ul.fault-plan'))).toContainText('consumer.after_apply for m1');

  // The protocol lab: N, and the state shown.
  await page.getByRole('tab', { name: 'Protocol lab' }).click();
  await page.getByLabel('Resource managers (N)').fill('2');
  await page.getByLabel('Resource managers (N)').press('Tab');
  await page.getByRole('button', { name: 'Explore' }).click();
  const browserPanel = page.getByRole('region', { name: 'State browser' });
  await expect(browserPanel).toBeVisible({ timeout: 20_000 });
  await browserPanel.getByRole('listitem').filter({ hasText: 'RM 1 prepares' }).getByRole('button').click();
  await expect(browserPanel).toContainText('depth 1');
  const heading = await browserPanel.getByRole('heading', { level: 2 }).innerText();
  const state = heading.match(/State #(\d+)/)[1];
  await expect(page).toHaveURL(new RegExp(`#view=protocol-lab;rms=2;state=${state}/v1\\.`));
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.getByRole('tab', { name: 'Protocol lab' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Resource managers (N)')).toHaveValue('2');
  await expect(page.getByRole('region', { name: 'State browser' }).getByRole('heading', { level: 2 })).toHaveText(heading, { timeout: 20_000 });
});

test('10: a malformed link says plainly what is wrong, keeps the run, and stays in the address bar', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await stepForward(page, 3);
  // The address bar follows the run a moment later: wait for it, so that its update
  // cannot land after the bad link below and replace it.
  await expect(page).toHaveURL(/step=3~/);
  const good = page.url();
  const bad = `${good.split('#')[0]}#v1mode=idempotent`;
  await page.goto(bad);
  await expect(page.getByRole('alert')).toContainText("This link cannot be opened: this is not an MQ Lab link: the part after # should start with 'v1.'");
  await expect(page.getByRole('alert')).toContainText('The current run is kept');
  await expect(readout(page)).toContainText('step 3 ·');
  await expect(page).toHaveURL(bad);
  // Opened in a fresh page too, the address stays for the user to fix.
  await page.goto('about:blank');
  await page.goto(bad);
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.getByRole('alert')).toContainText("should start with 'v1.'");
  await expect(page).toHaveURL(bad);
  // Once the user moves the run on, the address describes the run again.
  await stepForward(page, 1);
  await expect(page).toHaveURL(/#v1\./);
});

// ── 12. Compare shows only runs it ran ────────────────────────────────────────────────

for (const dark of [false, true]) {
  test(`12: Compare shows "not applicable" for a mode without the fault, and blocked time apart from the normal wait${dark ? ' (dark)' : ''}`, async ({ guarded }) => {
    const { page } = guarded;
    await page.setViewportSize(SIZES.laptop);
    await openSite(page);
    await setTheme(page, dark);
    await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
    await arm(page, 'coordinator.after_votes', 2);
    await page.getByRole('tab', { name: 'Compare' }).click();

    for (const label of ['At-most-once', 'At-least-once', 'Idempotent']) {
      const column = page.getByRole('region', { name: label, exact: true });
      await expect(column.getByRole('note')).toHaveText(/Not applicable/);
      await expect(column.locator('li[data-counter]')).toHaveCount(0);
      await expect(column).not.toContainText('Exactly once');
      await expect(column.getByRole('list', { name: 'Faults that do not apply' })).toContainText('coordinator.after_votes');
    }
    const txn = page.getByRole('region', { name: 'Transactional (2PC)', exact: true });
    const predicted = predict(['--mode', 'transactional', '--crash', 'coordinator.after_votes:m2']);
    await expect(txn.locator('li[data-counter="exactly_once"]')).toHaveText(new RegExp(`Exactly once: ${predicted.exactly_once}$`));
    const split = txn.getByRole('group', { name: 'Time in doubt' }).or(txn.locator('dl.in-doubt-split'));
    const blocked = Number((await split.locator('[data-figure="blocked"] dd').innerText()).split(' ')[0]);
    const normal = Number((await split.locator('[data-figure="normal"] dd').innerText()).split(' ')[0]);
    expect(blocked).toBeGreaterThan(0);
    expect(normal).toBeGreaterThan(0);
    // Both parts together are the ledger's whole time in doubt.
    expect(blocked + normal).toBe(predicted.blocked_ticks);
    // The differences table has no verdict for a mode that did not run the plan.
    await expect(page.getByText('Only one mode can run this fault plan, so there is nothing to compare it with.')).toBeVisible();
    await page.screenshot({ path: `output/screenshots/engineer-compare${dark ? '-dark' : ''}.png`, fullPage: true });

    // Without a fault, the blocking is zero and the wait is all normal.
    await page.getByRole('tab', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'Clear faults' }).click();
    await page.getByRole('tab', { name: 'Compare' }).click();
    const calm = predict(['--mode', 'transactional']);
    await expect(txn.locator('[data-figure="blocked"] dd')).toHaveText('0 ticks');
    await expect(txn.locator('[data-figure="normal"] dd')).toHaveText(`${calm.blocked_ticks} ticks`);
    for (const label of ['At-most-once', 'At-least-once', 'Idempotent']) {
      await expect(page.getByRole('region', { name: label, exact: true }).locator('li[data-counter]')).toHaveCount(5);
    }
  });
}

// ── 14. Crash matrix and protocol lab ─────────────────────────────────────────────────

for (const size of ['laptop', 'tablet', 'projector']) {
  test(`14: the crash matrix's pair table stays inside its card at ${size} size, its first column fixed`, async ({ guarded }) => {
    const { page } = guarded;
    await page.setViewportSize(SIZES[size]);
    await openSite(page);
    await page.getByRole('tab', { name: 'Crash matrix' }).click();
    for (const label of ['At-least-once', 'Idempotent', 'Transactional (2PC)']) {
      await page.getByRole('checkbox', { name: label }).uncheck();
    }
    await page.getByRole('checkbox', { name: /pairs/i }).check();
    await page.getByRole('button', { name: /^Run \d+ runs$/ }).click();
    const card = page.getByRole('region', { name: 'At-most-once crash matrix' });
    const pairs = card.getByRole('table', { name: 'At-most-once pairs' });
    await expect(pairs.locator('a.matrix-cell').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Cancel' })).toHaveCount(0, { timeout: 30_000 });
    const cardBox = await card.boundingBox();
    for (const table of [pairs, card.getByRole('table', { name: 'At-most-once single crashes' })]) {
      const scroller = table.locator('xpath=..');
      const box = await scroller.boundingBox();
      expect(box.x + box.width, 'the table sticks out of its card').toBeLessThanOrEqual(cardBox.x + cardBox.width + 0.5);
      const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
      if (scrollWidth > clientWidth + 1) {
        // It scrolls inside the card, and the row names stay in view.
        // (It sits at the scroller's left edge, a border-spacing left of where it starts.)
        const head = table.locator('tbody th').first();
        const before = (await head.boundingBox()).x;
        await scroller.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
        await expect.poll(async () => (await scroller.evaluate((el) => el.scrollLeft))).toBeGreaterThan(0);
        const after = (await head.boundingBox()).x;
        expect(after).toBeGreaterThanOrEqual(box.x - 0.5);
        expect(after).toBeLessThanOrEqual(before + 0.5);
      }
    }
    await card.screenshot({ path: `output/screenshots/engineer-matrix-pairs-${size}.png` });
  });
}

test('14: a matrix cell and the ledger\'s jump open the run at the same point, just before the crash', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('tab', { name: 'Crash matrix' }).click();
  for (const label of ['At-most-once', 'Idempotent', 'Transactional (2PC)']) {
    await page.getByRole('checkbox', { name: label }).uncheck();
  }
  await page.getByRole('button', { name: /^Run \d+ runs$/ }).click();
  const cell = page.locator('a.matrix-cell[data-mode="at-least-once"][data-crash="consumer.after_apply:m1"]');
  await expect(cell).toBeVisible({ timeout: 30_000 });
  await cell.click();
  await expect(page.getByRole('tab', { name: 'Simulator' })).toHaveAttribute('aria-selected', 'true');
  const opened = Number((await readout(page).innerText()).match(/step (\d+)/)[1]);
  // Just before the crash: the consumer is up, and the next step crashes it.
  const consumer = page.getByRole('region', { name: 'Consumer state' });
  await expect(consumer).not.toHaveClass(/down/);
  await stepForward(page, 1);
  await expect(consumer).toHaveClass(/down/);
  // The ledger's jump to the fault lands on the same step.
  await runToEnd(page);
  const jump = page.getByRole('list', { name: 'Anomalies' }).getByRole('button').first();
  await expect(jump).toContainText(`→ step ${opened}`);
  await jump.click();
  await expect(readout(page)).toContainText(`step ${opened} ·`);
  await expect(consumer).not.toHaveClass(/down/);
});

test('14: the protocol lab clears old results when a new N is refused', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('tab', { name: 'Protocol lab' }).click();
  await page.getByRole('button', { name: 'Explore' }).click();
  const results = page.getByRole('region', { name: 'Results' });
  await expect(results).toBeVisible({ timeout: 20_000 });
  for (const refused of ['9', '0', '-1']) {
    await page.getByLabel('Resource managers (N)').fill(refused);
    await page.getByLabel('Resource managers (N)').press('Tab');
    await expect(page.getByRole('alert')).toContainText('The number of resource managers must be a whole number from 1 to 7');
    await expect(results).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'State browser' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Explore' })).toBeDisabled();
    // The refused value stays in the box for the user to fix.
    await expect(page.getByLabel('Resource managers (N)')).toHaveValue(refused);
  }
  // A valid N again: exploring works and shows that N's results.
  await page.getByLabel('Resource managers (N)').fill('2');
  await page.getByLabel('Resource managers (N)').press('Tab');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Explore' }).click();
  await expect(results).toBeVisible({ timeout: 20_000 });
});
