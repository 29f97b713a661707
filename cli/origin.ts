/**
 * Who runs an office command on the host, for the audit trails of `loa content` and `loa activity`: on a database
 * opened directly the --as user is only a claim, the system account is what the host vouches for. A uid with no
 * passwd entry (a container) still has its uid.
 */
import { userInfo } from 'node:os';
import type { StepOrigin } from '../controller/content/workflow.js';

export function cliOrigin(): StepOrigin {
  try {
    const u = userInfo();
    return { via: 'cli', osUser: u.username, osUid: u.uid };
  } catch {
    const uid = process.getuid?.() ?? -1;
    return { via: 'cli', osUser: process.env.USER ?? process.env.LOGNAME ?? `uid-${uid}`, osUid: uid };
  }
}
