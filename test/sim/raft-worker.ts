/** A worker thread of the Raft simulation test: runs the seeds it is given. */
import { parentPort, workerData } from 'node:worker_threads';
import { runRaftSeeds } from './raft-seeds.js';

const seeds = (workerData as { seeds: number[] }).seeds;
parentPort?.postMessage(await runRaftSeeds(seeds));
