// The speaker's election: a pure function from cluster facts to the owner of each Service's IPs.
export { electAll } from './elect.js';
export { ballotsFor, reelect, resultsOf, stand, type Reelection, type Standing } from './incremental.js';
export { ownerFor, rankCandidates, electionHash } from './rank.js';
export { EXCLUDE_LABEL } from './eligibility.js';
export type * from './types.js';
