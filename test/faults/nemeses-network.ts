/**
 * Network nemeses (iptables partitions and netem-lite, test/netns/tools): random halves,
 * the leader in the minority, one member isolated, a bridge (one member sees both halves),
 * one-way drops, and delay with loss. The runner's heal undoes all of them.
 */
import { netemSkipReason } from '../support/netns-cluster.js';
import {
  currentLeader,
  nothingToRestore,
  shuffled,
  type Nemesis,
  type NemesisContext,
} from './nemesis.js';

async function halves(ctx: NemesisContext): Promise<void> {
  const order = shuffled(ctx.prng, ctx.ensemble.ids);
  const cut = ctx.prng.range(1, Math.floor(order.length / 2));
  const minority = order.slice(0, cut);
  const majority = order.slice(cut);
  await ctx.cluster.partition(minority, majority);
  ctx.fault(`partition ${minority.join(',')} | ${majority.join(',')}`);
}

async function leaderMinority(ctx: NemesisContext): Promise<void> {
  const leader = (await currentLeader(ctx)) ?? ctx.prng.pick(ctx.ensemble.ids);
  const others = shuffled(
    ctx.prng,
    ctx.ensemble.ids.filter((id) => id !== leader),
  );
  const extra = ctx.prng.range(0, Math.floor(ctx.ensemble.ids.length / 2) - 1);
  const minority = [leader, ...others.slice(0, extra)];
  const majority = others.slice(extra);
  await ctx.cluster.partition(minority, majority);
  ctx.fault(`leader ${leader} in the minority ${minority.join(',')} | ${majority.join(',')}`);
}

async function isolate(ctx: NemesisContext): Promise<void> {
  const id = ctx.prng.pick(ctx.ensemble.ids);
  await ctx.cluster.isolate(id);
  ctx.fault(`isolate ${id}`);
}

async function bridge(ctx: NemesisContext): Promise<void> {
  const order = shuffled(ctx.prng, ctx.ensemble.ids);
  await ctx.cluster.bridge(order);
  ctx.fault(`bridge ${order.join(' ')} (middle ${order[Math.floor(order.length / 2)]})`);
}

async function oneWay(ctx: NemesisContext): Promise<void> {
  const leader = (await currentLeader(ctx)) ?? ctx.prng.pick(ctx.ensemble.ids);
  const pairs = ctx.prng.range(1, 3);
  for (let i = 0; i < pairs; i++) {
    // Half the drops involve the leader, where one-way loss matters most.
    const from = ctx.prng.chance(0.5) ? leader : ctx.prng.pick(ctx.ensemble.ids);
    const to = ctx.prng.pick(ctx.ensemble.ids.filter((id) => id !== from));
    await ctx.cluster.drop(from, to);
    ctx.fault(`drop ${from} -> ${to}`);
  }
}

async function delayLoss(ctx: NemesisContext): Promise<void> {
  const hosts = shuffled(ctx.prng, ctx.ensemble.ids).slice(0, ctx.prng.range(1, 3));
  for (const id of hosts) {
    const ms = ctx.prng.range(20, 120);
    const jitter = ctx.prng.range(0, Math.floor(ms / 2));
    await ctx.cluster.delay(id, ms, jitter);
    ctx.fault(`delay ${id} ${ms}±${jitter} ms`);
  }
  const lossy = ctx.prng.pick(ctx.ensemble.ids);
  const percent = ctx.prng.range(2, 15);
  await ctx.cluster.loss(lossy, percent);
  ctx.fault(`loss ${lossy} ${percent}%`);
}

function network(name: string, act: (ctx: NemesisContext) => Promise<void>): Nemesis {
  return {
    name,
    kind: 'network',
    async inject(ctx) {
      await act(ctx);
      return nothingToRestore;
    },
  };
}

export function networkNemeses(): Nemesis[] {
  const list = [
    network('halves', halves),
    network('leader-minority', leaderMinority),
    network('isolate', isolate),
    network('bridge', bridge),
    network('one-way', oneWay),
  ];
  if (netemSkipReason() === undefined) list.push(network('delay-loss', delayLoss));
  return list;
}
