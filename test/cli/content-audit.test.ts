// `loa content …` on the host opens the database directly, where --as is only a claim: every audit row it writes
// says it came from the CLI and which system account ran it; a step through the API (here the workflow) says neither.
// And the four-eyes rule holds from the CLI too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../controller/app/config.js';
import { openOffice } from '../../controller/app/office.js';
import type { AuditEntry } from '../../controller/content/library.js';
import { runLoa } from '../support/cli.js';
import { makeControllerData } from '../support/controller-data.js';

let dir: string;
let data: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-audit-'));
  data = join(dir, 'data');
  await makeControllerData(data);
  const office = await openOffice(validateControllerConfig({ dataDir: data }));
  try {
    for (const [name, role] of [['phong-vh', 'submitter'], ['ca-huyen', 'approver'], ['doan-huyen', 'approver']] as const) {
      await office.users.add({ name, role, password: 'mat-khau-thu-nghiem' });
    }
    const { workflow } = await office.content();
    const file = { sha256: 'ab'.repeat(32), size: 1000, durationMs: 1500 };
    await workflow.submit({ name: 'phong-vh', role: 'submitter' }, file, { title: 'Phòng chống lừa đảo' }, 'a.wav');
    await workflow.submit({ name: 'ca-huyen', role: 'approver' }, { ...file, sha256: 'cd'.repeat(32) }, { title: 'Cảnh báo lũ', priority: 'emergency' }, 'b.wav');
  } finally {
    await office.close();
  }
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function audit(id: string): Promise<AuditEntry[]> {
  const office = await openOffice(validateControllerConfig({ dataDir: data }));
  try {
    return await (await office.content()).library.audit(id);
  } finally {
    await office.close();
  }
}

describe('the audit trail of loa content', () => {
  it('records that a step came from the CLI, and as which system user', async () => {
    const r = await runLoa(['content', 'approve', 'c-0001', '--as', 'ca-huyen', '--data', data, '--no-announce']);
    expect(r.code, r.stderr).toBe(0);
    const me = userInfo();
    const rows = await audit('c-0001');
    expect(rows.map((a) => [a.action, a.actor, a.via, a.osUser, a.osUid])).toEqual([
      ['submit', 'phong-vh', null, null, null],
      ['approve', 'ca-huyen', 'cli', me.username, me.uid],
    ]);
    const show = await runLoa(['content', 'show', 'c-0001', '--data', data]);
    expect(show.stdout).toContain(`[cli: ${me.username}, uid ${me.uid}]`);
  });

  it('refuses self-approval from the CLI, an emergency included', async () => {
    const self = await runLoa(['content', 'approve', 'c-0002', '--as', 'ca-huyen', '--data', data, '--no-announce']);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('không được tự phê duyệt');
    const other = await runLoa(['content', 'approve', 'c-0002', '--as', 'doan-huyen', '--data', data, '--no-announce']);
    expect(other.code, other.stderr).toBe(0);
    expect((await audit('c-0002')).map((a) => [a.action, a.actor])).toEqual([
      ['submit', 'ca-huyen'],
      ['approve', 'doan-huyen'],
    ]);
  });
});
