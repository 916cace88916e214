// Plots and exports, below the simulator's ledger: the plots of the run end where the
// command line's ledger ends, and every exported file holds the run — the diagram's SVG
// parses and has an arrow per message the trace sent, the PNG is the diagram at twice
// its size, the CSV has the ledger's rows, the plots' SVG parses.
const fs = require('fs');
const { execFileSync } = require('child_process');
const { test, expect, openSite, predict, checkAccessibility, realSystems, CLI, crc32 } = require('./helpers');

// The panel shares its place with "In real systems", fetched when the reader scrolls near.
async function plotsAndExports(page) {
  await realSystems(page);
  const panel = page.getByRole('region', { name: 'Plots and exports' });
  await panel.scrollIntoViewIfNeeded({ timeout: 20_000 });
  return panel;
}

const BODY = 'v1.mode=at-least-once&messages=3&seed=1&fault=drop_matching,broker:producer,confirm,m1,1';
const ARGS = ['--mode', 'at-least-once', '--messages', '3', '--seed', '1', '--drop', 'broker->producer:confirm:m1'];

async function saved(page, button, testInfo, name) {
  const download = page.waitForEvent('download');
  await button.click();
  const file = testInfo.outputPath(name);
  const got = await download;
  expect(got.suggestedFilename()).toBe(name);
  await got.saveAs(file);
  return file;
}

// Parses an SVG file in the page, as a browser or an editor would read it.
async function parseSvg(page, text) {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.querySelector('parsererror') !== null,
      root: root.nodeName,
      width: Number(root.getAttribute('width')),
      messages: doc.querySelectorAll('g.message').length,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent),
      lanes: [...doc.querySelectorAll('g.lane')].map((g) => g.getAttribute('data-node')),
      series: [...doc.querySelectorAll('polyline.series')].map((p) => [p.getAttribute('data-name'), p.getAttribute('data-last')]),
    };
  }, text);
}

test('the plots end where the ledger ends, and the exported files hold the run', async ({ guarded }, testInfo) => {
  test.setTimeout(90_000);
  const { page } = guarded;
  await openSite(page, `#${BODY}~${crc32(BODY)}`);
  await page.keyboard.press('End');
  const cli = predict(ARGS);
  expect(cli.duplicated).toBe(1);

  const panel = await plotsAndExports(page);
  await expect(panel.locator('figure.run-plot svg')).toHaveCount(1, { timeout: 20_000 });
  const plot = panel.locator('figure.run-plot svg');
  const last = async (name) => plot.locator(`polyline[data-name="${name}"]`).getAttribute('data-last');
  expect(await last('duplicated')).toBe(String(cli.duplicated));
  expect(await last('lost')).toBe(String(cli.lost));
  expect(await last('applied')).toBe(String(cli.exactly_once + cli.duplicated + cli.reordered));
  expect(await last('in flight')).toBe('0');
  // Nothing serious anywhere, and nothing at all in the panel.
  const serious = (await checkAccessibility(page)).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, JSON.stringify(serious, null, 1)).toEqual([]);
  const inPanel = (await checkAccessibility(page, '.run-exports')).violations;
  expect(inPanel, JSON.stringify(inPanel, null, 1)).toEqual([]);
  await panel.screenshot({ path: 'output/screenshots/plots-and-exports.png' });

  // The diagram: every lane, an arrow for every message the trace sent.
  const svgFile = await saved(page, panel.getByRole('button', { name: 'Export SVG' }), testInfo, 'mqlab-diagram.svg');
  const svgText = fs.readFileSync(svgFile, 'utf8');
  const diagram = await parseSvg(page, svgText);
  expect(diagram.error).toBe(false);
  expect(diagram.root).toBe('svg');
  const trace = execFileSync(CLI, ['run', ...ARGS, '--trace'], { encoding: 'utf8' })
    .trim().split('\n').slice(0, -1).map((line) => JSON.parse(line));
  const sent = trace.filter((e) => e.link && e.sent_tick !== null && e.message_kind);
  expect(diagram.messages).toBe(sent.length);
  expect(diagram.lanes.sort()).toEqual(['broker', 'consumer', 'producer']);
  for (const message of ['m1', 'm2', 'm3']) expect(diagram.texts).toContain(message);

  // The PNG: the same diagram at twice its width.
  const pngFile = await saved(page, panel.getByRole('button', { name: 'Export PNG' }), testInfo, 'mqlab-diagram@2x.png');
  const png = fs.readFileSync(pngFile);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.readUInt32BE(16)).toBe(2 * Math.ceil(diagram.width));

  // The CSV: a header and a row per message, with the ledger's verdicts.
  const csvFile = await saved(page, panel.getByRole('button', { name: 'Export CSV' }), testInfo, 'mqlab-ledger.csv');
  const rows = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n');
  expect(rows[0].split(',').slice(0, 2)).toEqual(['message', 'verdict']);
  expect(rows.length).toBe(1 + cli.messages);
  expect(rows.filter((row) => row.split(',')[1] === 'duplicated').length).toBe(cli.duplicated);
  expect(rows.filter((row) => row.split(',')[1] === 'exactly_once').length).toBe(cli.exactly_once);

  // The plots as one file.
  const plotsFile = await saved(page, panel.getByRole('button', { name: 'Export plots (SVG)' }), testInfo, 'mqlab-plots.svg');
  const plots = await parseSvg(page, fs.readFileSync(plotsFile, 'utf8'));
  expect(plots.error).toBe(false);
  expect(plots.series).toContainEqual(['duplicated', String(cli.duplicated)]);
});

test('a two-phase-commit run adds the participants in doubt, and the plots follow a step back', async ({ guarded }) => {
  const { page } = guarded;
  const body = 'v1.mode=transactional&messages=2&seed=1&fault=crash_at,coordinator.after_votes,*';
  await openSite(page, `#${body}~${crc32(body)}`);
  await page.keyboard.press('End');
  const panel = await plotsAndExports(page);
  await expect(panel.locator('figure.run-plot svg')).toHaveCount(2, { timeout: 20_000 });
  const doubt = panel.locator('polyline[data-name="in doubt"]');
  await expect(doubt).toHaveCount(1);
  // Back to the start: nothing has happened yet, so every line ends at 0.
  await page.keyboard.press('Home');
  await expect(panel.locator('polyline[data-name="applied"]')).toHaveAttribute('data-last', '0', { timeout: 20_000 });
  await expect(doubt).toHaveAttribute('data-last', '0');
});
