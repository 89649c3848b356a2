// Proves the interactive shell through a pseudo-terminal (util-linux `script`): the prompt
// shows the server, state and command number; typed commands print their output; TAB
// completes a command name and a path from the children of its parent; a watch notification
// from another client's change is printed at once and the prompt is drawn again; history
// goes to ~/.warren_history and comes back with the up arrow in the next shell.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWarren, WARREN_MAIN, type RunningServer } from '../support/warren-proc.js';
import { Pty, scriptAvailable } from './pty.js';
import { runShell } from './support.js';

const UP_ARROW = '\x1b[A';

describe(
  'interactive warren shell',
  { skip: scriptAvailable() ? undefined : 'no script(1)' },
  () => {
    let server: RunningServer;
    let home: string;
    let command: string;
    before(async () => {
      server = await startWarren();
      home = mkdtempSync(join(tmpdir(), 'shell-home-'));
      command = `${process.execPath} ${WARREN_MAIN} shell -server ${server.connectString}`;
      await runShell(
        server.connectString,
        [],
        'create /tree\ncreate /tree/alpha\ncreate /tree/beta\n',
      );
    });
    after(async () => {
      await server?.stop();
      rmSync(home, { recursive: true, force: true });
    });

    it('prompts, runs typed commands and completes paths with TAB', async () => {
      const pty = new Pty(command, { HOME: home });
      try {
        await pty.waitFor(`[zk: ${server.connectString}(CONNECTED) 0] `);
        pty.type('ls /tr\t');
        await pty.waitFor('ls /tree');
        pty.type('/\t');
        await sleep(300); // readline asks for the list only on a TAB after a finished one
        pty.type('\t');
        // Two candidates: the second TAB lists them under the line and draws the prompt again.
        await pty.waitFor(/\/tree\/alpha\s+\/tree\/beta/);
        await pty.waitFor('ls /tree/');
        pty.type('al\t');
        await pty.waitFor('alpha'); // the line now reads `ls /tree/alpha`
        pty.type('\r');
        await pty.waitFor(`(CONNECTED) 1] `);
        pty.type('getAl\t');
        await pty.waitFor('getAllChildrenNumber ');
        pty.type('/tree\r');
        const printed = await pty.waitFor(`(CONNECTED) 2] `);
        assert.match(printed, /\n2\n/);
        pty.type('get /nope\r');
        assert.match(await pty.waitFor(`(CONNECTED) 3] `), /Node does not exist: \/nope/);
        pty.type('quit\r');
        assert.equal(await pty.exited, 0);
        assert.equal(
          readFileSync(join(home, '.warren_history'), 'utf8'),
          'ls /tree/alpha\ngetAllChildrenNumber /tree\nget /nope\nquit\n',
        );
      } finally {
        pty.kill();
      }
    });

    it('prints a watch notification when another client changes the node', async () => {
      await runShell(server.connectString, ['-c', 'create /watched v1']);
      const pty = new Pty(command, { HOME: home });
      try {
        await pty.waitFor('(CONNECTED) 0] ');
        pty.type('get -w /watched\r');
        await pty.waitFor('v1');
        await pty.waitFor('(CONNECTED) 1] ');
        pty.type('addWatch /tree\r');
        await pty.waitFor('(CONNECTED) 2] ');
        const set = await runShell(server.connectString, ['-c', 'set /watched v2']);
        assert.equal(set.code, 0, set.stderr);
        const event = await pty.waitFor('(CONNECTED) 2] ');
        assert.match(
          event,
          /WATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDataChanged path:\/watched\n/,
        );
        await runShell(server.connectString, ['-c', 'create /tree/gamma']);
        const created = await pty.waitFor('(CONNECTED) 2] ');
        assert.match(
          created,
          /WatchedEvent state:SyncConnected type:NodeCreated path:\/tree\/gamma/,
        );
        pty.type('quit\r');
        assert.equal(await pty.exited, 0);
      } finally {
        pty.kill();
      }
    });

    it('keeps history in ~/.warren_history and recalls it with the up arrow', async () => {
      const ownHome = mkdtempSync(join(tmpdir(), 'shell-home-'));
      const file = join(ownHome, '.warren_history');
      writeFileSync(file, 'ls /tree\ngetAllChildrenNumber /tree\n');
      const pty = new Pty(command, { HOME: ownHome });
      try {
        await pty.waitFor('(CONNECTED) 0] ');
        pty.type('history\r');
        assert.match(await pty.waitFor('(CONNECTED) 1] '), /0 - history/);
        // Newest first: history (this shell), then the file's getAllChildrenNumber, ls /tree.
        pty.type(UP_ARROW.repeat(3) + '\r');
        assert.match(await pty.waitFor('(CONNECTED) 2] '), /\[alpha, beta/, 'recalled ls /tree');
        pty.type('redo 1\r');
        assert.match(await pty.waitFor('(CONNECTED) 3] '), /\[alpha, beta/);
        pty.type('quit\r');
        assert.equal(await pty.exited, 0);
        const saved = readFileSync(file, 'utf8');
        assert.equal(
          saved,
          'ls /tree\ngetAllChildrenNumber /tree\nhistory\nls /tree\nredo 1\nquit\n',
        );
      } finally {
        pty.kill();
        rmSync(ownHome, { recursive: true, force: true });
      }
    });
  },
);
