// JSON lines on stdout, one object per event, with a stable `event` key operators can grep and
// alert on (MetalLB's log shape: {"event":"ipAllocated","ip":[...],"msg":"..."}).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, msg: string, fields?: LogFields): void;
  info(event: string, msg: string, fields?: LogFields): void;
  warn(event: string, msg: string, fields?: LogFields): void;
  error(event: string, msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function isLogLevel(s: string): s is LogLevel {
  return s in rank;
}

/** Errors become {name,message}; everything else must already be JSON-safe. */
export function jsonSafe(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? v.toString() : v;
  }
  return out;
}

export function createLogger(
  level: LogLevel = 'info',
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const emit = (lvl: LogLevel, event: string, msg: string, fields: LogFields = {}): void => {
    if (rank[lvl] < rank[level]) return;
    write(JSON.stringify({ ts: new Date().toISOString(), level: lvl, ...base, event, msg, ...jsonSafe(fields) }));
  };
  return {
    debug: (e, m, f) => emit('debug', e, m, f),
    info: (e, m, f) => emit('info', e, m, f),
    warn: (e, m, f) => emit('warn', e, m, f),
    error: (e, m, f) => emit('error', e, m, f),
    child: (fields) => createLogger(level, { ...base, ...jsonSafe(fields) }, write),
  };
}
