// Checks that the committed API reference (docs/api/client.md, recipes.md, testing.md) is what
// scripts/api-reference.mjs generates from the current exports and doc comments, so a change
// to the public API that is not followed by `npm run docs:api` fails here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

/** dist/test/client → the repository root */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('API reference', () => {
  it('is up to date with the exported declarations', { timeout: 60_000 }, async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [`${ROOT}scripts/api-reference.mjs`, '--check'],
        { cwd: ROOT },
        (error, stdout, stderr) => {
          const exit = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          resolve({ code: exit, output: `${stdout}${stderr}` });
        },
      );
    });
    assert.equal(code, 0, `docs/api is stale; run npm run docs:api\n${output}`);
  });

  it('documents every export of both entry points', () => {
    const client = readFileSync(`${ROOT}docs/api/client.md`, 'utf8');
    const recipes = readFileSync(`${ROOT}docs/api/recipes.md`, 'utf8');
    for (const name of ['ZooKeeperClient', 'ClientOptions', 'ClientClock', 'SocketFactory']) {
      assert.match(client, new RegExp(`### \\w+ ${name}\\b`));
    }
    for (const name of ['PriorityQueue', 'LeaderSelector', 'ChildrenCache', 'TreeCache']) {
      assert.match(recipes, new RegExp(`### class ${name}\\b`));
    }
    assert.match(recipes, /### class ServiceDiscovery\b/);
    assert.match(recipes, /### class GroupMembership\b/);
    const testing = readFileSync(`${ROOT}docs/api/testing.md`, 'utf8');
    for (const name of ['TestingServer', 'TestingCluster']) {
      assert.match(testing, new RegExp(`### class ${name}\\b`));
    }
  });
});
