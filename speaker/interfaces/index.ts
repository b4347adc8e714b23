// Interface discovery for the speaker: read facts (sysfs.ts), apply the skip rules (rules.ts).
import { readInterfaces, type SysfsPaths, DEFAULT_PATHS } from './sysfs.js';
import { selectInterfaces, type InterfaceSelection, type SelectionRules } from './rules.js';

export * from './rules.js';
export { readInterfaces, parseIfInet6, DEFAULT_PATHS, type SysfsPaths } from './sysfs.js';

/** The interfaces this host may announce on under the given rules, and why the others are not. */
export async function discoverInterfaces(rules: SelectionRules = {}, paths: SysfsPaths = DEFAULT_PATHS): Promise<InterfaceSelection> {
  return selectInterfaces(await readInterfaces(paths), rules);
}
export { watchInterfaces, type InterfaceSnapshot, type InterfaceWatcher, type InterfaceWatcherOptions, type ChangeSource } from './watcher.js';
