// The lessons of many consumers, played in the page as a learner plays them: predict,
// watch to the end, read the reveal. Two are RabbitMQ style (competing consumers on one
// queue) and three Kafka style (a consumer group on a partitioned topic). Each lesson's
// counts are the core's: the CLI runs the same scenario natively, and the page's ledger
// line must say the same, including the messages out of order and the redeliveries.
const { test, expect, openSite, predict } = require('./helpers');

const GROUP = ['--mode', 'at-least-once', '--seed', '1', '--style', 'kafka', '--consumers', '2',
  '--partitions', '2', '--keys', '4', '--messages', '6', '--restart-after', '120'];

const LESSONS = [
  {
    slug: 'competing-consumers-reorder',
    title: 'What happens to the unacked messages of a consumer that crashes?',
    answer: 'They are requeued: m1 is applied twice, m3 after m4.',
    cli: ['--mode', 'at-least-once', '--seed', '1', '--messages', '6', '--consumers', '2', '--prefetch', '4',
      '--crash', 'consumer.after_apply:m1'],
    cue: 'with the redelivered flag set, to consumer-2',
    kafka: false,
    story: (cli) => {
      expect(cli.duplicated).toBe(1);
      expect(cli.reordered_per_key).toBe(1);
      expect(cli.redelivered).toBe(2);
    },
  },
  {
    slug: 'poison-message',
    title: 'What happens to a message that crashes every consumer that takes it?',
    answer: 'm2 waits in the dead-letter queue; the rest are applied.',
    cli: ['--mode', 'at-least-once', '--seed', '1', '--messages', '4', '--consumers', '2', '--prefetch', '1',
      '--poison', 'm2', '--delivery-limit', '3', '--dlq', '--restart-after', '10'],
    cue: 'marked redelivered, to a consumer that is connected',
    kafka: false,
    story: (cli) => {
      expect(cli.dead_lettered).toBe(1);
      expect(cli.lost).toBe(0);
    },
  },
  {
    slug: 'commit-before-processing',
    title: 'What happens to a record whose offset was committed before it was processed?',
    answer: 'm2 is lost: the next owner of p1 resumes after it.',
    cli: [...GROUP, '--commit', 'before', '--crash', 'consumer-2.after_commit:m2'],
    cue: 'No member of this group will read m2 again',
    kafka: true,
    story: (cli) => {
      expect(cli.lost).toBe(1);
      expect(cli.anomalies[0]).toMatch(/^m2 was never applied/);
    },
  },
  {
    slug: 'rebalance-redelivers',
    title: 'What does a rebalance do with a record processed but not yet committed?',
    answer: 'm2 is processed twice: p1 resumes at the last commit.',
    cli: [...GROUP, '--commit', 'after', '--crash', 'consumer-2.after_apply:m2'],
    cue: 'the broker serves it again, and consumer processes it a second time',
    kafka: true,
    story: (cli) => {
      expect(cli.duplicated).toBe(1);
      expect(cli.anomalies[0]).toMatch(/^m2 applied twice/);
      expect(cli.consumers).toEqual([{ name: 'consumer', applied: 5 }, { name: 'consumer-2', applied: 2 }]);
    },
  },
  {
    slug: 'auto-commit',
    title: 'What does enable.auto.commit do when a member crashes between two commits?',
    answer: 'All three are processed again by the next owner of p1.',
    cli: [...GROUP, '--commit', 'auto', '--auto-commit-ticks', '20', '--crash', 'consumer-2.after_apply:m6'],
    cue: 'every record consumer-2 processed since its last auto-commit is processed a second time',
    kafka: true,
    story: (cli) => {
      expect(cli.lost).toBe(0);
      expect(cli.duplicated).toBe(3);
    },
  },
];

test('the lessons list has a Many consumers chapter with its five lessons in order', async ({ guarded }) => {
  const { page } = guarded;
  await openSite(page);
  await page.getByRole('tab', { name: 'Lessons' }).click();
  const list = page.getByRole('region', { name: 'Lessons' });
  const chapter = list.getByRole('region', { name: 'Many consumers' });
  await expect(chapter.getByRole('link')).toHaveText(LESSONS.map(({ title }) => title));
  // The chapters come in teaching order, and the numbering runs through the course; the
  // lessons of the Transactions view are pointed to, then lesson files can be opened.
  await expect(list.getByRole('heading', { level: 3 })).toHaveText([
    'One queue: lost and duplicated messages', 'Many consumers', 'The replicated queue', 'Two-phase commit',
    'Kafka transactions and the outbox', 'Lesson files']);
  await expect(chapter.locator('.lesson-number').first()).toHaveText('7');
  await chapter.getByRole('link', { name: LESSONS[2].title }).click();
  await expect(page).toHaveURL(/#lesson=commit-before-processing$/);
  await expect(page.getByRole('article', { name: LESSONS[2].title })).toBeVisible();
});

for (const { slug, title, answer, cli: args, cue, kafka, story } of LESSONS) {
  test(`the many-consumers lesson ${slug} plays to its reveal, and its counts are the CLI's`, async ({ guarded }) => {
    const { page } = guarded;
    await openSite(page, `#lesson=${slug}`);
    const lesson = page.getByRole('article', { name: title });
    await expect(lesson).toBeVisible();
    await lesson.getByRole('radiogroup').getByRole('radio', { name: answer }).check();
    await lesson.getByRole('button', { name: 'Lock in my prediction and play' }).click();
    await lesson.getByRole('button', { name: 'Skip to the end' }).click();
    const reveal = lesson.locator('.reveal-live');
    await expect(reveal).toContainText('Summary', { timeout: 20_000 });
    await expect(reveal).toContainText('Your prediction held.');
    await expect(reveal.getByRole('listitem').filter({ hasText: 'your prediction' })).toContainText('Happened');
    await expect(lesson.getByRole('region', { name: 'What to notice' })).toContainText(cue);
    await expect(lesson.getByRole('region', { name: 'What to notice' })).toContainText('The run is over.');

    // What the learner predicted is what the core counted.
    const cli = predict(args);
    story(cli);
    const within = kafka ? ' within a key' : '';
    await expect(reveal).toContainText(
      `Ledger: ${cli.exactly_once} of ${cli.messages} exactly once, ${cli.lost} lost, ${cli.duplicated} duplicated, `
      + `${cli.reordered_per_key} reordered${within}, ${cli.redelivered} redelivered`);
    if (kafka) {
      // The narration tells the rebalance that moved the crashed member's partition.
      await expect(lesson.getByRole('region', { name: 'What to notice' }))
        .toContainText('session.timeout.ms: the group coordinator declares it dead');
    }
    await page.screenshot({ path: `output/screenshots/groups-lesson-${slug}.png`, fullPage: true });
  });
}
