/** The small log interface the server and channel modules use (src/logging.ts's pino logger fits it; tests pass a stub). */

export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** Whether a level is logged at all (pino's); without it every level is taken as logged. */
  isLevelEnabled?(level: string): boolean;
}

const noop = () => {};
/** Logs nothing (tests). */
export const silentLog: Log = { debug: noop, info: noop, warn: noop, error: noop, isLevelEnabled: () => false };

/** Logs into an array (tests read what a module reported). */
export function memoryLog(): Log & { lines: { level: string; msg?: string; obj: object }[] } {
  const lines: { level: string; msg?: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
