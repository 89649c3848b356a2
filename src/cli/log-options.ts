/**
 * The logging flags of `warren server` and `warren cluster`, checked by the command line
 * before anything starts: a mistyped level is refused in the command's words, naming the
 * accepted ones, instead of surfacing as the logger's internal error.
 */
import { Option } from 'commander';

/** pino's levels, most verbose first, and `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'how much to log').choices(LOG_LEVELS).default('info');
}
