// The Pod a program runs in, from the downward API (--pod-name, --pod-uid): both or neither.
// Objects a component owns (its ConfigurationState) name this Pod as owner, so they go with it.
import type { PodRef } from '../config-state/status.js';
import { flagString, UsageError, type FlagSpec, type FlagValues } from './flags.js';

export const podFlags: FlagSpec[] = [
  { name: 'pod-name', help: 'this Pod\'s name (downward API metadata.name); with --pod-uid, owns the component\'s ConfigurationState', default: '' },
  { name: 'pod-uid', help: 'this Pod\'s uid (downward API metadata.uid)', default: '' },
];

export function podRefFromFlags(flags: FlagValues): PodRef | undefined {
  const name = flagString(flags, 'pod-name') ?? '';
  const uid = flagString(flags, 'pod-uid') ?? '';
  if (name === '' && uid === '') return undefined;
  if (name === '' || uid === '') throw new UsageError('--pod-name and --pod-uid go together: give both (downward API metadata.name and metadata.uid) or neither');
  return { name, uid };
}
