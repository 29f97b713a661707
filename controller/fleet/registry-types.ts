/** The registry's values and its domain error (registry.ts). */
import type { DistrictOrigin } from '../../protocol/index.js';

/** xã, phường, đặc khu (the three kinds since 1 July 2025), and thị trấn for a former commune. */
export const COMMUNE_KINDS = ['xa', 'phuong', 'dac-khu', 'thi-tran'] as const;
export type CommuneKind = (typeof COMMUNE_KINDS)[number];

export interface Commune {
  /** Topic-safe name, e.g. `dan-luc`; never changes (carts carry it). */
  id: string;
  /** Vietnamese name when registered, e.g. `Xã Dân Lực` (later names: {@link CommuneName}). */
  name: string;
  lat: number | null;
  lon: number | null;
  /** Official 5-digit code of the 2025 list (Quyết định 19/2025/QĐ-TTg), unique; null when not known. */
  code: string | null;
  kind: CommuneKind;
  /** A former commune's code in the list before 2025. */
  formerCode: string | null;
  /** Local day number from which it exists (a commune made by a merger); null: it always did. */
  sinceDay: number | null;
}

/** A former commune that is part of a current one from a local day on (a merger); append-only. */
export interface CommuneSuccession {
  former: string;
  current: string;
  fromDay: number;
}

/** A commune's name from a local day on (a renaming); append-only. */
export interface CommuneName {
  commune: string;
  fromDay: number;
  name: string;
}

export interface Team {
  id: string;
  commune: string;
  name: string;
  /** The former commune a merged commune's team works in, or null. */
  formerCommune: string | null;
}

export type MemberRole = 'leader' | 'member';

export interface Member {
  id: number;
  team: string;
  name: string;
  role: MemberRole;
  phone: string | null;
}

export interface Unit {
  /** Topic-safe name and MQTT user name, e.g. `dan-luc-01`. */
  id: string;
  /** The number carried in every frame (1…), never reused. */
  number: number;
  commune: string;
  team: string;
  /** Board profile, e.g. `pi-zero-2w`. */
  profile: string;
  firmware: string | null;
  /** Unix seconds. */
  provisionedAt: number;
  /** 32-byte HMAC key shared with the cart. */
  key: Buffer;
  /**
   * The district origin the cart's fixes are offsets from, fixed at registration and written in its bundle; 0, 0 for
   * a unit registered before origins existed.
   */
  origin: DistrictOrigin;
  retired: boolean;
}

/** What `addUnit` and `resetUnitPassword` return: the ONLY time the plain password exists. */
export interface UnitCredentials {
  unit: Unit;
  /** The MQTT password for the provisioning bundle. Not stored anywhere: hand it on, then forget it. */
  password: string;
}

export type RegistryErrorCode =
  | 'bad-id'
  | 'exists'
  | 'unknown-commune'
  | 'unknown-team'
  | 'unknown-unit'
  | 'wrong-commune'
  | 'retired'
  /** A commune code that is not 5 digits, or a kind that is not one of {@link COMMUNE_KINDS}. */
  | 'bad-code'
  /** Another commune has that official code. */
  | 'code-taken'
  /** The commune was merged into another (or does not exist yet) on that day. */
  | 'not-current'
  /** A merger that would make a commune part of itself. */
  | 'bad-merge'
  /** A team's former commune is not one merged into the team's commune. */
  | 'not-former'
  /** A line of a commune CSV file that cannot be used (the message names the line). */
  | 'bad-import';

/** A registry change that cannot be made; the message (Vietnamese, then English) says what to do. */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;

  constructor(code: RegistryErrorCode, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
  }
}
