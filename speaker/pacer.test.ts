import { Pacer } from './pacer.js';
import { IDLE_FACTOR } from './world/pacing.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Pacer', () => {
  it('runs at once when nothing has run yet, even when paced', () => {
    let runs = 0;
    new Pacer(() => runs++).request('paced');
    expect(runs).toBe(1);
  });

  it('after a slow pass, paced requests wait for the duty cycle and share one run', async () => {
    let runs = 0;
    const p = new Pacer(() => runs++);
    p.took(20); // the next paced pass waits IDLE_FACTOR * 20 ms
    for (let i = 0; i < 5; i++) p.request('paced');
    expect(runs).toBe(0);
    await sleep(IDLE_FACTOR * 20 + 30);
    expect(runs).toBe(1);
  });

  it('a request for now runs at once and replaces a waiting paced run', async () => {
    let runs = 0;
    const p = new Pacer(() => runs++);
    p.took(20);
    p.request('paced');
    p.request('now');
    expect(runs).toBe(1);
    await sleep(IDLE_FACTOR * 20 + 30);
    expect(runs).toBe(1);
  });

  it('cancel drops a waiting run', async () => {
    let runs = 0;
    const p = new Pacer(() => runs++);
    p.took(10);
    p.request('paced');
    p.cancel();
    await sleep(IDLE_FACTOR * 10 + 30);
    expect(runs).toBe(0);
  });
});
