/** A worker thread of the member simulation test: runs the seeds it is given. */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeeds } from './seed-runner.js';

const seeds = (workerData as { seeds: number[] }).seeds;
const outcome = await runSeeds(seeds);
parentPort?.postMessage(outcome);
