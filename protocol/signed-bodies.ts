/**
 * The bodies of signed commands and manifests (SPEC.md "Command" and "Manifest"), and the checks a cart makes
 * before it obeys one: right unit or district, not expired, not older than what it has.
 */
import { ByteReader, ByteWriter, enumIndex, enumValue } from './bytes.js';
import { ProtocolError } from './errors.js';
import { PRIORITIES, type Priority } from './messages.js';

export type CommandAction =
  | { action: 'set-volume'; volume: number }
  | { action: 'stop' }
  | { action: 'play-clip'; clip: string }
  | { action: 'sync-now' }
  | { action: 'reboot' }
  /** A settings document (JSON: some of the sections policy, player, link, storage) replacing the last one sent. */
  | { action: 'set-config'; version: number; document: string }
  /** Install this software version (its release is signed by a release key); `rollback` allows an older one. */
  | { action: 'update'; version: string; rollback: boolean };

export const COMMAND_ACTIONS = ['set-volume', 'stop', 'play-clip', 'sync-now', 'reboot', 'set-config', 'update'] as const;

/** A settings document is small: a policy with its quiet zones fits in a few KiB. */
export const MAX_CONFIG_DOCUMENT = 16_384;

export type Command = {
  /** The cart it is for: commands to a team or a commune are one command per cart. */
  unit: number;
  /** Raised by one for every command to this unit; a cart refuses a counter it has already seen. */
  counter: number;
  issued: number;
  expires: number;
} & CommandAction;

export const TARGET_KINDS = ['district', 'commune', 'team', 'unit'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface Target {
  kind: TargetKind;
  id: string;
}

export interface ManifestClip {
  /** Short, safe id: letters, digits, `-` and `_` only (it names a file in the cart's cache). */
  id: string;
  /** SHA-256 of the clip's bytes, hex. */
  sha256: string;
  size: number;
  durationMs: number;
  priority: Priority;
  title: string;
  /** Unix seconds; 0 = from the manifest's issue. */
  validFrom: number;
  /** Unix seconds; 0 = until the manifest expires. */
  validUntil: number;
  /** Empty = everyone the manifest is for. */
  targets: Target[];
}

export interface Manifest {
  district: string;
  version: number;
  issued: number;
  expires: number;
  targets: Target[];
  clips: ManifestClip[];
}

export const CLIP_ID = /^[A-Za-z0-9_-]{1,48}$/;
const MAX_CLIPS = 2000;
const MAX_TARGETS = 500;

function writeTargets(w: ByteWriter, targets: readonly Target[]): void {
  w.varint(targets.length);
  for (const t of targets) w.u8(enumIndex(TARGET_KINDS, t.kind, 'target kind')).str(t.id);
}

function readTargets(r: ByteReader): Target[] {
  const n = r.varint('target count');
  if (n > MAX_TARGETS) throw new ProtocolError('too-long', `${n} targets is over ${MAX_TARGETS}`);
  const out: Target[] = [];
  for (let i = 0; i < n; i++) {
    const kind = enumValue(TARGET_KINDS, r.u8('target kind'), 'target kind');
    out.push({ kind, id: r.str('target id', 64) });
  }
  return out;
}

export function writeCommand(w: ByteWriter, c: Command): void {
  w.varint(c.unit).varint(c.counter).u32(c.issued).u32(c.expires).u8(enumIndex(COMMAND_ACTIONS, c.action, 'command action'));
  switch (c.action) {
    case 'set-volume':
      if (!Number.isInteger(c.volume) || c.volume < 0 || c.volume > 100) throw new ProtocolError('bad-value', `volume ${c.volume} is not 0..100`);
      w.u8(c.volume);
      return;
    case 'play-clip':
      w.str(c.clip);
      return;
    case 'set-config':
      if (Buffer.byteLength(c.document) > MAX_CONFIG_DOCUMENT) throw new ProtocolError('too-long', `settings document of ${Buffer.byteLength(c.document)} bytes is over ${MAX_CONFIG_DOCUMENT}`);
      w.varint(c.version).str(c.document);
      return;
    case 'update':
      if (!/^\d{1,6}\.\d{1,6}\.\d{1,6}(-[0-9A-Za-z.-]{1,32})?$/u.test(c.version)) throw new ProtocolError('bad-value', `"${c.version}" is not a release version (like 1.2.3)`);
      w.str(c.version).u8(c.rollback ? 1 : 0);
      return;
    case 'stop':
    case 'sync-now':
    case 'reboot':
      return;
  }
}

export function readCommand(r: ByteReader): Command {
  const head = { unit: r.varint('unit'), counter: r.varint('counter'), issued: r.u32('issued'), expires: r.u32('expires') };
  const action = enumValue(COMMAND_ACTIONS, r.u8('action'), 'command action');
  switch (action) {
    case 'set-volume':
      return { ...head, action, volume: r.u8('volume') };
    case 'play-clip':
      return { ...head, action, clip: r.str('clip id', 64) };
    case 'set-config':
      return { ...head, action, version: r.varint('settings version'), document: r.str('settings document', MAX_CONFIG_DOCUMENT) };
    case 'update':
      return { ...head, action, version: r.str('release version', 48), rollback: r.u8('rollback') === 1 };
    case 'stop':
    case 'sync-now':
    case 'reboot':
      return { ...head, action };
  }
}

function writeClip(w: ByteWriter, c: ManifestClip): void {
  if (!CLIP_ID.test(c.id)) throw new ProtocolError('bad-value', `clip id "${c.id}" may only use letters, digits, - and _ (1–48)`);
  const cw = new ByteWriter(128);
  cw.str(c.id).bytes(sha256Bytes(c.sha256)).varint(c.size).varint(c.durationMs);
  cw.u8(enumIndex(PRIORITIES, c.priority, 'priority')).str(c.title).u32(c.validFrom).u32(c.validUntil);
  writeTargets(cw, c.targets);
  w.blob(cw.finish());
}

function readClip(r: ByteReader): ManifestClip {
  const c = r.sub(r.varint('clip length'), 'clip');
  const id = c.str('clip id', 64);
  if (!CLIP_ID.test(id)) throw new ProtocolError('bad-value', `clip id "${id}" may only use letters, digits, - and _ (1–48)`);
  const sha256 = c.bytes(32, 'sha256').toString('hex');
  const size = c.varint('size');
  const durationMs = c.varint('duration');
  const priority = enumValue(PRIORITIES, c.u8('priority'), 'priority');
  return { id, sha256, size, durationMs, priority, title: c.str('title', 512), validFrom: c.u32('valid from'), validUntil: c.u32('valid until'), targets: readTargets(c) };
}

export function writeManifest(w: ByteWriter, m: Manifest): void {
  w.str(m.district).varint(m.version).u32(m.issued).u32(m.expires);
  writeTargets(w, m.targets);
  w.varint(m.clips.length);
  for (const c of m.clips) writeClip(w, c);
}

export function readManifest(r: ByteReader): Manifest {
  const district = r.str('district', 64);
  const version = r.varint('version');
  const issued = r.u32('issued');
  const expires = r.u32('expires');
  const targets = readTargets(r);
  const n = r.varint('clip count');
  if (n > MAX_CLIPS) throw new ProtocolError('too-long', `${n} clips is over ${MAX_CLIPS}`);
  const clips: ManifestClip[] = [];
  for (let i = 0; i < n; i++) clips.push(readClip(r));
  return { district, version, issued, expires, targets, clips };
}

// --- what a cart checks before it obeys ---------------------------------------------------------------------------

/** Refuses a command for another unit, expired, or with a counter not above the last one obeyed. */
export function checkCommand(c: Command, cart: { unit: number; now: number; lastCounter: number }): void {
  if (c.unit !== cart.unit) throw new ProtocolError('bad-value', `command is for unit ${c.unit}, this is unit ${cart.unit}`);
  if (cart.now > c.expires) throw new ProtocolError('expired', `command ${c.counter} expired at ${new Date(c.expires * 1000).toISOString()}`);
  if (c.counter <= cart.lastCounter) throw new ProtocolError('replay', `command counter ${c.counter} is not above the last one obeyed (${cart.lastCounter})`);
}

/** Refuses a manifest for another district, expired, or older than the active one (no rollback). */
export function checkManifest(m: Manifest, cart: { district: string; now: number; activeVersion: number }): void {
  if (m.district !== cart.district) throw new ProtocolError('bad-value', `manifest is for district "${m.district}", this cart belongs to "${cart.district}"`);
  if (cart.now > m.expires) throw new ProtocolError('expired', `manifest ${m.version} expired at ${new Date(m.expires * 1000).toISOString()}`);
  if (m.version < cart.activeVersion) throw new ProtocolError('rollback', `manifest ${m.version} is older than the active one (${cart.activeVersion})`);
}

/** A SHA-256 given in hex as its 32 bytes; anything else is refused. */
export function sha256Bytes(hex: string): Buffer {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new ProtocolError('bad-value', `"${hex}" is not a SHA-256 in hex (64 hex digits)`);
  return Buffer.from(hex, 'hex');
}
