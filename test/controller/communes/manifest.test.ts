// A clip aimed at a current commune reaches the carts that still carry the id of a commune merged into it: the
// signed manifest names the former ids too, from the merger's day, and a merger makes a new manifest version.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSigned, publicKeyFromRaw, type Manifest } from '../../../protocol/index.js';
import { TEST_DISTRICT_PUBLIC } from '../../../tools/vector-cases.js';
import type { StoredManifest } from '../../../controller/content/manifests.js';
import { FleetRegistry } from '../../../controller/fleet/registry.js';
import { vnDay } from '../../../controller/reports/period.js';
import { targetsCart, type CartIdentity } from '../../../device/logic/playlist.js';
import { culture, makeContent, police, T0, type ContentRig } from '../content/harness.js';

const trusted = [publicKeyFromRaw(Buffer.from(TEST_DISTRICT_PUBLIC, 'hex'))];

function open(m: StoredManifest | undefined): Manifest {
  if (m === undefined) throw new Error('expected a manifest');
  const opened = openSigned(m.signed, trusted);
  if (opened.body.type !== 'manifest') throw new Error(`expected a manifest, got ${opened.body.type}`);
  return opened.body.manifest;
}

let rig: ContentRig;
let registry: FleetRegistry;
beforeEach(async () => {
  rig = await makeContent();
  registry = new FleetRegistry({ db: rig.db, clock: () => rig.clock.now * 1000 });
  for (const id of ['dan-luc', 'dan-ly', 'dan-hoa', 'xa-xoi']) await registry.addCommune({ id, name: `Xã ${id}` });
});
afterEach(() => rig.close());

describe('manifest targets after a merger', () => {
  it('name the former communes of a targeted commune from the merger day on', async () => {
    const file = await rig.library.addSpeech('x');
    const clip = await rig.workflow.submit(culture, file, { title: 'Phòng chống lừa đảo', targets: [{ kind: 'commune', id: 'dan-hoa' }] }, 'a.wav');
    await rig.workflow.approve(police, clip.id);
    const tomorrow = vnDay(T0) + 1;
    await registry.mergeCommunes({ into: 'dan-hoa', from: ['dan-luc', 'dan-ly'], onDay: tomorrow });

    const today = open(await rig.manifests.publish());
    expect(today.clips[0]!.targets).toEqual([{ kind: 'commune', id: 'dan-hoa' }]);
    expect(await rig.manifests.publishIfChanged()).toBeUndefined(); // nothing changed yet

    rig.clock.now += 86_400; // the merger's day: the list of targets changed, so a new version is made
    const merged = open(await rig.manifests.publishIfChanged());
    expect(merged.version).toBe(today.version + 1);
    expect(merged.clips[0]!.targets).toEqual([
      { kind: 'commune', id: 'dan-hoa' },
      { kind: 'commune', id: 'dan-luc' },
      { kind: 'commune', id: 'dan-ly' },
    ]);
    // What a cart registered in Dân Lực before the merger does with it (device/logic/playlist.ts).
    const cart = (commune: string): CartIdentity => ({ district: 'yen-dinh', commune, team: 't', unitName: 'u', unitNumber: 1 });
    expect(targetsCart(merged.clips[0]!.targets, cart('dan-luc'))).toBe(true);
    expect(targetsCart(merged.clips[0]!.targets, cart('xa-xoi'))).toBe(false);
    expect(targetsCart(today.clips[0]!.targets, cart('dan-luc'))).toBe(false);
  });
});
