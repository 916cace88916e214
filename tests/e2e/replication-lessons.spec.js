// The four lessons of the replicated queue, played in the page as a learner plays them:
// predict, watch to the end, read the reveal. Each lesson's counts are the core's: the
// CLI runs the same scenario natively and the page's ledger line must say the same, and
// the acknowledged writes lost are the ones the CLI counts.
const { test, expect, openSite, predict } = require('./helpers');

const LESSONS = [
  {
    slug: 'acks-1-failover',
    title: 'Does acks=1 keep a write the leader has confirmed?',
    answer: 'm3 is lost, although the producer was told it was written.',
    cli: ['--mode', 'at-least-once', '--seed', '1', '--messages', '5', '--replicas', '3', '--acks', '1',
      '--crash', 'broker.after_confirm:m3'],
    cue: 'The old leader comes back as a follower and truncates its log',
    ackedLost: true,
  },
  {
    slug: 'acks-all-min-isr',
    title: 'acks=all with min.insync.replicas=2: what survives one broker, and what happens on two?',
    answer: 'Some writes are refused for a while; in the end nothing is lost.',
    cli: ['--mode', 'idempotent', '--seed', '1', '--messages', '6', '--replicas', '3', '--acks', 'all',
      '--min-isr', '2', '--crash', 'broker.after_confirm:m2', '--at', '60:crash:broker-3'],
    cue: 'the leader refuses the write before appending it',
    ackedLost: false,
  },
  {
    slug: 'unclean-election',
    title: 'What does unclean leader election trade for availability?',
    answer: 'A follower leads at once; the confirmed writes it lacks are lost.',
    cli: ['--mode', 'at-least-once', '--seed', '1', '--messages', '4', '--replicas', '3', '--unclean-election',
      '--restart-after', 'never', '--partition', 'broker/broker-2@0..400', '--partition', 'broker/broker-3@0..400',
      '--partition', 'broker/consumer@0..400', '--at', '100:crash:broker', '--at', '300:restart:broker',
      '--until-quiet'],
    cue: 'Unclean election is on: the controller makes an out-of-sync follower the leader at once.',
    ackedLost: true,
  },
  {
    slug: 'leader-epochs',
    title: 'How can a restarted follower throw away a confirmed write (KIP-101)?',
    answer: 'm2 is lost, although both replicas had it and it was confirmed.',
    cli: ['--mode', 'at-least-once', '--seed', '1', '--messages', '3', '--replicas', '2',
      '--crash', 'broker-2.after_fetch:m2', '--crash', 'broker.after_confirm:m2', '--restart-after', '2',
      '--truncate-to-hw'],
    cue: 'the follower cuts its log to its high watermark',
    ackedLost: true,
  },
];

for (const { slug, title, answer, cli: args, cue, ackedLost } of LESSONS) {
  test(`the replication lesson ${slug} plays to its reveal, and its counts are the CLI's`, async ({ guarded }) => {
    const { page } = guarded;
    await openSite(page, `#lesson=${slug}`);
    const lesson = page.getByRole('article', { name: title });
    await expect(lesson).toBeVisible();
    // The stage draws the replicas and the controller.
    await expect(lesson.locator('svg[role="img"]')).toContainText('Controller');
    await lesson.getByRole('radiogroup').getByRole('radio', { name: answer }).check();
    await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).click();
    await lesson.getByRole('button', { name: 'Skip to the end' }).click();
    const reveal = lesson.locator('.reveal-live');
    await expect(reveal).toContainText('Summary', { timeout: 20_000 });
    await expect(reveal).toContainText('Your prediction held.');
    await expect(lesson.getByRole('region', { name: 'What to notice' })).toContainText(cue);

    const cli = predict(args);
    await expect(reveal).toContainText(
      `Ledger: ${cli.exactly_once} of ${cli.messages} exactly once, ${cli.lost} lost, ${cli.duplicated} duplicated`);
    // What the learner predicted is what the core counted.
    if (ackedLost) {
      expect(cli.acked_lost).toBeGreaterThan(0);
    } else {
      expect(cli.acked_lost).toBe(0);
      expect(cli.producer_errors).toBeGreaterThan(0);
    }
    await page.screenshot({ path: `output/screenshots/replication-lesson-${slug}.png`, fullPage: true });
  });
}
