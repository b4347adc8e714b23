// The speaker's election: a pure function from cluster facts to the owner of each Service's IPs.
export { electAll } from './elect.js';
export { ownerFor, rankCandidates, electionHash } from './rank.js';
export { EXCLUDE_LABEL } from './eligibility.js';
export type * from './types.js';
