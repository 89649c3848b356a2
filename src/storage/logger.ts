/**
 * The one logging call the storage layer needs: warnings an operator must see (a torn tail
 * cut off, a corrupt snapshot skipped). The server passes its pino logger; the default is a
 * pino logger of its own so that a warning is never lost because nobody wired one in.
 */
import { pino } from 'pino';

export interface StorageLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

let fallback: StorageLogger | null = null;

export function defaultStorageLogger(): StorageLogger {
  fallback ??= pino({ name: 'warren-storage' });
  return fallback;
}
