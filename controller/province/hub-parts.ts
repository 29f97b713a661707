/**
 * The hub's real parts: the summary codec of protocol/summary.ts, the replica of replica.ts, and the report every
 * area controller computes (compute.ts) run in its "replica" mode, so that the hub's report of an area is the area's
 * own report.
 */
import { MAX_SUMMARY_BYTES, openSummary, parseSummaryTopic } from '../../protocol/summary.js';
import { computeReport } from '../reports/compute.js';
import type { HubParts } from './hub.js';
import { replicaPlayDays } from './hub-db.js';
import { applyDayBody, applyRegistryBody, openReplica } from './replica.js';

export const realHubParts: HubParts = {
  maxBytes: MAX_SUMMARY_BYTES,
  parseTopic: parseSummaryTopic,
  open: openSummary,
  openReplica,
  applyDay: applyDayBody,
  applyRegistry: applyRegistryBody,
  report: (replica, o) => computeReport(replica, { period: o.period, now: o.now, rollup: 'replica' }),
  playDays: replicaPlayDays,
};
