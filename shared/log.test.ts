import { createLogger } from './log.js';

describe('createLogger', () => {
  it('writes one JSON object per line with event, msg, level and fields; drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger('info', { component: 'controller' }, (l) => lines.push(l));
    log.debug('noise', 'not shown');
    log.info('ipAllocated', 'IP address assigned by controller', { ip: ['192.0.2.10'] });
    log.child({ service: 'ns/a' }).error('failed', 'boom', { err: new TypeError('bad') });
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', component: 'controller', event: 'ipAllocated', ip: ['192.0.2.10'] });
    expect(JSON.parse(lines[1]!)).toMatchObject({ service: 'ns/a', err: { name: 'TypeError', message: 'bad' } });
  });
});
