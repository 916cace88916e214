// Embed and presenter modes. `?embed` in an iframe of 480×320 shows the stage, the player
// and the narration, nothing of them clipped, and a link that opens the whole of MQ Lab on
// the same run; the share bar copies the <iframe> tag. Presenter mode (P) makes the type
// large, puts the newest narration in captions, and steps once per key press.
const { test, expect, openSite, checkAccessibility } = require('./helpers');

// A host page with the iframe, served at an address of the site's own server and running
// nothing else. (A page of another origin cannot frame the test server on localhost: the
// browser blocks public pages from reaching local addresses.) The site's service worker,
// if the test registered it, would answer that address itself, so it is let go first.
async function hostPage(page, src, width, height) {
  const host = new URL(`./embed-host-${width}x${height}.html`, src).href;
  if (page.url().startsWith('http')) {
    await page.evaluate(async () => {
      const registrations = await navigator.serviceWorker?.getRegistrations() ?? [];
      await Promise.all(registrations.map((registration) => registration.unregister()));
    });
  }
  await page.route(host, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A course page</title>
      <link rel="icon" href="data:,"></head><body style="margin:0">
      <iframe id="lab" src="${src}" width="${width}" height="${height}" style="border:0" title="MQ Lab"></iframe>
    </body></html>`,
  }));
  await page.goto(host);
  const frame = page.frameLocator('#lab');
  await frame.locator('main[data-ready="true"]').waitFor({ timeout: 20_000 });
  return frame;
}

// The boxes of the elements that must be whole, relative to the iframe's viewport.
async function clipped(frame) {
  return frame.locator('body').evaluate(() => {
    const width = document.documentElement.clientWidth;
    const selectors = ['.brand h1', '.embed-open', '.controls .group:first-child button', '.stage svg', '.narration'];
    const problems = [];
    for (const selector of selectors) {
      const elements = [...document.querySelectorAll(selector)];
      if (elements.length === 0) problems.push(`${selector}: missing`);
      for (const element of elements) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) problems.push(`${selector}: not shown`);
        if (box.left < 0 || box.right > width + 0.5) problems.push(`${selector}: ${box.left}..${box.right} of ${width}`);
      }
    }
    if (document.documentElement.scrollWidth > width + 1) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    return problems;
  });
}

test('?embed fits an iframe of 480×320 with the stage, the player and the narration, and opens the whole lab', async ({ guarded, baseURL }) => {
  const { page } = guarded;
  const src = new URL('./?embed', baseURL).href;
  const frame = await hostPage(page, src, 480, 320);
  await expect(frame.locator('.tabs')).toBeHidden();
  await expect(frame.locator('.share-bar')).toBeHidden();
  await expect(frame.locator('.area-ledger')).toBeHidden();
  await expect(frame.locator('#mode')).toBeHidden();
  await frame.getByRole('button', { name: 'Step', exact: true }).click();
  await frame.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(frame.locator('.narration li').first()).toBeVisible();
  expect(await clipped(frame)).toEqual([]);
  const embedded = await checkAccessibility(page);
  expect(embedded.violations, JSON.stringify(embedded.violations, null, 1)).toEqual([]);
  await page.screenshot({ path: 'output/screenshots/embed-480x320.png' });

  // "Open in MQ Lab" opens the whole page on the run as it is now, without ?embed.
  const open = frame.getByRole('link', { name: 'Open in MQ Lab ↗' });
  await expect(open).toHaveAttribute('target', '_blank');
  const popup = page.waitForEvent('popup');
  await open.click();
  const full = await popup;
  await full.locator('main[data-ready="true"]').waitFor({ timeout: 20_000 });
  expect(full.url()).not.toContain('embed');
  await expect(full.locator('.tabs')).toBeVisible();
  await expect(full.locator('.controls .step-readout').last()).toContainText('step 2 ');
  await full.close();

  // Larger iframes show the same, with room to spare.
  await page.setViewportSize({ width: 1000, height: 700 });
  const wide = await hostPage(page, src, 800, 600);
  expect(await clipped(wide)).toEqual([]);
});

test('?embed=ledger keeps the ledger; the share bar copies the iframe tag', async ({ guarded, baseURL }) => {
  const { page } = guarded;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await openSite(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.getByRole('button', { name: 'Embed' }).click();
  await expect(page.locator('.notice')).toContainText('Embed code copied');
  const tag = await page.evaluate(() => navigator.clipboard.readText());
  const match = tag.match(/^<iframe src="([^"]+)" width="640" height="480" title="MQ Lab" loading="lazy"><\/iframe>$/);
  expect(match, tag).toBeTruthy();
  const src = match[1];
  expect(src).toContain('?embed#');
  expect(src).toContain('step=1');

  // The copied tag works, and with ?embed=ledger the ledger is there too.
  const frame = await hostPage(page, src.replace('?embed#', '?embed=ledger#'), 640, 480);
  await expect(frame.locator('.stage svg').first()).toBeVisible();
  await expect(frame.getByRole('region', { name: 'Ledger' })).toBeVisible();
  await expect(frame.locator('.controls .step-readout').last()).toContainText('step 1 ');
  const axe = await checkAccessibility(page);
  expect(axe.violations, JSON.stringify(axe.violations, null, 1)).toEqual([]);
});

test('presenter mode: large type, captions, one key press per step, readable at 1920×1080', async ({ guarded }) => {
  const { page } = guarded;
  await page.setViewportSize({ width: 1920, height: 1080 });
  await openSite(page);
  const before = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
  await page.keyboard.press('p');
  await expect(page.locator('html')).toHaveAttribute('data-present', 'on');
  await expect(page.getByRole('button', { name: 'Present' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize))).toBeGreaterThanOrEqual(before * 1.35);

  // One key press, one step; a clicker's Page Down too.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 3 ');
  await page.keyboard.press('PageUp');
  await expect(page.locator('.controls .step-readout').last()).toContainText('step 2 ');

  // The narration is a caption bar at the bottom of the screen, in large type, showing
  // the newest lines only.
  const captions = page.locator('.narration');
  const box = await captions.boundingBox();
  expect(box.y + box.height).toBeGreaterThan(1080 - 2);
  expect(box.width).toBeGreaterThan(1800);
  const lines = captions.locator('li:visible');
  expect(await lines.count()).toBeLessThanOrEqual(2);
  const size = await lines.last().evaluate((li) => parseFloat(getComputedStyle(li).fontSize));
  expect(size).toBeGreaterThanOrEqual(28);
  const axe = await checkAccessibility(page);
  expect(axe.violations, JSON.stringify(axe.violations, null, 1)).toEqual([]);
  await page.screenshot({ path: 'output/screenshots/presenter-1920x1080.png' });

  // P again leaves it.
  await page.getByRole('button', { name: 'Present' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-present', 'off');
});
