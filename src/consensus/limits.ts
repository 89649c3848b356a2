/** The consensus core's caps; they are defined, explained and related in util/limits.ts. */
export {
  appendBytesMax,
  applyBytesMax,
  inflightBytesMax,
  inflightMessagesMax,
  membersMax,
  readyMessagesMax,
  uncommittedBytesMax,
} from '../util/limits.js';
