/**
 * The bodies of signed commands and manifests (SPEC.md "Command" and "Manifest"), and the checks a cart makes
 * before it obeys one: right unit or district, not expired, not older than what it has.
 */
import { ByteReader, ByteWriter, checkPercent, enumIndex, enumValue, readPercent } from './bytes.js';
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

/** The one clip id rule (manifest, play record, play-clip command): it names a file in the cart's cache. */
export const CLIP_ID = /^[A-Za-z0-9_-]{1,48}$/;

function checkClipId(id: string): string {
  if (!CLIP_ID.test(id)) throw new ProtocolError('bad-value', `clip id "${id}" may only use letters, digits, - and _ (1–48)`);
  return id;
}

/** Writes a clip id, refusing one outside {@link CLIP_ID}: no receiver would take it. */
export function writeClipId(w: ByteWriter, id: string): void {
  w.str(checkClipId(id));
}

/** Reads a clip id; any length or byte outside {@link CLIP_ID} is `bad-value`, the one code for a bad id. */
export function readClipId(r: ByteReader): string {
  return checkClipId(r.str('clip id', Infinity));
}
const MAX_CLIPS = 2000;
/** Limits in UTF-8 bytes (SPEC.md section 5): a district or target name, a clip title, a release version. */
export const MAX_NAME = 64;
const MAX_TITLE = 512;
const MAX_RELEASE_VERSION = 48;
const MAX_TARGETS = 500;

function writeTargets(w: ByteWriter, targets: readonly Target[]): void {
  w.varint(targets.length);
  for (const t of targets) w.u8(enumIndex(TARGET_KINDS, t.kind, 'target kind')).str(t.id, MAX_NAME, 'target id');
}

function readTargets(r: ByteReader): Target[] {
  const n = r.varint('target count');
  if (n > MAX_TARGETS) throw new ProtocolError('too-long', `${n} targets is over ${MAX_TARGETS}`);
  const out: Target[] = [];
  for (let i = 0; i < n; i++) {
    const kind = enumValue(TARGET_KINDS, r.u8('target kind'), 'target kind');
    out.push({ kind, id: r.str('target id', MAX_NAME) });
  }
  return out;
}

export function writeCommand(w: ByteWriter, c: Command): void {
  w.varint(c.unit).varint(c.counter).u32(c.issued).u32(c.expires).u8(enumIndex(COMMAND_ACTIONS, c.action, 'command action'));
  switch (c.action) {
    case 'set-volume':
      w.u8(checkPercent(c.volume, 'volume'));
      return;
    case 'play-clip':
      writeClipId(w, c.clip);
      return;
    case 'set-config':
      if (Buffer.byteLength(c.document) > MAX_CONFIG_DOCUMENT) throw new ProtocolError('too-long', `settings document of ${Buffer.byteLength(c.document)} bytes is over ${MAX_CONFIG_DOCUMENT}`);
      w.varint(c.version).str(c.document, MAX_CONFIG_DOCUMENT, 'settings document');
      return;
    case 'update':
      if (!/^\d{1,6}\.\d{1,6}\.\d{1,6}(-[0-9A-Za-z.-]{1,32})?$/u.test(c.version)) throw new ProtocolError('bad-value', `"${c.version}" is not a release version (like 1.2.3)`);
      w.str(c.version, MAX_RELEASE_VERSION, 'release version').u8(c.rollback ? 1 : 0);
      return;
    case 'stop':
    case 'sync-now':
    case 'reboot':
      return;
  }
}

/** The fields every command starts with, and its action's wire number (known or not). */
export interface CommandHead {
  unit: number;
  counter: number;
  issued: number;
  expires: number;
  action: number;
}

/** The head of a command body, whatever its action. */
export function readCommandStart(r: ByteReader): CommandHead {
  return { unit: r.varint('unit'), counter: r.varint('counter'), issued: r.u32('issued'), expires: r.u32('expires'), action: r.u8('action') };
}

/**
 * Reads a command body. An action past the table is `unknown-action`, not `bad-value`: a newer district may send
 * one, and the cart answers it with that status and the command's counter ({@link readCommandHead}).
 */
export function readCommand(r: ByteReader): Command {
  const { action: code, ...head } = readCommandStart(r);
  const action = COMMAND_ACTIONS[code];
  if (action === undefined) throw new ProtocolError('unknown-action', `command action ${code} is not known (0..${COMMAND_ACTIONS.length - 1})`);
  switch (action) {
    case 'set-volume': {
      return { ...head, action, volume: readPercent(r, 'volume') };
    }
    case 'play-clip':
      return { ...head, action, clip: readClipId(r) };
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
  const cw = new ByteWriter(128);
  writeClipId(cw, c.id);
  cw.bytes(sha256Bytes(c.sha256)).varint(c.size).varint(c.durationMs);
  cw.u8(enumIndex(PRIORITIES, c.priority, 'priority')).str(c.title, MAX_TITLE, 'clip title').u32(c.validFrom).u32(c.validUntil);
  writeTargets(cw, c.targets);
  w.blob(cw.finish());
}

function readClip(r: ByteReader): ManifestClip {
  const c = r.sub(r.varint('clip length'), 'clip');
  const id = readClipId(c);
  const sha256 = c.bytes(32, 'sha256').toString('hex');
  const size = c.varint('size');
  const durationMs = c.varint('duration');
  const priority = enumValue(PRIORITIES, c.u8('priority'), 'priority');
  return { id, sha256, size, durationMs, priority, title: c.str('title', MAX_TITLE), validFrom: c.u32('valid from'), validUntil: c.u32('valid until'), targets: readTargets(c) };
}

export function writeManifest(w: ByteWriter, m: Manifest): void {
  w.str(m.district, MAX_NAME, 'district').varint(m.version).u32(m.issued).u32(m.expires);
  writeTargets(w, m.targets);
  w.varint(m.clips.length);
  for (const c of m.clips) writeClip(w, c);
}

export function readManifest(r: ByteReader): Manifest {
  const district = r.str('district', MAX_NAME);
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

/**
 * Refuses a command for another unit, expired, or with a counter not above the last one obeyed. Takes a whole
 * command or only its head ({@link readCommandStart}), so a command with an unknown action is checked the same way.
 */
export function checkCommand(c: Pick<CommandHead, 'unit' | 'counter' | 'expires'>, cart: { unit: number; now: number; lastCounter: number }): void {
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
