// Proves the shell's pure parts: word splitting with quotes, per-command options, ACL text,
// zkCli's Stat and date formats, the `warren shell` arguments and the numbered history.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAcl } from '../../src/cli/shell/acl-commands.js';
import { parseOptions, splitWords, UsageError } from '../../src/cli/shell/command-line.js';
import { History } from '../../src/cli/shell/history.js';
import { parseShellArgs, ShellArgsError } from '../../src/cli/shell/shell-args.js';
import { formatAcl, formatDate, formatStat } from '../../src/cli/shell/stat-format.js';

describe('shell command line', () => {
  it('splits words, keeping quoted blanks', () => {
    assert.deepEqual(splitWords('  create /a "hello world"  \'x y\' z'), [
      'create',
      '/a',
      'hello world',
      'x y',
      'z',
    ]);
    assert.deepEqual(splitWords(''), []);
  });

  it('separates flags, valued options and positional words', () => {
    const parsed = parseOptions(['-s', '-v', '3', '/a', 'data', '-1'], {
      flags: ['s'],
      valued: ['v'],
    });
    assert.deepEqual(parsed.args, ['/a', 'data', '-1']);
    assert.ok(parsed.flags.has('s'));
    assert.equal(parsed.values.get('v'), '3');
    assert.throws(() => parseOptions(['-x', '/a'], { flags: ['s'] }), UsageError);
    assert.throws(() => parseOptions(['/a', '-v'], { valued: ['v'] }), /Missing argument/);
  });

  it('parses ACLs whose ids contain colons', () => {
    assert.deepEqual(parseAcl('world:anyone:cdrwa,digest:bob:abc=:r'), [
      { perms: 31, id: { scheme: 'world', id: 'anyone' } },
      { perms: 1, id: { scheme: 'digest', id: 'bob:abc=' } },
    ]);
    assert.throws(() => parseAcl('world:anyone:xyz'), /not a set of perms/);
    assert.throws(() => parseAcl('nonsense'), /scheme:id:perms/);
    assert.deepEqual(formatAcl(parseAcl('ip:127.0.0.1:rw')), ["'ip,'127.0.0.1", ': rw']);
  });

  it('formats a Stat and dates as zkCli does', () => {
    const date = formatDate(Date.UTC(2026, 10, 6, 9, 5, 7));
    assert.match(
      date,
      /^(Fri Nov 06 09:05:07 UTC 2026|\w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ \d{4})$/,
    );
    const lines = formatStat({
      czxid: 0x1a,
      mzxid: 2,
      ctime: 0,
      mtime: 0,
      version: 3,
      cversion: 4,
      aversion: 5,
      ephemeralOwner: 0x1234n,
      dataLength: 6,
      numChildren: 7,
      pzxid: 8,
    });
    assert.equal(lines.length, 11);
    assert.equal(lines[0], 'cZxid = 0x1a');
    assert.equal(lines[6], 'dataVersion = 3');
    assert.equal(lines[8], 'ephemeralOwner = 0x1234');
  });

  it("reads zkCli's arguments", () => {
    assert.deepEqual(parseShellArgs(['-server', 'a:1,b:2/app', '-timeout', '5000', '-c', 'ls /']), {
      server: 'a:1,b:2/app',
      timeoutMs: 5000,
      command: 'ls /',
    });
    assert.deepEqual(parseShellArgs(['--server', 'h:1', 'create', '/a', 'two words']), {
      server: 'h:1',
      timeoutMs: 30_000,
      command: 'create /a "two words"',
    });
    assert.throws(() => parseShellArgs(['-timeout', 'x']), ShellArgsError);
    assert.throws(() => parseShellArgs(['-bogus']), /unknown option/);
  });

  it('numbers history and appends it to the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shell-history-'));
    try {
      const file = join(dir, 'history');
      const history = new History(file);
      for (let i = 0; i < 12; i++) history.add(`ls /${i}`);
      assert.equal(history.current, 12);
      assert.equal(history.get(3), 'ls /3');
      assert.deepEqual(history.recent()[0], '2 - ls /2');
      assert.equal(history.recent().length, 10);
      assert.equal(readFileSync(file, 'utf8').split('\n').length, 13);
      assert.equal(new History(file).loadPrevious()[0], 'ls /11');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
