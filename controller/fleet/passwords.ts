/**
 * Unit passwords for the MQTT brokers. A password is made by the controller when a unit is added, handed ONCE to the
 * caller for the unit's provisioning bundle, and never stored: only two hashes of it are.
 *
 * - For the embedded broker, scrypt (node:crypto) with a random 16-byte salt, stored as
 *   `scrypt$<N>$<r>$<p>$<salt, base64>$<32-byte key, base64>` (N = 16384, r = 8, p = 1 today; the parameters travel
 *   with the hash, so they can be raised later without breaking stored ones).
 * - For Mosquitto, the line `mosquitto_passwd` writes: `$7$<iterations>$<12-byte salt, base64>$<64-byte
 *   PBKDF2-HMAC-SHA512, base64>` with 101 iterations (Mosquitto 2's own default).
 */
import { pbkdf2Sync, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const SCRYPT_KEY = 32;
const MOSQUITTO_ITERATIONS = 101;

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A new random password: 24 characters of base64url (144 bits). */
export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The scrypt hash to store for `password`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT_KEY, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches a hash made by {@link hashPassword}; false for a malformed hash. Constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length === 0) return false;
  const key = await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return timingSafeEqual(key, expected);
}

/** The Mosquitto password-file hash of `password` (the part after `user:`), as `mosquitto_passwd` makes it. */
export function mosquittoHash(password: string, salt: Buffer = randomBytes(12), iterations = MOSQUITTO_ITERATIONS): string {
  if (salt.length !== 12) throw new RangeError(`salt must be 12 bytes, got ${salt.length}`);
  const key = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches a Mosquitto `$7$` hash. */
export function verifyMosquittoHash(password: string, hash: string): boolean {
  const m = /^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!m) return false;
  const expected = Buffer.from(m[3]!, 'base64');
  const key = pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), expected.length, 'sha512');
  return timingSafeEqual(key, expected);
}
