import { parseFlags, UsageError } from './flags.js';
import { podFlags, podRefFromFlags } from './pod.js';

const parse = (argv: string[]) => {
  const f = parseFlags(argv, podFlags);
  if (f === 'help') throw new Error('help');
  return f;
};

describe('--pod-name and --pod-uid', () => {
  it('both give the Pod; neither gives none', () => {
    expect(podRefFromFlags(parse(['--pod-name', 'speaker-x', '--pod-uid', 'u-1']))).toEqual({ name: 'speaker-x', uid: 'u-1' });
    expect(podRefFromFlags(parse([]))).toBeUndefined();
  });
  it.each([[['--pod-name', 'speaker-x']], [['--pod-uid', 'u-1']], [['--pod-name', 'speaker-x', '--pod-uid', '']]])('one without the other is a usage error: %j', (argv) => {
    expect(() => podRefFromFlags(parse(argv))).toThrow(UsageError);
    expect(() => podRefFromFlags(parse(argv))).toThrow(/go together/);
  });
});
