// The content sync fetching the spoken-cue pack from a real district controller (its HTTP route, the pack its start
// made with the real espeak-ng: skipped with the printed reason where espeak-ng is missing): the first pack when the
// cart has none, nothing again while the district has nothing newer, the newer pack after an announcement, and a
// pack the cart refuses recorded once, not fetched again and again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CuePacks } from '../../controller/content/cues.js';
import { ClipCache } from '../../device/content/cache.js';
import { CueSet } from '../../device/content/cues.js';
import { ContentSync } from '../../device/sync/sync.js';
import { silentLogger } from '../../hardware/logger.js';
import { publicKeyFromRaw, type Announcement } from '../../protocol/index.js';
import { startController, type Rig } from '../controller/app/harness.js';
import { missing } from '../support/tools.js';
import { sleep, until } from '../support/wait.js';

describe.skipIf(missing('espeak-ng'))('the content sync and the spoken cues', () => {
  let rig: Rig;
  let dir: string;
  let sync: ContentSync;
  let cues: CueSet;
  let events: string[];
  let district: string;

  beforeEach(async () => {
    rig = await startController();
    district = rig.config.district.id;
    dir = await mkdtemp(join(tmpdir(), 'loa-cues-sync-'));
    const keys = [publicKeyFromRaw(Buffer.from(rig.controller.districtPublicKeyHex, 'hex'))];
    const content = join(dir, 'content');
    const cache = new ClipCache({ dir: content, district, districtKeys: () => keys, now: () => Math.floor(Date.now() / 1000), logger: silentLogger });
    await cache.open();
    cues = new CueSet({ dir: content, district, districtKeys: () => keys, logger: silentLogger });
    expect(await cues.open()).toBeNull();
    events = [];
    sync = new ContentSync({ cache, cues, baseUrl: rig.controller.httpUrl, partialDir: join(content, 'partial'), onEvent: (kind, code) => events.push(`${kind}/${code}`), retry: { initialMs: 50, maxMs: 200 } });
  });

  afterEach(async () => {
    await sync.stop();
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What the uplink hands over for the retained announcement of the (still empty) manifest list. */
  const announcement = (): Announcement => ({ district, version: 0, sha256: '0'.repeat(64), size: 0 });

  it('fetches the pack the cart lacks, then only a newer one', async () => {
    expect(rig.controller.features.find((f) => f.name === 'cues')?.ok).toBe(true);
    await sync.start();
    await sleep(200);
    expect([cues.installed, events]).toEqual([null, []]); // nothing asked before the link is known to be up
    // The link is up: the retained announcement arrives, and with it the question for a cue pack.
    sync.announce(announcement());
    await until(() => events.includes('manifest/cues-installed'), 'the first pack installed');
    const served = await fetch(`${rig.controller.httpUrl}/content/cues`);
    const etag = served.headers.get('etag');
    await served.body?.cancel();
    expect(`"${cues.installed?.sha256}"`).toBe(etag);
    expect(cues.cueFor(['outside-hours'], { minutesLeft: null })?.text).toBe('Ngoài giờ phát thanh');
    // A reconnection: the retained announcement again, and the district has nothing newer (304).
    sync.announce(announcement());
    await sleep(300);
    expect(events.filter((e) => e === 'manifest/cues-installed')).toHaveLength(1);
    expect(events.filter((e) => !e.startsWith('manifest/cues'))).toEqual([]);
    // `loa controller cues build` while the controller runs: the next announcement brings the new pack.
    const first = cues.installed!.version;
    await new CuePacks({ dataDir: rig.config.dataDir, district, signer: rig.controller.districtKey, clock: () => first + 10 }).build();
    sync.announce(announcement());
    await until(() => events.filter((e) => e === 'manifest/cues-installed').length === 2, 'the newer pack installed');
    expect(cues.installed?.version).toBe(first + 10);
  });

  it('records a refused pack once and does not download it again', async () => {
    // A pack for another district, signed by this district's key, put where the controller serves it from.
    await new CuePacks({ dataDir: rig.config.dataDir, district: 'yen-dinh', signer: rig.controller.districtKey, clock: () => 1_900_000_000 }).build();
    await sync.start();
    sync.announce(announcement());
    await until(() => events.includes('manifest/wrong-district'), 'the refusal recorded');
    sync.announce(announcement());
    sync.announce(announcement());
    await sleep(300);
    expect(events).toEqual(['manifest/wrong-district']);
    expect(cues.installed).toBeNull();
  });
});
