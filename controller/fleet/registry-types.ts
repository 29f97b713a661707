/** The registry's values and its domain error (registry.ts). */
import type { DistrictOrigin } from '../../protocol/index.js';

export interface Commune {
  /** Topic-safe name, e.g. `dan-luc`. */
  id: string;
  /** Vietnamese name, e.g. `Xã Dân Lực`. */
  name: string;
  lat: number | null;
  lon: number | null;
}

export interface Team {
  id: string;
  commune: string;
  name: string;
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

export type RegistryErrorCode = 'bad-id' | 'exists' | 'unknown-commune' | 'unknown-team' | 'unknown-unit' | 'wrong-commune' | 'retired';

/** A registry change that cannot be made; the message (Vietnamese, then English) says what to do. */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;

  constructor(code: RegistryErrorCode, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
  }
}
