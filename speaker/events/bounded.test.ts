import { BoundedSender } from './bounded.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('runs every task, never more than the limit at once, in order, and survives failures', async () => {
  const s = new BoundedSender(3);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  for (let i = 0; i < 20; i++) {
    s.push(async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      if (i % 5 === 0) throw new Error('API said no');
    });
  }
  expect(s.pending).toBe(20);
  while (s.pending > 0) await tick();
  expect(peak).toBe(3);
  expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('drops (and counts) tasks beyond the queue bound instead of growing without limit', async () => {
  const s = new BoundedSender(1, 2);
  let ran = 0;
  for (let i = 0; i < 5; i++) s.push(async () => void ran++);
  // One runs at once, two wait, two are dropped.
  expect(s.dropped).toBe(2);
  while (s.pending > 0) await tick();
  expect(ran).toBe(3);
});
