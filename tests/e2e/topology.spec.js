// Several producers and consumers in the page: the learner sets 2 producers and 3
// consumers, every node (six with the broker) is drawn with its cards, the ledger matches
// the core's (the CLI's) for the same flags, a crash of the second consumer from the
// toolbar shows on the stage, the link in the address bar reproduces the run after a
// reload, and an impossible number of consumers is explained while the run is kept.
const { test, expect, openSite, predict, ledgerCounters } = require('./helpers');

// Types a number into a control and commits it (the change event).
async function setNumber(page, label, value) {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
  await input.press('Enter');
  await input.blur();
}

// The node boxes drawn on the stage (not the dimmed place of an absent coordinator).
function nodeBoxes(page) {
  return page.locator('.stage .stage-drawing svg[role="img"] g.node:not(.absent)');
}

function stepReadout(page) {
  return page.locator('.controls .step-readout').last();
}

// Two producers and three consumers in at-least-once mode, 20 messages.
async function twoProducersThreeConsumers(page) {
  await page.getByLabel('Delivery mode').selectOption({ label: 'At-least-once' });
  await setNumber(page, 'Messages', 20);
  await setNumber(page, 'Producers', 2);
  await setNumber(page, 'Consumers', 3);
  await expect(nodeBoxes(page)).toHaveCount(6);
}

async function runToTheEnd(page) {
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('End');
  await expect(page.getByRole('region', { name: 'Ledger' })).toContainText('run finished');
}

// True when two element boxes share any area.
function overlap(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test('2 producers and 3 consumers: every node drawn, the ledger the core predicts', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await twoProducersThreeConsumers(page);
  await runToTheEnd(page);

  const names = ['Producer', 'Producer 2', 'Broker', 'Consumer', 'Consumer 2', 'Consumer 3'];
  const boxes = nodeBoxes(page);
  await expect(boxes).toHaveCount(6);
  for (const name of names) {
    await expect(boxes.filter({ has: page.locator('text.node-title', { hasText: new RegExp(`^${name}$`) }) })).toHaveCount(1);
    await expect(page.getByRole('region', { name: `${name} state` })).toBeVisible();
  }
  // No two node boxes overlap, and each is inside the drawing.
  const drawing = await page.locator('.stage .stage-drawing svg[role="img"]').boundingBox();
  const rects = [];
  for (let i = 0; i < 6; i++) rects.push(await boxes.nth(i).locator('rect.node-box').boundingBox());
  for (const [i, a] of rects.entries()) {
    expect(a.y).toBeGreaterThanOrEqual(drawing.y - 1);
    expect(a.y + a.height).toBeLessThanOrEqual(drawing.y + drawing.height + 1);
    for (const b of rects.slice(i + 1)) expect(overlap(a, b), 'two node boxes overlap').toBe(false);
  }
  // One lane per node in the space-time diagram.
  await expect(page.locator('.timeline .lane')).toHaveCount(6);

  const seed = await page.getByLabel('Seed').inputValue();
  const predicted = predict(['--producers', '2', '--consumers', '3', '--mode', 'at-least-once',
    '--messages', '20', '--seed', seed, '--until-quiet']);
  const shown = await ledgerCounters(page);
  for (const key of Object.keys(shown)) {
    expect(shown[key], `${key} in the page vs the core`).toBe(predicted[key]);
  }

  for (const size of [{ width: 1280, height: 800 }, { width: 768, height: 1024 }]) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'horizontal overflow in pixels').toBeLessThanOrEqual(0);
    await page.screenshot({ path: `output/screenshots/topology-${size.width}x${size.height}.png`, fullPage: true });
    await page.locator('.stage').screenshot({ path: `output/screenshots/topology-stage-${size.width}x${size.height}.png` });
    await page.getByRole('region', { name: 'Faults' }).screenshot({ path: `output/screenshots/topology-faults-${size.width}x${size.height}.png` });
  }

  // In transactional mode the coordinator sits above, linked to every participant, and
  // its panel lists them all.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
  await expect(nodeBoxes(page)).toHaveCount(7);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
  await expect(page.locator('.timeline .lane')).toHaveCount(7);
  await page.locator('.sim-layout').screenshot({ path: 'output/screenshots/topology-transactional-1280x800.png' });
});

test('a crash of consumer-2 from the toolbar shows on the stage and survives a reload', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await twoProducersThreeConsumers(page);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');

  const faults = page.getByRole('region', { name: 'Faults' });
  await faults.getByRole('button', { name: 'Crash consumer-2', exact: true }).click();
  const consumer2 = nodeBoxes(page).filter({ has: page.locator('text.node-title', { hasText: /^Consumer 2$/ }) });
  await expect(consumer2).toHaveClass(/down/);
  await expect(consumer2).toContainText('DOWN');
  await expect(page.getByRole('region', { name: 'Consumer 2 state' })).toContainText('down');
  // The other consumers are still up.
  const consumer3 = nodeBoxes(page).filter({ has: page.locator('text.node-title', { hasText: /^Consumer 3$/ }) });
  await expect(consumer3).not.toHaveClass(/down/);
  await expect(faults.getByRole('button', { name: 'Restart consumer-2', exact: true })).toBeEnabled();
  await expect(faults).toContainText('crash the consumer-2');

  // The crash point menu names every consumer, and the link menu every consumer's link.
  const points = await page.locator('#crash-point option').allInnerTexts();
  expect(points).toEqual(expect.arrayContaining(['consumer-2.after_apply', 'consumer-3.after_apply', 'producer-2.before_send']));
  const links = await page.locator('#fault-link option').allInnerTexts();
  expect(links).toEqual(expect.arrayContaining(['broker->consumer-3', 'producer-2->broker']));

  const step = await stepReadout(page).innerText();
  await expect(page).toHaveURL(/#v2/);
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.getByLabel('Producers', { exact: true })).toHaveValue('2');
  await expect(page.getByLabel('Consumers', { exact: true })).toHaveValue('3');
  await expect(nodeBoxes(page)).toHaveCount(6);
  await expect(stepReadout(page)).toHaveText(step);
  await expect(consumer2).toHaveClass(/down/);
});

test('9 consumers is refused with a message and the run is kept', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await twoProducersThreeConsumers(page);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  // The readout (and the address) once the fifth step is drawn.
  await expect(stepReadout(page)).toContainText('step 5 ');
  const step = await stepReadout(page).innerText();
  await expect(page).toHaveURL(/[&.]step=5~/);
  const link = page.url();

  await setNumber(page, 'Consumers', 9);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('cannot run');
  await expect(alert).toContainText('The current run is kept');
  await expect(nodeBoxes(page)).toHaveCount(6);
  await expect(stepReadout(page)).toHaveText(step);
  expect(page.url()).toBe(link);

  // The default world still looks as it always did: one node of each role.
  await setNumber(page, 'Producers', 1);
  await setNumber(page, 'Consumers', 1);
  await expect(nodeBoxes(page)).toHaveCount(3);
  await expect(page.locator('.stage .stage-drawing svg[role="img"]')).toHaveAttribute('viewBox', '0 186 960 194');
});

test('the largest topology, 3 producers and 8 consumers in 2PC, fits without overlaps', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByLabel('Delivery mode').selectOption({ label: 'Transactional (2PC)' });
  await setNumber(page, 'Producers', 3);
  await setNumber(page, 'Consumers', 8);
  const boxes = nodeBoxes(page);
  await expect(boxes).toHaveCount(13);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowRight');
  const drawing = await page.locator('.stage .stage-drawing svg[role="img"]').boundingBox();
  const rects = [];
  for (let i = 0; i < 13; i++) rects.push(await boxes.nth(i).locator('rect.node-box').boundingBox());
  for (const [i, a] of rects.entries()) {
    expect(a.y + a.height).toBeLessThanOrEqual(drawing.y + drawing.height + 1);
    for (const b of rects.slice(i + 1)) expect(overlap(a, b), 'two node boxes overlap').toBe(false);
  }
  await expect(page.locator('.timeline .lane')).toHaveCount(13);
  // The panel lists every participant of the run, and names the database each
  // transaction writes.
  const participants = page.getByRole('list', { name: 'Participants' }).getByRole('listitem');
  for (const name of ['producer-3 DB', 'consumer-8 DB', 'broker']) {
    await expect(participants.filter({ hasText: name })).not.toHaveCount(0);
  }
  await expect(page.locator('.coordinator .txn')).toHaveText(/ the (producer|consumer)(-\d)? DB/);
  await page.locator('.sim-layout').screenshot({ path: 'output/screenshots/topology-largest-1280x800.png' });
});
