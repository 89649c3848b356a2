/**
 * docs/configuration.md lists every setting Warren reads: each zoo.cfg key of the code (field
 * specs, client TLS names, the keys recognised as ignored or refused, the ensemble's) must be
 * a key in one of its tables. A key is a backticked name in a table row's first cell.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIELD_SPECS } from '../../../src/config/config-fields.js';
import { ignoredKeys, ignoredPrefixes } from '../../../src/config/config-ignored.js';
import { TLS_SETTING_NAMES } from '../../../src/config/config-tls.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The backticked names in the first cell of every table row (header and rule rows skipped). */
export function documentedKeys(markdown: string): Set<string> {
  const keys = new Set<string>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const first = line.split('|')[1] ?? '';
    for (const match of first.matchAll(/`([^`]+)`/g)) keys.add((match[1] ?? '').trim());
  }
  return keys;
}

/** Every key a zoo.cfg may hold that the code knows, with where the code has it. */
function keysInCode(): Map<string, string> {
  const keys = new Map<string, string>();
  for (const spec of FIELD_SPECS) {
    for (const key of spec.keys) keys.set(key, `config field ${spec.field}`);
  }
  for (const name of TLS_SETTING_NAMES) keys.set(`ssl.${name}`, 'config-tls.ts');
  for (const key of ignoredKeys()) keys.set(key, 'config-ignored.ts');
  for (const prefix of ignoredPrefixes()) {
    keys.set(`${prefix}*`, 'config-ignored.ts (prefix)');
  }
  for (const key of ['server.N', 'group.N', 'weight.N', 'dynamicConfigFile']) {
    keys.set(key, 'config-ensemble.ts');
  }
  return keys;
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(`${ROOT}docs/configuration.md`, 'utf8');
  const documented = documentedKeys(doc);

  it('documents every setting Warren reads or recognises', () => {
    const missing = [...keysInCode()]
      .filter(([key]) => !documented.has(key))
      .map(([key, where]) => `${key} (${where})`);
    assert.deepEqual(missing, [], `add these to docs/configuration.md:\n${missing.join('\n')}`);
  });

  it('reads keys from table rows only', () => {
    const keys = documentedKeys('| key | a |\n| --- | - |\n| `x`, `y` | `not` |\ntext `z`\n');
    assert.deepEqual([...keys].sort(), ['x', 'y']);
  });
});
