/**
 * The secrets of a backup (the district key, the broker password, the provisioning bundles) sealed under a
 * passphrase: scrypt derives a 256-bit key from the passphrase and a random salt, AES-256-GCM encrypts and
 * authenticates. The parameters travel in the sealed file, so that stronger ones can be chosen later; a wrong
 * passphrase (or a changed byte) fails the GCM tag and nothing is returned.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { BackupError } from './errors.js';

/** scrypt cost: N = 2^17, r = 8 (128 MiB, about half a second), OWASP's recommendation for scrypt. */
export const SCRYPT_COST = { N: 2 ** 17, r: 8, p: 1 } as const;

const FORMAT = 'loa-backup-secrets';
const AAD = Buffer.from(`${FORMAT} v1`);

interface SealedFile {
  format: typeof FORMAT;
  version: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

function deriveKey(passphrase: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(passphrase.normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Encrypts `plain` under `passphrase`; the result is a small JSON text. */
export async function seal(plain: Buffer, passphrase: string, cost: { N: number; r: number; p: number } = SCRYPT_COST): Promise<string> {
  if (passphrase.length === 0) throw new BackupError('no-passphrase', 'Mật khẩu sao lưu rỗng (the backup passphrase is empty)');
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, cost), iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  const sealed: SealedFile = {
    format: FORMAT, version: 1, kdf: { name: 'scrypt', ...cost, salt: salt.toString('base64') }, cipher: 'aes-256-gcm',
    iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64'),
  };
  return `${JSON.stringify(sealed)}\n`;
}

/** Decrypts what {@link seal} made. A wrong passphrase throws `BackupError('wrong-passphrase')`. */
export async function unseal(text: string, passphrase: string): Promise<Buffer> {
  let s: SealedFile;
  try {
    s = JSON.parse(text) as SealedFile;
  } catch {
    throw new BackupError('damaged', 'Tệp khoá của bản sao lưu hỏng (the backup\'s secrets file is damaged)');
  }
  if (s.format !== FORMAT || s.version !== 1 || s.kdf?.name !== 'scrypt' || s.cipher !== 'aes-256-gcm') {
    throw new BackupError('damaged', `Tệp khoá của bản sao lưu không đúng dạng ${FORMAT} v1 (the backup's secrets file is not ${FORMAT} v1)`);
  }
  const key = await deriveKey(passphrase, Buffer.from(s.kdf.salt, 'base64'), s.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(s.iv, 'base64'));
  decipher.setAAD(AAD);
  decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]);
  } catch {
    throw new BackupError(
      'wrong-passphrase',
      'Sai mật khẩu sao lưu (hoặc tệp khoá bị sửa): không ghi gì cả (wrong backup passphrase, or the secrets file was changed: nothing was written)',
    );
  }
}
