// Every parser answers with a value, never an exception: a frame from the wire is either a
// packet or a named reason it was dropped, and the reasons are counted in a metric.
export type ParseResult<T, R extends string> = { readonly ok: true; readonly packet: T } | { readonly ok: false; readonly reason: R };

export const accept = <T>(packet: T): { readonly ok: true; readonly packet: T } => ({ ok: true, packet });
export const reject = <R extends string>(reason: R): { readonly ok: false; readonly reason: R } => ({ ok: false, reason });
