/**
 * What lives in the controller's data folder, and the controller's own MQTT password for the embedded broker.
 *
 *   controller.db (+ -wal, -shm)   SQLite: fleet, users, content
 *   boot-counter                    raised at every start (district frames' replay protection)
 *   district-key, key-rotations/    the district Ed25519 key (0600), made on the first start
 *   broker-controller.secret        the controller's password on the embedded broker (0600), made on the first start
 *   clips/                          approved and submitted clip files, by SHA-256
 *   bundles/                        provisioning bundles written by `loa controller unit add` (0600 each)
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../lib/durable.js';
import { newPassword } from '../fleet/passwords.js';

export interface DataPaths {
  dir: string;
  db: string;
  bootCounter: string;
  brokerSecret: string;
  bundles: string;
}

export function dataPaths(dir: string): DataPaths {
  return {
    dir,
    db: join(dir, 'controller.db'),
    bootCounter: join(dir, 'boot-counter'),
    brokerSecret: join(dir, 'broker-controller.secret'),
    bundles: join(dir, 'bundles'),
  };
}

/** Makes the data folder (0700: it holds keys) when missing. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** A secret file that others may read, or that is damaged. */
export class SecretFileError extends Error {
  readonly code = 'bad-secret-file';
  constructor(message: string) {
    super(message);
    this.name = 'SecretFileError';
  }
}

/**
 * The controller's password on the embedded broker: read from `path`, or made (24 random base64url characters) and
 * written with mode 0600 on the first start. A file that the group or others may read is refused.
 */
export async function controllerBrokerPassword(path: string): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const password = newPassword();
    await writeFileDurably(path, `${password}\n`, 0o600);
    return password;
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretFileError(
      `Tệp mật khẩu ${path} có quyền ${(mode & 0o777).toString(8)}, người khác đọc được: hãy chạy \`chmod 600 ${path}\` ` +
        `(the password file ${path} has mode ${(mode & 0o777).toString(8)}: run \`chmod 600 ${path}\`)`,
    );
  }
  const password = (await readFile(path, 'utf8')).trim();
  if (password.length < 8) throw new SecretFileError(`Tệp mật khẩu ${path} hỏng: xoá nó rồi khởi động lại (the password file ${path} is damaged: remove it and start again)`);
  return password;
}
