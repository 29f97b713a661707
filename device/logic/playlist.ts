/**
 * What the cart may play now: from a verified, signed manifest, the cart's identity, the clips whose file is present
 * and verified, and the time, the ordered list of playable clips, and every clip left out with the reason (for the
 * status display). Pure: values in, decisions out.
 *
 * Time rules (SPEC.md "Manifest body"; manifest times are Unix seconds, `now` is ms since the epoch):
 * - a clip is playable from `validFrom` (0 = no lower bound: a manifest the cart accepted was issued already, and a
 *   cart whose clock is only an estimate, a lower bound, must not refuse it for that),
 * - through `validUntil` inclusive (0 = until the manifest expires); never past the manifest's own `expires`
 *   (DESIGN.md: a cart plays nothing from an expired manifest).
 */
import { PRIORITIES, type ManifestClip, type Manifest, type Priority, type Target } from '../../protocol/index.js';

/** Who this cart is, as the district names it in manifest targets. */
export interface CartIdentity {
  /** Unit name as in MQTT topics (`dan-luc-01`). A `unit` target matches this name or the unit number. */
  unitName: string;
  unitNumber: number;
  team: string;
  commune: string;
  district: string;
}

export const EXCLUSION_REASONS = ['not-targeted', 'not-yet-valid', 'expired', 'missing-file'] as const;
/** Why a clip of the manifest is not in the playable list. */
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface ExcludedClip {
  clip: ManifestClip;
  reason: ExclusionReason;
}

export interface Playlist {
  /** Playable clips: emergency first, then priority, then ordinary; manifest order within a priority. */
  clips: ManifestClip[];
  /** Clips left out, in manifest order, each with the first reason that applies (in the order of EXCLUSION_REASONS). */
  excluded: ExcludedClip[];
}

export interface PlaylistInput {
  /** A manifest whose signature, district and version the caller has already checked. */
  manifest: Manifest;
  cart: CartIdentity;
  /** Ids of the clips whose file is in the cache and matched its SHA-256. */
  verified: ReadonlySet<string>;
  /** Ms since the epoch. */
  now: number;
}

/** True when one of `targets` names this cart: its unit (name or number), team, commune or district. */
export function targetsCart(targets: readonly Target[], cart: CartIdentity): boolean {
  return targets.some((t) => {
    switch (t.kind) {
      case 'unit':
        return t.id === cart.unitName || t.id === String(cart.unitNumber);
      case 'team':
        return t.id === cart.team;
      case 'commune':
        return t.id === cart.commune;
      case 'district':
        return t.id === cart.district;
    }
  });
}

/** Why `clip` may not be played now, or null when it may. */
export function exclusionReason(clip: ManifestClip, input: PlaylistInput, manifestTargeted: boolean): ExclusionReason | null {
  const { manifest, now } = input;
  if (!manifestTargeted || (clip.targets.length > 0 && !targetsCart(clip.targets, input.cart))) return 'not-targeted';
  if (clip.validFrom !== 0 && now < clip.validFrom * 1000) return 'not-yet-valid';
  const until = clip.validUntil === 0 ? manifest.expires : Math.min(clip.validUntil, manifest.expires);
  if (now > until * 1000) return 'expired';
  if (!input.verified.has(clip.id)) return 'missing-file';
  return null;
}

/** Builds the ordered playable list and the list of clips left out. */
export function buildPlaylist(input: PlaylistInput): Playlist {
  if (!Number.isFinite(input.now)) throw new RangeError(`now must be ms since the epoch, got ${String(input.now)}`);
  const manifestTargeted = targetsCart(input.manifest.targets, input.cart);
  const playable: ManifestClip[] = [];
  const excluded: ExcludedClip[] = [];
  for (const clip of input.manifest.clips) {
    const reason = exclusionReason(clip, input, manifestTargeted);
    if (reason === null) playable.push(clip);
    else excluded.push({ clip, reason });
  }
  // Array.prototype.sort is stable (ES2019): manifest order is kept within a priority.
  const rank = (c: ManifestClip): number => PRIORITIES.indexOf(c.priority);
  playable.sort((a, b) => rank(a) - rank(b));
  return { clips: playable, excluded };
}

/**
 * The clip after `currentId`, wrapping around to the first; the first clip when nothing is playing or the current
 * clip is no longer in the list; null for an empty list.
 */
export function nextClip<C extends { id: string }>(list: readonly C[], currentId: string | null): C | null {
  if (list.length === 0) return null;
  const at = currentId === null ? -1 : list.findIndex((c) => c.id === currentId);
  return list[(at + 1) % list.length]!;
}

/** The emergency clips of the list, in order. */
export function emergencyClips<C extends { priority: Priority }>(list: readonly C[]): C[] {
  return list.filter((c) => c.priority === 'emergency');
}
