/**
 * A tiny script language for golden consensus scenarios (after etcd's interaction tests):
 * each command acts on a scripted Cluster and prints what happened — every delivered
 * message, and server states on request. The transcript is compared to a checked-in file.
 *
 *   cluster voters=1,2,3 [learners=4] [prevote=false] [checkquorum=false]
 *   campaign ID | propose ID DATA | tick ID [N] | isolate ID | heal | stabilize
 *   compact ID KEEP | conf ID addVoter|addLearner|removeNode NODE | transfer ID TARGET
 *   status
 */
import assert from 'node:assert/strict';
import type { ConfChangeType } from '../../../src/consensus/config-change.js';
import type { Message } from '../../../src/consensus/messages.js';
import { Cluster } from './cluster.js';
import { defaultHostOptions } from './host.js';

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'vote':
    case 'preVote':
      return `${head} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResponse':
    case 'preVoteResponse':
      return `${head}${m.reject ? ' reject' : ''}`;
    case 'append': {
      const entries = m.entries.map((e) => `${e.index}/${e.term}`).join(',');
      return `${head} prev=${m.prevIndex}/${m.prevTerm} entries=[${entries}] commit=${m.commit}`;
    }
    case 'appendResponse':
      return m.reject
        ? `${head} reject index=${m.index} hint=${m.rejectHint}/${m.hintTerm}`
        : `${head} index=${m.index}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}`;
    case 'snapshot':
      return `${head} snapshot=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    default:
      return head;
  }
}

function ids(list: string | undefined): number[] {
  return list === undefined || list === '' ? [] : list.split(',').map(Number);
}

export function runScenario(script: string): string {
  const out: string[] = [];
  let cluster: Cluster | undefined;
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      out.push(raw);
      continue;
    }
    out.push(`> ${line}`);
    const [command, ...args] = line.split(/\s+/);
    if (command === 'cluster') {
      const opts = new Map(args.map((a) => a.split('=') as [string, string]));
      cluster = new Cluster(ids(opts.get('voters')), ids(opts.get('learners')), {
        ...defaultHostOptions,
        preVote: opts.get('prevote') !== 'false',
        checkQuorum: opts.get('checkquorum') !== 'false',
      });
      continue;
    }
    assert.ok(cluster !== undefined, 'a scenario starts with a cluster line');
    const seen = cluster.delivered.length;
    out.push(...runCommand(cluster, command ?? '', args));
    out.push(...cluster.delivered.slice(seen).map((m) => `  ${describeMessage(m)}`));
  }
  return out.join('\n');
}

function runCommand(cluster: Cluster, command: string, args: string[]): string[] {
  const [a, b, c] = args;
  const id = Number(a);
  switch (command) {
    case 'campaign':
      cluster.campaign(id);
      return [];
    case 'propose': {
      const result = cluster.propose(id, b ?? '');
      return result.ok ? [] : [`  refused: ${result.reason}`];
    }
    case 'tick':
      cluster.tick(id, Number(b ?? 1));
      cluster.stabilize();
      return [];
    case 'isolate':
      cluster.isolate(id);
      return [];
    case 'heal':
      cluster.heal();
      return [];
    case 'stabilize':
      cluster.stabilize();
      return [];
    case 'compact':
      cluster.host(id).snapshotAndCompact(Number(b));
      return [];
    case 'conf': {
      const change = { type: b as ConfChangeType, nodeId: Number(c) };
      const result = cluster.proposeConfChange(id, change);
      return result.ok ? [] : [`  refused: ${result.reason}`];
    }
    case 'transfer': {
      const refusal = cluster.host(id).node.transferLeadership(Number(b));
      cluster.stabilize();
      return refusal === undefined ? [] : [`  refused: ${refusal}`];
    }
    case 'status':
      return [...cluster.hosts.values()].map((host) => {
        const s = host.status();
        const { voters, learners } = s.membership;
        return (
          `  ${s.id} ${s.role} term=${s.term} vote=${s.vote} lead=${s.lead} ` +
          `commit=${s.commit} applied=${s.applied} last=${s.lastIndex} ` +
          `voters=${voters.join(',')} learners=${learners.join(',')}`
        );
      });
    default:
      throw new Error(`unknown scenario command: ${command}`);
  }
}
