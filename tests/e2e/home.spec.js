const { test, expect, openSite } = require('./helpers');

test('the page renders the pipeline from the core scenario @both', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('MQ Lab');
  const stage = page.getByRole('img', { name: /pipeline/i });
  await expect(stage).toBeVisible();
  for (const node of ['Producer', 'Broker', 'Consumer', 'Coordinator']) {
    await expect(stage.getByText(node, { exact: true })).toBeVisible();
  }
  await page.screenshot({ path: `output/screenshots/home-${test.info().project.name}.png`, fullPage: true });
});
