// A small, strict flag parser: every program documents its flags in one table, `--help` prints
// it, and an unknown flag or a bad value is a usage error (exit 2), never silently ignored.
export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  readonly default?: string;
  readonly boolean?: boolean;
  readonly repeatable?: boolean;
}

export type FlagValues = Map<string, string[]>;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): FlagValues | 'help' {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    let value: string;
    if (spec.boolean) {
      value = eq < 0 ? 'true' : arg.slice(eq + 1);
      if (value !== 'true' && value !== 'false') throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(value)}`);
    } else if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
    }
    const list = values.get(name) ?? [];
    if (list.length > 0 && !spec.repeatable) throw new UsageError(`--${name} given more than once`);
    values.set(name, [...list, value]);
  }
  for (const s of specs) if (!values.has(s.name) && s.default !== undefined) values.set(s.name, [s.default]);
  return values;
}

export function usage(program: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.boolean ? '' : ' VALUE'}`;
    const def = s.default !== undefined && s.default !== '' ? ` (default ${s.default})` : '';
    return `${left.padEnd(28)} ${s.help}${def}${s.repeatable ? ' (repeatable)' : ''}`;
  });
  return `Usage: ${program} [flags]\n\n${summary}\n\nFlags:\n${rows.join('\n')}\n  --help                     show this help\n`;
}

export function flagString(values: FlagValues, name: string): string | undefined {
  return values.get(name)?.[0];
}

export function flagInt(values: FlagValues, name: string, min: number, max: number): number | undefined {
  const raw = flagString(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return n;
}
