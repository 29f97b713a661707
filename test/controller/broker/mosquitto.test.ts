// The same controller behaviour through a real Mosquitto, started here on a free loopback port with the password
// and ACL files the controller writes from its registry.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mosquittoConfText, writeMosquittoFiles } from '../../../controller/broker/mosquitto-files.js';
import { mosquittoHash, verifyMosquittoHash } from '../../../controller/fleet/passwords.js';
import { accepts, freePort } from '../../support/net.js';
import { missing } from '../../support/tools.js';
import { CONTROLLER, DISTRICT, makeFleet, until, type Fleet } from '../fleet/harness.js';
import {
  backlogTwiceStoredOnceAckedTwice,
  badTagIsDroppedAndCounted,
  cartCannotSpeakForAnother,
  commandReachesCartAndResultIsTracked,
  oldBacklogKeepsNewestPosition,
  strangersAreRefused,
} from '../fleet/scenarios.js';

describe.skipIf(missing('mosquitto_passwd'))('Mosquitto password hashes', () => {
  it('are the ones mosquitto_passwd -b writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loa-mpw-'));
    try {
      const file = join(dir, 'pw');
      const run = spawnSync('mosquitto_passwd', ['-c', '-b', file, 'dan-luc-01', 'mật-khẩu 01'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const line = (await readFile(file, 'utf8')).trim();
      const hash = line.slice('dan-luc-01:'.length);
      const [, , iterations, salt] = hash.split('$');
      expect(mosquittoHash('mật-khẩu 01', Buffer.from(salt!, 'base64'), Number(iterations))).toBe(hash);
      expect(verifyMosquittoHash('mật-khẩu 01', hash)).toBe(true);
      expect(verifyMosquittoHash('mật-khẩu 02', hash)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(missing('mosquitto'))('the controller through a real Mosquitto', () => {
  let fleet: Fleet;
  let broker: ChildProcess;
  let url: string;
  let stderr = '';

  beforeEach(async () => {
    fleet = await makeFleet();
    const port = await freePort();
    const files = { passwordFile: join(fleet.dir, 'passwd'), aclFile: join(fleet.dir, 'acl') };
    await writeMosquittoFiles({ district: DISTRICT, units: await fleet.registry.brokerAccounts(), controller: CONTROLLER, ...files });
    const conf = join(fleet.dir, 'mosquitto.conf');
    await writeFile(conf, mosquittoConfText({ port, ...files, user: userInfo().username }));
    stderr = '';
    broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    broker.stdout?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    broker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(() => accepts(port), `mosquitto to listen on ${port} (${stderr})`, 5000);
    url = `mqtt://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    if (broker.exitCode === null) {
      const exited = new Promise((r) => broker.once('exit', r));
      broker.kill('SIGTERM');
      await exited;
    }
    await fleet.close();
  });

  it('refuses anonymous clients and wrong passwords', () => strangersAreRefused(url, fleet));
  it("keeps a cart off another cart's topics (ACL)", () => cartCannotSpeakForAnother(url, fleet, false));
  it('drops and counts a frame with a bad tag', () => badTagIsDroppedAndCounted(url, fleet));
  it('stores a backlog delivered twice once, and acks it both times', () => backlogTwiceStoredOnceAckedTwice(url, fleet));
  it('keeps the newest last-known position when an old backlog arrives', () => oldBacklogKeepsNewestPosition(url, fleet));
  it('sends a signed command to a team and tracks the result', () => commandReachesCartAndResultIsTracked(url, fleet));
});
