// Parts loaded on demand: the first view fetches none of them; each says so while it
// loads and when it cannot be fetched, offers to try again, and the rest of the page
// keeps working meanwhile. Failures here are made on purpose (the browser logs the failed
// request), so these tests check uncaught exceptions only.
const fs = require('fs');
const base = require('@playwright/test');
const { test, expect, openSite, realSystems } = require('./helpers');

const LAZY = /mqlab-analysis-|mqlab-lessons-|text\/en\/lessons\.txt|text\/en\/steps\.txt|parts\/lessons\.css|parts\/protocol-lab\.css/;

// Takes a screenshot at laptop and at tablet size.
async function shoot(page, name) {
  await page.screenshot({ path: `output/screenshots/${name}-laptop.png` });
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.screenshot({ path: `output/screenshots/${name}-tablet.png` });
  await page.setViewportSize({ width: 1280, height: 800 });
}

// A page that fails its test on any uncaught exception.
async function watched(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

test('the first view fetches none of the parts that other views need', async ({ guarded }) => {
  const { page } = guarded;
  const fetched = [];
  page.on('request', (request) => fetched.push(request.url()));
  await openSite(page);
  await page.waitForLoadState('networkidle');
  expect(fetched.filter((url) => LAZY.test(url))).toEqual([]);
  // Opening a view fetches its part.
  await page.getByRole('tab', { name: 'Compare' }).click();
  await expect(page.getByRole('tabpanel', { name: 'Compare' })).toContainText('Transactional');
  expect(fetched.some((url) => /mqlab-analysis-[0-9a-f]+_bg\.wasm/.test(url))).toBe(true);
  expect(fetched.some((url) => /mqlab-lessons-/.test(url))).toBe(false);
  await page.getByRole('tab', { name: 'Lessons' }).click();
  await expect(page.getByRole('region', { name: 'Lessons' })).toContainText('0 of 20 lessons completed');
  expect(fetched.some((url) => /mqlab-lessons-[0-9a-f]+_bg\.wasm/.test(url))).toBe(true);
  // The "In real systems" panel, below the first screen, is drawn by the analysis module
  // once the reader scrolls to it.
  await page.getByRole('tab', { name: 'Simulator' }).click();
  await expect(await realSystems(page)).toContainText('enable.idempotence');
});

base.test.describe('without a service worker, so that failed requests stay failed', () => {
  base.test.use({ serviceWorkers: 'block' });

  base.test('the narration is fetched when the run first moves, and says so until it has come', async ({ page }) => {
    const errors = await watched(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/text/en/steps.txt', async (route) => { await held; await route.continue(); });
    await openSite(page);
    const narration = page.getByRole('region', { name: 'Narration' });
    await expect(narration).toContainText('Nothing has happened yet');
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect(narration.getByRole('status')).toHaveText('Fetching the narration…');
    release();
    await expect(narration).toContainText('Producer publishes m1 to the broker.');
    await expect(narration.getByRole('status')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  base.test('a narration that cannot be fetched is said, and the counts stay', async ({ page }) => {
    const errors = await watched(page);
    await page.route('**/text/en/steps.txt', (route) => route.abort());
    await openSite(page);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    const narration = page.getByRole('region', { name: 'Narration' });
    await expect(narration.getByRole('status')).toContainText('The narration could not be fetched');
    await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
    // The rest of the page goes on: the run plays to its end and the ledger counts it.
    await page.getByRole('button', { name: 'Play' }).click();
    await expect(page.getByRole('button', { name: 'Play' })).toBeVisible({ timeout: 20_000 });
    await expect(page.locator('.ledger')).toContainText('Exactly once: 5');
    expect(errors).toEqual([]);
  });

  base.test('the real-systems panel shows that it is loading, then its settings', async ({ page }) => {
    const errors = await watched(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/text/en/real-systems.txt', async (route) => { await held; await route.continue(); });
    await openSite(page);
    const panel = await realSystems(page);
    await expect(panel.getByRole('status')).toHaveText('Loading the Kafka and RabbitMQ settings…');
    await panel.scrollIntoViewIfNeeded();
    await shoot(page, 'real-systems-loading');
    release();
    await expect(panel.getByRole('row', { name: /enable\.idempotence/ })).toBeVisible();
    await expect(panel.getByRole('status')).toHaveCount(0);
    await panel.scrollIntoViewIfNeeded();
    await shoot(page, 'real-systems-loaded');
    expect(errors).toEqual([]);
  });

  base.test('a panel whose words cannot be fetched says why, the run goes on, and Try again loads them', async ({ page }) => {
    const errors = await watched(page);
    await page.route('**/text/en/real-systems.txt', (route) => route.abort());
    await openSite(page);
    const panel = await realSystems(page);
    await expect(panel.getByRole('alert')).toContainText('Could not load the Kafka and RabbitMQ settings');
    await expect(panel.getByRole('alert')).toContainText('The rest of the page keeps working');
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
    await page.unroute('**/text/en/real-systems.txt');
    await panel.getByRole('button', { name: 'Try again' }).click();
    await expect(panel.getByRole('row', { name: /enable\.idempotence/ })).toBeVisible();
    expect(errors).toEqual([]);
  });

  base.test('a lesson shows that its words are loading, then its intro and summary', async ({ page }) => {
    const errors = await watched(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/text/en/lessons.txt', async (route) => { await held; await route.continue(); });
    await openSite(page, '#lesson=consumer-crash-before-ack');
    const lesson = page.locator('article.lesson');
    await expect(lesson.getByRole('status').first()).toHaveText('Loading the lessons\' texts…');
    await shoot(page, 'lesson-loading');
    release();
    await expect(lesson.locator('.lesson-intro')).toContainText('the consumer applies a message');
    await shoot(page, 'lesson-loaded');
    expect(errors).toEqual([]);
  });

  base.test('the Lessons view shows that it is loading, then the lessons', async ({ page }) => {
    const errors = await watched(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route(/mqlab-lessons-[0-9a-f]+_bg\.wasm/, async (route) => { await held; await route.continue(); });
    await openSite(page, '#lesson=consumer-crash-before-ack');
    const view = page.getByRole('tabpanel', { name: 'Lessons' });
    await expect(view.getByRole('status')).toHaveText('Loading the lessons…');
    await expect(view.locator('[aria-busy]')).toHaveAttribute('aria-busy', 'true');
    await shoot(page, 'lessons-module-loading');
    release();
    const lesson = page.getByRole('article', { name: 'What happens when the consumer crashes before its ack?' });
    await expect(lesson.getByRole('radiogroup')).toContainText('m1 is applied twice');
    await expect(view.getByText('Loading the lessons…')).toHaveCount(0);
    await expect(view.locator('[aria-busy]').first()).toHaveAttribute('aria-busy', 'false');
    await expect(lesson.locator('.lesson-intro')).toContainText('the consumer applies a message');
    await shoot(page, 'lessons-module-loaded');
    expect(errors).toEqual([]);
  });

  base.test('a Lessons view whose module cannot be fetched says why, the simulator keeps working, and Try again loads it', async ({ page }) => {
    const errors = await watched(page);
    await page.route(/mqlab-lessons-/, (route) => route.abort());
    await openSite(page);
    await page.getByRole('tab', { name: 'Lessons' }).click();
    const view = page.getByRole('tabpanel', { name: 'Lessons' });
    await expect(view.getByRole('alert')).toContainText('Could not load the lessons');
    await expect(view.getByRole('alert')).toContainText('The rest of the page keeps working');
    await page.getByRole('tab', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
    await page.getByRole('tab', { name: 'Lessons' }).click();
    await expect(view.getByRole('alert')).toContainText('Could not load the lessons');
    await page.unroute(/mqlab-lessons-/);
    await view.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('region', { name: 'Lessons' })).toContainText('0 of 20 lessons completed');
    await expect(view.getByRole('alert')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  base.test('an analysis view whose module cannot be fetched says why, the simulator keeps working, and Try again loads it', async ({ page }) => {
    const errors = await watched(page);
    await page.route(/mqlab-analysis-/, (route) => route.abort());
    await openSite(page);
    await page.getByRole('tab', { name: 'Crash matrix' }).click();
    const view = page.getByRole('tabpanel', { name: 'Crash matrix' });
    await expect(view.getByRole('alert')).toContainText('Could not load the crash matrix');
    await page.getByRole('tab', { name: 'Simulator' }).click();
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
    await page.getByRole('tab', { name: 'Crash matrix' }).click();
    await expect(view.getByRole('alert')).toContainText('Could not load the crash matrix');
    await page.unroute(/mqlab-analysis-/);
    await view.getByRole('button', { name: 'Try again' }).click();
    await expect(view.getByRole('button', { name: /^Run \d+ runs$/ })).toBeVisible();
    expect(errors).toEqual([]);
  });

  base.test('export and import are busy while the analysis module loads, which writes and reads the files', async ({ page }, testInfo) => {
    const errors = await watched(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route(/mqlab-analysis-[0-9a-f]+_bg\.wasm/, async (route) => { await held; await route.continue(); });
    await openSite(page);
    const exportButton = page.getByRole('button', { name: /Export JSON/ });
    const download = page.waitForEvent('download');
    await exportButton.click();
    await expect(exportButton).toHaveAttribute('aria-busy', 'true');
    await expect(exportButton).toBeDisabled();
    await expect(page.getByLabel('Import JSON')).toBeDisabled();
    release();
    const file = testInfo.outputPath('exported.json');
    await (await download).saveAs(file);
    await expect(exportButton).toHaveAttribute('aria-busy', 'false');
    await expect(exportButton).toBeEnabled();
    await page.getByLabel('Import JSON').setInputFiles(file);
    await expect(page.locator('.notice.info')).toContainText('Imported the scenario file.');
    expect(errors).toEqual([]);
  });

  base.test('when the analysis module cannot be fetched, export and import say why, keep the run, and work on the next try', async ({ page }, testInfo) => {
    const errors = await watched(page);
    await page.route(/mqlab-analysis-/, (route) => route.abort());
    await openSite(page);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.getByRole('button', { name: /Export JSON/ }).click();
    await expect(page.getByRole('alert')).toContainText('Export failed: the module could not be fetched or started');
    const file = testInfo.outputPath('minimal.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'mqlab-scenario', version: 1, mode: 'at-least-once', messages: 3, seed: 1 }));
    await page.getByLabel('Import JSON').setInputFiles(file);
    await expect(page.getByRole('alert')).toContainText('That file cannot be imported: the module could not be fetched or started');
    await expect(page.getByRole('alert')).toContainText('The current run is kept');
    await expect(page.locator('.controls .step-readout').last()).toContainText('step 1');
    await page.unroute(/mqlab-analysis-/);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /Export JSON/ }).click();
    expect(JSON.parse(fs.readFileSync(await (await download).path(), 'utf8')).step).toBe(1);
    await page.getByLabel('Import JSON').setInputFiles(file);
    await expect(page.locator('.notice.info')).toContainText('Imported the scenario file.');
    expect(errors).toEqual([]);
  });
});

test('every part opens offline once the site has been loaded @both', async ({ guarded, context }) => {
  const { page } = guarded;
  await openSite(page);
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  // The worker stores the parts in the background; wait until it has them all.
  await page.waitForFunction(async () => {
    const keys = (await (await caches.open('mqlab-site')).keys()).map((request) => request.url);
    return ['text/en/lessons.txt', 'text/en/real-systems.txt', 'parts/lessons.css', 'parts/protocol-lab.css']
      .every((part) => keys.some((url) => url.endsWith(part)))
      && keys.some((url) => /mqlab-analysis-[0-9a-f]+_bg\.wasm$/.test(url))
      && keys.some((url) => /mqlab-lessons-[0-9a-f]+_bg\.wasm$/.test(url));
  });
  await context.setOffline(true);
  await page.reload();
  await page.locator('main[data-ready="true"]').waitFor({ timeout: 20_000 });
  await expect(await realSystems(page)).toContainText('enable.idempotence');
  await page.getByRole('tab', { name: 'Protocol lab' }).click();
  await expect(page.getByLabel('Resource managers (N)')).toBeVisible();
  await page.getByRole('tab', { name: 'Lessons' }).click();
  await page.getByRole('link', { name: /consumer crashes before its ack/ }).click();
  await expect(page.locator('.lesson-intro')).toContainText('the consumer applies a message');
  // The analysis module writes the scenario files, from the worker's copy too.
  await page.getByRole('tab', { name: 'Simulator' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export JSON/ }).click();
  expect(JSON.parse(fs.readFileSync(await (await download).path(), 'utf8')).format).toBe('mqlab-scenario');
  await context.setOffline(false);
});
