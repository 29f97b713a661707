// The real driver against a fake `amixer` shell script: it records every argument on its own line and prints
// output in the format of amixer 1.2 (as amixer prints it for a mono control such as the Pi headphone jack and
// for a stereo USB card; written here, not captured from those devices).
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AmixerVolume, parsePlaybackPercents } from '../../../hardware/volume/amixer-volume.js';
import { volumeContract } from './volume-contract.js';

const PI_HEADPHONES = `Simple mixer control 'PCM',0
  Capabilities: pvolume pvolume-joined pswitch pswitch-joined
  Playback channels: Mono
  Limits: Playback -10239 - 400
  Mono: Playback -1000 [60%] [-10.00dB] [on]
`;
const USB_STEREO = `Simple mixer control 'Speaker',0
  Capabilities: pvolume pswitch pswitch-joined
  Playback channels: Front Left - Front Right
  Limits: Playback 0 - 151
  Mono:
  Front Left: Playback 38 [25%] [-15.00dB] [on]
  Front Right: Playback 45 [30%] [-12.00dB] [on]
`;

/** A fake amixer in a temp dir. The state file holds the percent; `log` records each call's arguments. */
function fakeAmixer() {
  const dir = mkdtempSync(join(tmpdir(), 'loa-amixer-'));
  const log = join(dir, 'args.log');
  const state = join(dir, 'percent');
  const bin = join(dir, 'amixer');
  writeFileSync(state, '60');
  writeFileSync(
    bin,
    `#!/bin/sh
{ echo "--- call"; for a in "$@"; do printf '%s\\n' "$a"; done; } >> '${log}'
for last in "$@"; do :; done
case " $* " in
  *" sset "*) p=\${last%\\%}; echo "$p" > '${state}' ;;
  *" sget "*) ;;
  *) echo "amixer: unknown command" >&2; exit 1 ;;
esac
p=$(cat '${state}')
echo "Simple mixer control 'PCM',0"
echo "  Capabilities: pvolume pvolume-joined pswitch pswitch-joined"
echo "  Playback channels: Mono"
echo "  Mono: Playback -1000 [$p%] [-10.00dB] [on]"
`,
  );
  chmodSync(bin, 0o755);
  const calls = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8').split('--- call\n').slice(1).map((c) => c.split('\n').slice(0, -1))
      : [];
  return { dir, bin, calls };
}

volumeContract('amixer (fake amixer script)', (max) => new AmixerVolume({ max, control: 'PCM', binary: fakeAmixer().bin }));

describe('AmixerVolume', () => {
  it('passes arguments as an array: a control name with spaces and a ";" arrives whole and runs nothing', async () => {
    const fake = fakeAmixer();
    const marker = join(fake.dir, 'pwned');
    const control = `Speaker Playback; touch ${marker}`;
    const v = new AmixerVolume({ max: 90, control, card: 1, device: 'hw:1', binary: fake.bin });
    await v.set(55);
    expect(await v.get()).toBe(55);
    expect(fake.calls()).toEqual([
      ['-c', '1', '-D', 'hw:1', 'sset', control, '55%'],
      ['-c', '1', '-D', 'hw:1', 'sget', control],
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it('sends the clamped value, not the requested one', async () => {
    const fake = fakeAmixer();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string | (() => string)) => warnings.push(typeof m === 'string' ? m : m()) };
    const v = new AmixerVolume({ max: 75, control: 'Master', binary: fake.bin, logger });
    expect(await v.set(100)).toMatchObject({ applied: 75, clamped: true });
    expect(fake.calls()[0]).toEqual(['sset', 'Master', '75%']);
    expect(warnings).toEqual(['volume 100% asked, 75% set: the configured range is 0–75%']);
  });

  it('gives a domain error when amixer is missing, and when it fails', async () => {
    const missing = new AmixerVolume({ max: 80, control: 'PCM', binary: '/nonexistent/amixer' });
    await expect(missing.get()).rejects.toMatchObject({ code: 'VOLUME_MIXER_MISSING' });
    const failing = new AmixerVolume({ max: 80, control: 'PCM', binary: '/bin/false' });
    await expect(failing.set(10)).rejects.toMatchObject({ code: 'VOLUME_MIXER_FAILED' });
  });

  it('gives VOLUME_UNREADABLE when amixer prints no playback volume', async () => {
    const v = new AmixerVolume({ max: 80, control: 'PCM', binary: '/bin/true' });
    await expect(v.get()).rejects.toMatchObject({ code: 'VOLUME_UNREADABLE' });
  });

  it('checks its options', () => {
    expect(() => new AmixerVolume({ max: 80, control: ' ' })).toThrow(/options\.control must name a mixer control .* got " "/);
  });
});

describe('parsePlaybackPercents', () => {
  it('reads a mono control and each channel of a stereo one', () => {
    expect(parsePlaybackPercents(PI_HEADPHONES)).toEqual([60]);
    expect(parsePlaybackPercents(USB_STEREO)).toEqual([25, 30]);
    expect(parsePlaybackPercents("Simple mixer control 'Capture',0\n  Front Left: Capture 10 [20%] [on]\n")).toEqual([]);
  });
});
