/**
 * Caps of the consensus core, with the reason for each size. (To be folded into
 * src/util/limits.ts.) Relations between them are asserted at import time.
 */
import { assert } from '../util/assert.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bytes of entries in one append message: big enough to batch, small enough to interleave. */
export const appendBytesMax = 1 * MiB;
/** Append messages in flight to one follower in replicate state (pipelining depth). */
export const inflightMessagesMax = 256;
/** Bytes in flight to one follower; bounds the leader's send buffer per peer. */
export const inflightBytesMax = 32 * MiB;
/** Entries proposed but not committed; past this a proposal is refused (leader overload). */
export const uncommittedBytesMax = 64 * MiB;
/** Committed entries handed to the host in one Ready, so one apply batch stays bounded. */
export const applyBytesMax = 16 * MiB;
/** Servers in one membership (voters plus learners). */
export const membersMax = 255;
/** Messages one Ready may hold before the host must drain it (a bug guard, not a tunable). */
export const readyMessagesMax = 100_000;

assert(appendBytesMax <= inflightBytesMax, 'limits: one append must fit in flight');
assert(appendBytesMax <= applyBytesMax, 'limits: one append must fit in one apply batch');
