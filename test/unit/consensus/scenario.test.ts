/**
 * Golden scenarios: each testdata/*.txt script is run and its transcript (commands, every
 * delivered message, states) must equal the file. A change of behaviour shows up as a diff
 * to review like code. Regenerate with WARREN_REWRITE=1 after checking the new transcript.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from './scenario.js';

// Compiled to dist/test/unit/consensus; the scripts live beside the sources.
const here = dirname(fileURLToPath(import.meta.url));
const testdata = join(here, '..', '..', '..', '..', 'test', 'unit', 'consensus', 'testdata');
const rewrite = process.env['WARREN_REWRITE'] === '1';

/** The script is the transcript with the output lines (indented) removed. */
function scriptOf(transcript: string): string {
  return transcript
    .split('\n')
    .filter((line) => !line.startsWith('  '))
    .map((line) => (line.startsWith('> ') ? line.slice(2) : line))
    .join('\n');
}

describe('golden consensus scenarios', () => {
  for (const name of readdirSync(testdata).filter((f) => f.endsWith('.txt'))) {
    it(name, () => {
      const path = join(testdata, name);
      const expected = readFileSync(path, 'utf8');
      const actual = runScenario(scriptOf(expected));
      if (rewrite) writeFileSync(path, actual);
      else assert.equal(actual, expected);
    });
  }
});
