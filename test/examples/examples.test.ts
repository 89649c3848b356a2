// Runs every compiled example (dist/examples/*.js) as a child process against one Warren and
// checks that it exits 0 and prints its key line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../support/server-process.js';
import { startWarren, warrenBuilt, WARREN_NOT_BUILT_REASON } from '../support/warren-proc.js';

/** dist/test/examples → dist/examples */
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
const TIMEOUT_MS = 20_000;

/** A line each example must print: its key outcome. */
const KEY_LINES: Record<string, RegExp> = {
  basics: /watch fired: NodeDataChanged/,
  lock: /alice holds the lock[\s\S]*bob holds the lock|bob holds the lock[\s\S]*alice holds/,
  'leader-latch': /server-2 has leadership: true/,
  'distributed-queue': /consumer took job-1\n[\s\S]*consumer took job-3/,
  barrier: /coordinator removes the barrier\n[\s\S]*worker passed the barrier/,
  'double-barrier': /all members left together/,
  'shared-counter': /counter after 10 increments: 10/,
  'atomic-value': /update: \{"replicas":2\} -> \{"replicas":3\}/,
  'read-write-lock': /readers release the read lock\n[\s\S]*writer holds the write lock/,
  semaphore: /worker 2 got a lease/,
  'node-cache': /saw 3 changes; current is null/,
  'persistent-ephemeral-node': /after close, node exists: false/,
  'priority-queue': /consumer took: page-oncall, renew-cert, resize-images, backup/,
  'leader-selector': /each led once: true/,
  'children-cache': /removed beta\n[\s\S]*children now: alpha/,
  'tree-cache': /watch mode: recursive[\s\S]*mirror has 3 nodes; pool = 20/,
  'group-membership': /members: worker-a, worker-b[\s\S]*after worker-b left: worker-a/,
  'service-discovery': /round-robin picks: a b a b[\s\S]*after b stopped: a/,
  // Starts its own server with warren/testing.
  'testing-server': /event: NodeDataChanged \/app\/config\/feature[\s\S]*feature = off/,
};

function run(file: string, connectString: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const args = [file, connectString];
    execFile(process.execPath, args, { timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const skip = warrenBuilt() ? false : WARREN_NOT_BUILT_REASON;

describe('examples against Warren', { skip }, () => {
  let server: RunningServer;
  before(async () => {
    server = await startWarren();
  });
  after(async () => {
    await server?.stop();
  });

  it('has a compiled program for every example', () => {
    const found = existsSync(EXAMPLES_DIR)
      ? readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.js'))
      : [];
    assert.deepEqual(found.map((name) => name.slice(0, -3)).sort(), Object.keys(KEY_LINES).sort());
  });

  for (const [name, keyLine] of Object.entries(KEY_LINES)) {
    it(`${name} exits 0 and prints its key line`, { timeout: TIMEOUT_MS + 5_000 }, async () => {
      const { code, output } = await run(`${EXAMPLES_DIR}${name}.js`, server.connectString);
      assert.equal(code, 0, `${name} exited ${code}:\n${output}`);
      assert.match(output, keyLine);
      assert.match(output, new RegExp(`${name} done`));
    });
  }
});
