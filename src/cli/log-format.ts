/**
 * How `warren server` writes its log: `json` (pino's lines, one object each, for collectors)
 * or `pretty` (one readable line per event, for a person at a terminal). The default follows
 * standard output: pretty at a terminal, JSON otherwise. The pretty format is a small
 * formatter over pino's own JSON line rather than pino-pretty, which would bring a dozen
 * runtime dependencies for this.
 */
import { Option } from 'commander';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-options.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** pino's level numbers, as the pretty line names them. */
const LEVEL_NAMES: ReadonlyMap<number, string> = new Map([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARN'],
  [50, 'ERROR'],
  [60, 'FATAL'],
]);

/** Fields the pretty line shows in its own place, or not at all (`name` is always warren). */
const PLACED = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'err']);

export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'pretty at a terminal, json otherwise').choices(
    LOG_FORMATS,
  );
}

/** The format asked for, else pretty when standard output is a terminal. */
export function resolveLogFormat(asked: LogFormat | undefined): LogFormat {
  return asked ?? (process.stdout.isTTY ? 'pretty' : 'json');
}

export function createLogger(level: LogLevel, format: LogFormat): Logger {
  const options = { level, base: { name: 'warren' } };
  if (format === 'json') return pino(options);
  const destination: DestinationStream = {
    write: (line: string) => process.stdout.write(prettyLine(line)),
  };
  return pino(options, destination);
}

/** `2026-12-07 10:49:31.206`: the local time, to the millisecond. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${date} ${time}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One JSON log line as `<local time> <LEVEL> <msg> key=value ...`, then an error's stack
 * indented below it. A line that is not a JSON object passes through unchanged.
 */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null) return json;
    record = parsed as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record['time'] === 'number' ? localTime(record['time']) : '-';
  const level = LEVEL_NAMES.get(Number(record['level'])) ?? String(record['level']);
  const fields = Object.entries(record)
    .filter(([key]) => !PLACED.has(key))
    .map(([key, value]) => ` ${key}=${fieldText(value)}`)
    .join('');
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  return `${time} ${level.padEnd(5)} ${msg}${fields}\n${errorText(record['err'])}`;
}

/** Strings as they are unless they hold spaces or quotes; anything else as JSON. */
function fieldText(value: unknown): string {
  if (typeof value === 'string' && !/[\s"=]/.test(value) && value !== '') return value;
  return JSON.stringify(value) ?? String(value);
}

/** pino's serialized error: its stack (which starts with the message), indented. */
function errorText(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { stack, message } = err as { stack?: unknown; message?: unknown };
  const text = typeof stack === 'string' ? stack : typeof message === 'string' ? message : '';
  if (text === '') return '';
  return text.replace(/^/gm, '    ') + '\n';
}
