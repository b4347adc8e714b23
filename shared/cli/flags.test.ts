import { flagInt, parseFlags, usage, UsageError, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'kubeconfig', help: 'path' },
  { name: 'metrics-port', help: 'port', default: '7472' },
  { name: 'leader-elect', help: 'elect', boolean: true, default: 'false' },
  { name: 'ip', help: 'address', repeatable: true },
];

describe('parseFlags', () => {
  it('reads --a b, --a=b, booleans, repeatables and defaults', () => {
    const v = parseFlags(['--kubeconfig', '/k', '--leader-elect', '--ip=1.2.3.4', '--ip', '::1'], specs);
    expect(v).not.toBe('help');
    if (v === 'help') return;
    expect(v.get('kubeconfig')).toEqual(['/k']);
    expect(v.get('leader-elect')).toEqual(['true']);
    expect(v.get('ip')).toEqual(['1.2.3.4', '::1']);
    expect(flagInt(v, 'metrics-port', 1, 65535)).toBe(7472);
  });
  it('returns help for --help', () => expect(parseFlags(['--help'], specs)).toBe('help'));
  it.each([
    [['--nope'], 'unknown flag --nope'],
    [['--kubeconfig'], '--kubeconfig needs a value'],
    [['--kubeconfig', 'a', '--kubeconfig', 'b'], 'given more than once'],
    [['--leader-elect=yes'], 'takes true or false'],
    [['stray'], 'unexpected argument'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFlags(argv, specs)).toThrow(UsageError);
    expect(() => parseFlags(argv, specs)).toThrow(message);
  });
  it('rejects an out-of-range integer', () => {
    const v = parseFlags(['--metrics-port', '70000'], specs);
    if (v === 'help') throw new Error('unexpected help');
    expect(() => flagInt(v, 'metrics-port', 1, 65535)).toThrow('from 1 to 65535');
  });
  it('lists every flag in usage', () => {
    const text = usage('l2lb-x', 'does x', specs);
    for (const s of specs) expect(text).toContain(`--${s.name}`);
  });
});
