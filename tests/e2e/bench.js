// Browser benchmarks: loads the bench build of the site (dist built from bench.gen.html
// with the `bench` feature) in headless Chromium and prints its figures as Markdown
// tables. Run by scripts/bench; figures, never pass/fail.
//   node bench.js DIST_DIR [--quick]
const path = require('path');
const { serve, launch } = require('./static-site');

const dist = path.resolve(process.argv[2]);
const quick = process.argv.includes('--quick');
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

(async () => {
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('.stage svg .node')) { window.__stageDrawnMs = performance.now(); observer.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(base);
  await page.locator('main[data-ready="true"]').waitFor();
  const paint = await page.evaluate(() => window.__stageDrawnMs);
  const call = (name, ...args) => page.evaluate(([n, a]) => JSON.parse(window.wasmBindings[n](...a)), [name, args]);

  console.log('### Browser (headless Chromium)\n');
  console.log('| figure | value |\n|---|---|');
  console.log(`| first drawing of the stage (local server) | ${paint.toFixed(0)} ms (target <= 500 ms) |`);
  // One unmeasured run first, so that both measured runs get the optimised code.
  await call('bench_sim_events', 10000, false);
  for (const record of [false, true]) {
    const r = await call('bench_sim_events', 10000, record);
    console.log(`| simulation, 10,000 messages at-least-once, 5 % loss, crashes, trace ${record ? 'on' : 'off'} | ${(r.events_per_s / 1e6).toFixed(2)} M events/s (${r.steps} events in ${r.ms} ms, hash ${r.trace_hash}) |`);
  }
  for (const rms of quick ? [7] : [7, 8, 9]) {
    const r = await call('bench_explore', rms);
    console.log(`| explorer N = ${rms} | ${r.distinct_states} states in ${r.ms} ms = ${(r.states_per_s / 1e6).toFixed(2)} M states/s${rms === 7 ? ' (target < 1 s)' : ''} |`);
  }
  const matrix = await call('bench_crash_matrix', 10);
  console.log(`| crash matrix: every single crash point x message, 10 messages, four modes | ${matrix.runs} runs in ${matrix.ms} ms (target <= 2 s) |`);
  const replicated = await call('bench_replicated_crash_matrix', 10);
  console.log(`| crash matrix, replicated queue: 3 brokers, acks=1, every crash point x message, 10 messages, three modes | ${replicated.runs} runs (${replicated.acked_lost_cells} losing an acknowledged write) in ${replicated.ms} ms (target <= 1 s) |`);
  for (const messages of quick ? [10] : [10, 60]) {
    const groups = await call('bench_groups_crash_matrix', messages);
    console.log(`| crash matrix, consumer groups: 3 groups x 6 members, 8 partitions, commit after, ${messages} messages, three modes | ${groups.runs} runs (${groups.anomalous_cells} not exactly once) in ${groups.ms} ms |`);
  }
  const seek = await call('bench_seek', 10000);
  console.log(`| time travel at step ${seek.step}: jump to step 0 / back to ${seek.step} / to the middle | ${seek.to_start_ms} / ${seek.to_end_ms} / ${seek.to_middle_ms} ms (target <= 50 ms) |`);

  // Frame times while playing at the highest speed with many tokens on the stage, against
  // a baseline taken in the same page while it stands still: headless Chromium paces
  // frames by a timer whose intervals jitter by a tenth of a millisecond around 16.7 ms.
  const sampleFrames = (count) => page.evaluate((count) => new Promise((resolve) => {
    const times = []; let last = null; let tokens = 0;
    const tick = (now) => {
      if (last !== null) times.push(now - last);
      last = now;
      tokens = Math.max(tokens, document.querySelectorAll('.stage .token').length);
      if (times.length < count) requestAnimationFrame(tick); else resolve({ times, tokens });
    };
    requestAnimationFrame(tick);
  }), count);
  const frameCount = quick ? 240 : 600;
  // Plays `link` at 1000 steps a second and samples frames, at full speed and with the
  // CPU slowed down twice (Chromium's own throttling, a stand-in for a school laptop).
  const playFrames = async (link, slowdown) => {
    await page.goto(`${base}#${link}`);
    await page.reload();
    await page.locator('main[data-ready="true"]').waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: slowdown });
    await page.locator('#speed').fill('7');
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForTimeout(1500);
    const sample = await sampleFrames(frameCount);
    await page.getByRole('button', { name: 'Pause' }).click();
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await cdp.detach();
    return sample;
  };
  const link = await page.evaluate(() => window.wasmBindings.bench_busy_link());
  await page.goto(`${base}#${link}`);
  await page.locator('main[data-ready="true"]').waitFor();
  const idle = await sampleFrames(frameCount);
  const idleSorted = idle.times.slice().sort((a, b) => a - b);
  // A frame that took longer than one and a half baseline frames missed a vsync.
  const vsync = percentile(idleSorted, 0.5);
  console.log(`| frame time, page standing still (baseline, ${idle.times.length} frames) | p50 ${percentile(idleSorted, 0.5).toFixed(1)} ms, p95 ${percentile(idleSorted, 0.95).toFixed(1)} ms |`);
  const worlds = [
    ['one producer, broker and consumer', link],
    ['six consumers, RabbitMQ queue, prefetch 10', await page.evaluate(() => window.wasmBindings.bench_busy_consumers_link(false))],
    ['six consumers, Kafka group on 6 partitions', await page.evaluate(() => window.wasmBindings.bench_busy_consumers_link(true))],
    ['queue replicated on 3 brokers (acks=all), six consumers', await page.evaluate(() => window.wasmBindings.bench_busy_replicated_link())],
  ];
  for (const [what, worldLink] of worlds) {
    for (const slowdown of [1, 2]) {
      const frames = await playFrames(worldLink, slowdown);
      const sorted = frames.times.slice().sort((a, b) => a - b);
      const missed = sorted.filter((t) => t > 1.5 * vsync).length;
      console.log(`| frame time at 1000 steps/s, ${what}, up to ${frames.tokens} tokens${slowdown > 1 ? ', CPU slowed down 2x' : ''} (${sorted.length} frames) | p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p95 ${percentile(sorted, 0.95).toFixed(1)} ms (target p95 <= 16.7 ms, the baseline's ${percentile(idleSorted, 0.95).toFixed(1)}); ${missed} frames (${(100 * missed / sorted.length).toFixed(1)} %) missed a vsync |`);
    }
  }

  // The soak runs in a fresh page: WebAssembly memory never shrinks, so the figures
  // above would otherwise set its starting size.
  const soakSteps = quick ? 100000 : 1000000;
  await page.goto(base);
  await page.locator('main[data-ready="true"]').waitFor();
  const soak = await call('bench_soak', soakSteps);
  const mb = (b) => (b / 1048576).toFixed(1);
  console.log(`| soak: ${soak.steps} steps of the largest scenario (100,000 messages) with random faults (${soak.runs} runs, ${soak.ms} ms) | wasm memory ${mb(soak.memory_start)} MiB at start, ${mb(soak.memory_end)} MiB at the end (target <= 96 MiB); after each tenth: ${soak.memory_mib_each_tenth.join(', ')} MiB |`);
  console.log(`| time travel in the soak's last run at step ${soak.step} (${soak.trace_len} trace events): jump to step 0 / back to ${soak.step} / to the middle | ${soak.to_start_ms} / ${soak.to_end_ms} / ${soak.to_middle_ms} ms (target <= 50 ms); wasm memory after them ${mb(soak.memory_after_jumps)} MiB |`);
  await browser.close();
  server.close();
})().catch((error) => { console.error(error); process.exit(1); });
