/**
 * Finds Debian's `chromium` (scripts/ensure-test-deps.sh installs it) on PATH, for the
 * dashboard's browser test; CHROMIUM_PATH overrides.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findChromium(): string | null {
  const given = process.env['CHROMIUM_PATH'];
  const candidates =
    given !== undefined && given !== ''
      ? [given]
      : (process.env['PATH'] ?? '')
          .split(delimiter)
          .flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => join(dir, name)));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next
    }
  }
  return null;
}
