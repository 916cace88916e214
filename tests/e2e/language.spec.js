// The page in English and in 简体中文: chosen by ?lang=, by the reader's last choice or by
// the browser's language; switched mid-run without touching the run; a Chinese catalogue
// that cannot be fetched leaves the page in English with a notice.
const base = require('@playwright/test');
const { test, expect, openSite, ledgerCounters, checkAccessibility, stepsWords } = require('./helpers');

const CHINESE = /[\u4e00-\u9fff]/;

async function stepReadout(page) {
  // The step and the tick, as numbers: the words around them are the language's.
  return (await page.locator('.controls .step-readout').last().innerText()).match(/\d+/g).join(' ');
}

// The ledger's counters by the order they are shown, whatever their language.
async function counterValues(page) {
  const items = page.locator('.area-ledger ul.counters').first().locator('li');
  const values = [];
  for (const text of await items.allInnerTexts()) values.push(Number(text.replace(/[^\d]/g, '')));
  return values;
}

test('?lang=zh-CN opens the page in Chinese, and the switch goes back to English @both', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '?lang=zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  const tabs = page.getByRole('tablist');
  await expect(tabs.getByRole('tab').first()).toHaveText('模拟器');
  const language = page.locator('select.lang-switch');
  await expect(language).toHaveValue('zh-CN');
  await expect(page.locator('.app-header .brand p')).toContainText(CHINESE);

  await language.selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('tablist', { name: 'Views' }).getByRole('tab').first()).toHaveText('Simulator');
  await expect.poll(() => new URL(page.url()).searchParams.get('lang')).toBe('en');
  // Remembered: the next visit without ?lang opens in English too.
  await page.goto('./');
  await page.locator('main[data-ready="true"]').waitFor();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test('switching language mid-run keeps the run, its step and its ledger, and the narration follows', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  const step = page.getByRole('button', { name: 'Step', exact: true });
  for (let i = 0; i < 14; i++) await step.click();
  const before = await stepReadout(page);
  const counters = await ledgerCounters(page);
  const values = await counterValues(page);
  await stepsWords(page);
  const englishNarration = await page.locator('.narration li').last().innerText();

  await page.locator('select.lang-switch').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('tablist').getByRole('tab').first()).toHaveText('模拟器');
  expect(await stepReadout(page)).toBe(before);
  // The switch draws the page again a part per frame: the ledger comes after the stage.
  await expect.poll(() => counterValues(page)).toEqual(values);
  await expect(page.locator('.narration li').last()).toContainText(CHINESE);
  await expect.poll(() => new URL(page.url()).searchParams.get('lang')).toBe('zh-CN');
  // The link copied now opens the same run in Chinese.
  expect(page.url()).toContain('#');

  await page.locator('select.lang-switch').selectOption('en');
  await expect(page.getByRole('tablist', { name: 'Views' }).getByRole('tab').first()).toHaveText('Simulator');
  expect(await stepReadout(page)).toBe(before);
  expect(await ledgerCounters(page)).toEqual(counters);
  await expect(page.locator('.narration li').last()).not.toHaveText(CHINESE);
  expect(await page.locator('.narration li').last().innerText()).toBe(englishNarration);
});

test('the browser\'s language is the default, and an unknown lang falls back to it without an error', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await openSite(page, '?lang=xx');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('tablist').getByRole('tab').first()).toHaveText('模拟器');
  await expect(page.locator('.lang-notice')).toHaveCount(0);
  await expect(page.locator('.notice.error')).toHaveCount(0);
  await context.close();
});

// The fetch refused on purpose is a console error, so this test watches only for
// uncaught exceptions.
base.test('a Chinese catalogue that cannot be fetched leaves the page in English, with a notice', async ({ page }) => {
  const uncaught = [];
  page.on('pageerror', (error) => uncaught.push(error.message));
  await page.route('**/text/zh-CN/**', (route) => route.abort());
  await openSite(page, '?lang=zh-CN');
  const notice = page.locator('.lang-notice');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('the page stays in English');
  await expect(page.getByRole('tablist', { name: 'Views' }).getByRole('tab').first()).toHaveText('Simulator');
  // The page still works: a step is taken.
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.locator('.narration li').first()).toBeVisible();
  expect(uncaught).toEqual([]);
});

test('a refused link and a refused file are explained in Chinese, and the run is kept', async ({ guarded }, testInfo) => {
  const { page } = guarded;
  // A link whose content was changed after it was sealed: its checksum does not match.
  await openSite(page, '?lang=zh-CN#v1.mode=idempotent&messages=5&seed=1~00000000');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('链接被修改过或已损坏');
  await expect(alert).not.toContainText('checksum');
  await expect(page.locator('.controls .step-readout').last()).toContainText('第 0 步');

  await page.getByRole('button', { name: '单步', exact: true }).click();
  const bad = testInfo.outputPath('bad.json');
  require('fs').writeFileSync(bad, '{"format": "mqlab-scenario", "version": 1, "mode": "sideways", "messages": 3, "seed": 1}');
  await page.locator('input[type=file]').setInputFiles(bad);
  // The analysis module reads the file and says why, in the page's language.
  await expect(alert).toContainText('投递模式');
  await expect(alert).toContainText('sideways');
  await expect(alert).not.toContainText('expected');
  await expect(page.locator('.controls .step-readout').last()).toContainText('第 1 步');
});

test('the page in Chinese has no serious or critical accessibility violations', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page, '?lang=zh-CN');
  await expect(page.getByRole('tablist').getByRole('tab').first()).toHaveText('模拟器');
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('ArrowRight');
  const results = await checkAccessibility(page);
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, serious.join('\n')).toEqual([]);
});

test('a journey in Chinese: a lesson, a crash, the ledger, and a link that reopens the run in Chinese', async ({ guarded, browser }) => {
  const { page } = guarded;
  await openSite(page, '?lang=zh-CN#lesson=fire-and-forget');
  const lesson = page.getByRole('article');
  await expect(lesson).toBeVisible();
  await expect(lesson.getByRole('heading').first()).toHaveText(CHINESE);
  await lesson.getByRole('radiogroup').getByRole('radio').first().check();
  await lesson.getByRole('button', { name: '锁定我的预测并运行' }).click();
  await expect(lesson.getByRole('group').filter({ has: page.getByRole('button') }).first()).toBeVisible();
  // The lesson's own run is narrated in Chinese too.
  await expect(page.locator('.narration li').first()).toContainText(CHINESE);
  await page.screenshot({ path: 'output/screenshots/zh-lesson-laptop.png' });

  // The simulator: crash the consumer, take steps, read the ledger.
  await page.getByRole('tab', { name: '模拟器' }).click();
  await page.getByRole('button', { name: /让 consumer 崩溃/ }).click();
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  const counters = page.locator('.area-ledger ul.counters').first();
  await expect(counters).toContainText(CHINESE);
  await expect(page.locator('.narration li').last()).toContainText(CHINESE);
  const before = await stepReadout(page);
  await page.screenshot({ path: 'output/screenshots/zh-simulator-laptop.png' });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: 'output/screenshots/zh-simulator-tablet.png' });

  // The address is the link "Copy link" copies: it reopens the same run, in Chinese.
  // The address follows the run once it is paused.
  await expect.poll(() => new URL(page.url()).hash.length).toBeGreaterThan(10);
  const link = page.url();
  expect(new URL(link).searchParams.get('lang')).toBe('zh-CN');
  const context = await browser.newContext({ locale: 'en-US' });
  const again = await context.newPage();
  await again.goto(link);
  await again.locator('main[data-ready="true"]').waitFor();
  await expect(again.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(again.getByRole('tablist').getByRole('tab').first()).toHaveText('模拟器');
  expect(await stepReadout(again)).toBe(before);
  await context.close();
});
