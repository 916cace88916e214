// Shared test fixtures: every page load records console errors, uncaught exceptions, any
// request that leaves the page's own origin, and every main-thread task longer than 50 ms
// after the first paint; each test fails if any occurred.
const { execFileSync } = require('child_process');
const path = require('path');
const base = require('@playwright/test');

// The longest main-thread task allowed after the first paint: a longer one is a frozen
// page that the learner can feel.
const LONG_TASK_MS = 50;

// The machine's speed is measured in the same run: a fixed piece of work (script, building
// 600 elements and laying them out) that takes CALIBRATION_REFERENCE_MS of main-thread CPU
// on this machine when nothing else runs (the median of five, 15.0–15.2 ms, measured with
// the trace as below). The machines the tests run on are shared: when the host is busy the
// same task costs up to four times the CPU, and a task's figure is then divided by how much
// slower the calibration ran, so that the 50 ms limit is the page's work, not the host's
// load. The factor is never below 1 (a faster moment is not a stricter test) nor above
// CALIBRATION_MAX_FACTOR (a broken calibration cannot excuse a frozen page), and it is
// printed whenever it is used.
const CALIBRATION_REFERENCE_MS = 15;
const CALIBRATION_MAX_FACTOR = 4;

// Runs in the page: the fixed work, between two marks the trace shows.
function calibrationWork() {
  performance.mark('mqlab-calibration');
  const box = document.createElement('div');
  box.style.cssText = 'position:absolute;left:-10000px;top:0;width:600px';
  for (let i = 0; i < 600; i += 1) {
    const line = document.createElement('p');
    line.textContent = `line ${i} of a fixed workload ${(i * 7919) % 1000}`;
    box.appendChild(line);
  }
  document.body.appendChild(box);
  let sum = box.offsetHeight;
  for (let i = 0; i < 1e6; i += 1) sum = (sum * 31 + i) % 1000003;
  box.remove();
  return sum;
}

// Runs the calibration five times in the page, as the tests' own work (not the page's).
async function calibrate(page) {
  try {
    for (let i = 0; i < 5; i += 1) {
      await page.evaluate(() => window.__mqlabTooling && window.__mqlabTooling(true));
      await page.evaluate(calibrationWork);
      await page.evaluate(() => window.__mqlabTooling && window.__mqlabTooling(false));
      await page.waitForTimeout(20);
    }
    return true;
  } catch (_) {
    return false; // the page is gone: no factor, the raw figures stand
  }
}

// How many times slower than its reference the calibration ran, from the trace: the
// median of the main-thread tasks that hold a calibration mark, within [1, max].
function slowdown(events) {
  if (!events) return 1;
  const mainThreads = new Set(events
    .filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args && event.args.name === 'CrRendererMain')
    .map((event) => `${event.pid}:${event.tid}`));
  const tasks = events.filter((event) => event.ph === 'X' && event.name === 'ThreadControllerImpl::RunTask'
    && event.tdur !== undefined && mainThreads.has(`${event.pid}:${event.tid}`));
  const runs = events.filter((event) => event.name === 'mqlab-calibration')
    .map((mark) => tasks.find((task) => task.ts <= mark.ts && mark.ts <= task.ts + task.dur))
    .filter(Boolean)
    .map((task) => task.tdur / 1000)
    .sort((a, b) => a - b);
  if (runs.length < 3) return 1;
  const median = runs[Math.floor(runs.length / 2)];
  return Math.min(CALIBRATION_MAX_FACTOR, Math.max(1, median / CALIBRATION_REFERENCE_MS));
}

// Long tasks known today, each with what it costs and why; they are printed on every
// run instead of failing it, until the work is split. Keep this list short.
const KNOWN_LONG_TASKS = [];

// Runs in the page before its own scripts: reports each long task after the first
// contentful paint (PerformanceObserver), with the view on screen and the learner's last
// action, to the test through the __mqlabLongTask binding (which survives reloads). A
// performance mark ties the page's clock to the browser's trace, where the test reads how
// much of the task was the main thread's own work (see cpuMs below).
function watchLongTasks(limitMs) {
  const page = Math.random().toString(36).slice(2);
  let firstPaint;
  let action = 'loading the page';
  const describe = (event) => {
    const target = event.target instanceof Element
      ? event.target.closest('button, a, input, select, textarea, label, [role="tab"]') || event.target
      : null;
    if (!target) return event.type;
    const label = target === document.body ? '' : (target.getAttribute('aria-label') || target.textContent || target.getAttribute('name') || '');
    const name = label.trim().replace(/\s+/g, ' ').slice(0, 60);
    const what = `${target.tagName.toLowerCase()}${name ? ` "${name}"` : ''}`;
    return event.type === 'keydown' ? `key ${event.key} on ${what}` : `${event.type} on ${what}`;
  };
  for (const type of ['click', 'keydown', 'change', 'input']) {
    document.addEventListener(type, (event) => { action = describe(event); }, true);
  }
  window.addEventListener('hashchange', () => { action = `the address changing to ${location.hash.slice(0, 60)}`; });
  const view = () => {
    const tab = document.querySelector('[role="tab"][aria-selected="true"]');
    return tab ? tab.textContent.trim() : 'page';
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name !== 'first-contentful-paint') continue;
      firstPaint = entry.startTime;
      const now = performance.now();
      performance.mark(`mqlab-clock:${page}:${now}`);
    }
  }).observe({ type: 'paint', buffered: true });
  // Work the tests themselves run in the page (the accessibility checker) is not the page's.
  const tooling = [];
  window.__mqlabTooling = (running) => {
    if (running) tooling.push([performance.now(), Infinity]);
    else if (tooling.length) tooling[tooling.length - 1][1] = performance.now();
  };
  const byTooling = (entry) => tooling.some(([from, to]) => entry.startTime < to && entry.startTime + entry.duration > from);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration <= limitMs || firstPaint === undefined || entry.startTime < firstPaint) continue;
      if (byTooling(entry)) continue;
      window.__mqlabLongTask({
        ms: Math.round(entry.duration), startMs: entry.startTime, view: view(), action, page,
      });
    }
  }).observe({ type: 'longtask', buffered: true });
}

// How many milliseconds of a long task the page's main thread spent working, from the
// browser's trace: the wall-clock length that PerformanceObserver reports also counts the
// time the operating system gave the CPU to other programs, which on a busy machine is
// most of it. Null when the trace does not show the task.
function cpuMs(task, events) {
  if (!events) return null;
  const clock = events.find((event) => typeof event.name === 'string' && event.name.startsWith(`mqlab-clock:${task.page}:`));
  if (!clock) return null;
  const offsetUs = clock.ts - Number(clock.name.split(':')[2]) * 1000;
  const startUs = offsetUs + task.startMs * 1000;
  const endUs = startUs + task.ms * 1000;
  const mainThreads = new Set(events
    .filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args && event.args.name === 'CrRendererMain')
    .map((event) => `${event.pid}:${event.tid}`));
  // The same task: the trace's event and the observer's entry each lie more than half
  // inside the other (a longer task around it, or a short one within it, is another).
  let best = null;
  let bestOverlap = 0;
  for (const event of events) {
    if (event.ph !== 'X' || event.name !== 'ThreadControllerImpl::RunTask' || event.tdur === undefined) continue;
    if (!mainThreads.has(`${event.pid}:${event.tid}`)) continue;
    const overlap = Math.min(endUs, event.ts + event.dur) - Math.max(startUs, event.ts);
    if (overlap > bestOverlap && overlap > event.dur / 2) { bestOverlap = overlap; best = event; }
  }
  return best && bestOverlap > task.ms * 500 ? Math.round(best.tdur / 1000) : null;
}

// Starts watching a page for long tasks; `judge()` stops the trace and returns what the
// tasks break (each naming the view and the action) and what is only reported.
async function watchPage(page, browser) {
  const longTasks = [];
  await page.exposeBinding('__mqlabLongTask', (_source, task) => { longTasks.push(task); });
  await page.addInitScript(watchLongTasks, LONG_TASK_MS);
  const tracing = await browser.startTracing(page, { categories: ['toplevel', 'blink.user_timing'] })
    .then(() => true, () => false);
  const judge = async () => {
    // Only a page with a task over the limit in wall-clock time can have one over it in
    // CPU time: only then is the machine's speed measured.
    if (tracing && longTasks.length) await calibrate(page);
    const trace = tracing ? await browser.stopTracing().catch(() => null) : null;
    const events = longTasks.length && trace ? JSON.parse(trace.toString()).traceEvents : null;
    const factor = slowdown(events);
    const problems = [];
    const notes = [];
    for (const task of longTasks) {
      const raw = cpuMs(task, events);
      const where = `in the ${task.view} view, after ${task.action}`;
      if (raw === null) {
        // Without the trace only the wall-clock length is known, which on a busy machine
        // says little about the page: reported, not failed.
        notes.push(`long task: ${task.ms} ms (the page's own share unknown) ${where}`);
        continue;
      }
      const cpu = Math.round(raw / factor);
      const own = factor > 1
        ? `${raw} ms of it the page's own work, ${cpu} ms at this machine's quiet speed (it ran ${factor.toFixed(2)}× slower)`
        : `${raw} ms of it the page's own work`;
      if (cpu <= LONG_TASK_MS) {
        if (raw > LONG_TASK_MS) notes.push(`long task: ${task.ms} ms, ${own}, ${where}`);
        continue;
      }
      const known = KNOWN_LONG_TASKS.find((entry) => entry.view === task.view && entry.action.test(task.action));
      if (known) notes.push(`known long task: ${task.ms} ms, ${own}, ${where}: ${known.why}`);
      else problems.push(`a main-thread task of ${task.ms} ms, ${own}, over ${LONG_TASK_MS} ms ${where}`);
    }
    return { problems, notes, factor };
  };
  return judge;
}

const test = base.test.extend({
  guarded: async ({ page, baseURL, browser }, use) => {
    const problems = [];
    const origin = new URL(baseURL).origin;
    const judge = await watchPage(page, browser);
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
    page.on('request', (req) => {
      const url = req.url();
      if (url.startsWith('data:') || url.startsWith('blob:')) return;
      if (new URL(url).origin !== origin) problems.push(`request outside the origin: ${url}`);
    });
    await use({ page, problems });
    const tasks = await judge();
    for (const note of tasks.notes) console.log(note);
    problems.push(...tasks.problems);
    base.expect(problems, problems.join('\n')).toEqual([]);
  },
});

// Runs the accessibility checker in the page (or only in the elements `include` selects);
// its own long tasks are not the page's.
async function checkAccessibility(page, include) {
  const { default: AxeBuilder } = require('@axe-core/playwright');
  // The checker runs in every frame of the page (an embedded MQ Lab's too).
  const tooling = (running) => Promise.all(page.frames().map((frame) => frame
    .evaluate((on) => window.__mqlabTooling && window.__mqlabTooling(on), running)
    .catch(() => undefined)));
  await tooling(true);
  try {
    const builder = new AxeBuilder({ page });
    return await (include ? builder.include(include) : builder).analyze();
  } finally {
    await tooling(false);
  }
}

// Opens the site (relative to the project's baseURL) and waits for the app to mount.
async function openSite(page, fragment = '') {
  await page.goto(`./${fragment}`);
  await page.locator('main[data-ready="true"]').waitFor({ timeout: 20_000 });
}

// The CLI (native) runs the same scenarios as the page; its last line is the summary.
const CLI = process.env.MQLAB_CLI || path.resolve(__dirname, '../../target/debug/mqlab-cli');

// What the core says for a scenario: the CLI's last line, as JSON.
function predict(args) {
  const out = execFileSync(CLI, ['run', ...args], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

// CRC-32 (IEEE, as zlib), the checksum links carry after their '~'.
function crc32(text) {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

// The ledger's counters as the page shows them ("Lost: 1").
async function ledgerCounters(page) {
  const ledger = page.getByRole('region', { name: 'Ledger' });
  const read = async (name) => {
    const text = await ledger.getByRole('listitem').filter({ hasText: new RegExp(`^${name}: \\d+$`) }).innerText();
    return Number(text.split(': ')[1]);
  };
  return {
    exactly_once: await read('Exactly once'),
    lost: await read('Lost'),
    duplicated: await read('Duplicated'),
    reordered: await read('Reordered'),
    in_doubt: await read('In doubt'),
  };
}

// The "In real systems" panel: it is fetched when the reader scrolls near it, so this
// scrolls to its place first, then gives the panel.
// Waits until the steps' words (the narration and the ledger's explanations, fetched
// when the run first moves) are on the page: reading the ledger or the narration to
// compare it later must not catch them on their way.
async function stepsWords(page) {
  await base.expect(page.getByRole('region', { name: 'Narration' }).getByRole('status')).toHaveCount(0);
}

async function realSystems(page) {
  await page.locator('.real-systems-host').scrollIntoViewIfNeeded();
  return page.getByRole('region', { name: 'In real systems' });
}

// A settings panel ("Replication", "Consumer groups", "Queue"): the panels are fetched
// when the reader scrolls near them, so this scrolls to their place first.
async function settingsPanel(page, name) {
  await page.locator('.settings-host').scrollIntoViewIfNeeded();
  return page.getByRole('region', { name });
}

// Opens the Transactions view on the dual writes and runs a pattern from its form; the
// settings not given keep the form's defaults. Returns the form.
async function runDualWrites(page, { pattern, messages, seed, crash, message }) {
  await openSite(page, '#view=transactions/');
  const settings = page.getByRole('form', { name: 'Settings of the run' });
  await base.expect(settings).toBeVisible({ timeout: 20_000 });
  await settings.getByRole('button', { name: 'Dual writes' }).click();
  await settings.getByLabel('Pattern').selectOption(pattern);
  if (messages) await settings.getByLabel('Messages').fill(String(messages));
  if (seed !== undefined) await settings.getByLabel('Seed').fill(String(seed));
  if (crash) await settings.getByLabel('Crash point').selectOption(crash);
  if (message) await settings.getByLabel('at message').fill(message);
  await settings.getByRole('button', { name: 'Run', exact: true }).click();
  return settings;
}

module.exports = { test, watchPage, expect: base.expect, openSite, predict, ledgerCounters, stepsWords, checkAccessibility, realSystems, settingsPanel, runDualWrites, CLI, crc32 };
