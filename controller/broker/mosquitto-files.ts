/**
 * Files for an external Mosquitto broker, written from the unit registry: the password file (`user:$7$…` lines, the
 * PBKDF2-SHA512 format `mosquitto_passwd` writes) and the ACL file with the same topic rules as the embedded broker
 * (topic-rules.ts). Both are written durably (temp file, fsync, rename), mode 0600/0640, so Mosquitto never reads
 * half a file; send it SIGHUP afterwards to reload them.
 *
 * The unit hashes come from the registry (`brokerAccounts()`), which makes them when the plain password exists (unit
 * added, password reset): see db/fleet-broker-schema.ts. The controller's own password is given at write time.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../lib/durable.js';
import { announceTopic, unitTopic } from '../../protocol/index.js';
import { mosquittoHash } from '../fleet/passwords.js';
import { CONTROLLER_USER, districtPrefix } from './topic-rules.js';

export interface MosquittoAccount {
  /** The unit id (its MQTT user name). */
  id: string;
  /** Its `$7$` hash, from the registry. */
  mosquittoHash: string;
}

export interface MosquittoFilesOptions {
  district: string;
  units: readonly MosquittoAccount[];
  controller: { username?: string; password: string };
  passwordFile: string;
  aclFile: string;
  /**
   * The password file's mode (default 0600, for a Mosquitto running as the controller's own user). 0640 when
   * Mosquitto reads it as another user through the folder's group (`loa controller mosquitto-setup`).
   */
  passwordFileMode?: number;
}

const HASH = /^\$7\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

/** The password file's text. */
export function mosquittoPasswordText(o: Pick<MosquittoFilesOptions, 'units' | 'controller'>): string {
  const lines = [`${o.controller.username ?? CONTROLLER_USER}:${mosquittoHash(o.controller.password)}`];
  for (const u of o.units) {
    if (!HASH.test(u.mosquittoHash)) throw new RangeError(`units[${u.id}].mosquittoHash is not a $7$ hash: ${JSON.stringify(u.mosquittoHash)}`);
    lines.push(`${u.id}:${u.mosquittoHash}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The ACL file's text: the controller reads and writes the whole district; each unit only its own topics. */
export function mosquittoAclText(o: Pick<MosquittoFilesOptions, 'district' | 'units' | 'controller'>): string {
  const out = [`# Loa district ${o.district}: written by the controller from its unit registry; do not edit by hand.`, ''];
  out.push(`user ${o.controller.username ?? CONTROLLER_USER}`, `topic readwrite ${districtPrefix(o.district)}#`, '');
  for (const u of o.units) {
    out.push(
      `user ${u.id}`,
      `topic write ${unitTopic(o.district, u.id, 'up')}`,
      `topic readwrite ${unitTopic(o.district, u.id, 'status')}`,
      `topic read ${unitTopic(o.district, u.id, 'down')}`,
      `topic read ${announceTopic(o.district)}`,
      '',
    );
  }
  return out.join('\n');
}

/** Writes both files durably. */
export async function writeMosquittoFiles(o: MosquittoFilesOptions): Promise<void> {
  await writeFileDurably(o.passwordFile, mosquittoPasswordText(o), o.passwordFileMode ?? 0o600);
  await writeFileDurably(o.aclFile, mosquittoAclText(o), 0o640);
}

/**
 * A minimal Mosquitto configuration for these files: one listener, no anonymous clients, no persistence. Mosquitto
 * started as root drops to `user` (its default is `mosquitto`), who must be able to read both files. `snippet`: the
 * text is a conf.d file included by a main file (Debian's) that sets persistence itself, so it leaves that alone.
 */
export function mosquittoConfText(o: { port: number; host?: string; passwordFile: string; aclFile: string; user?: string; snippet?: boolean }): string {
  return [
    ...(o.user === undefined ? [] : [`user ${o.user}`]),
    `listener ${o.port} ${o.host ?? '127.0.0.1'}`,
    'allow_anonymous false',
    `password_file ${o.passwordFile}`,
    `acl_file ${o.aclFile}`,
    ...(o.snippet === true ? [] : ['persistence false']),
    '',
  ].join('\n');
}

/** The TLS files a Mosquitto listener reads, in `tlsDir` (`broker.files.tlsDir`). */
export function mosquittoTlsPaths(tlsDir: string): { ca: string; cert: string; key: string; crl: string } {
  return { ca: join(tlsDir, 'ca.crt'), cert: join(tlsDir, 'server.crt'), key: join(tlsDir, 'server.key'), crl: join(tlsDir, 'crl.pem') };
}

/**
 * Writes the district CA, the server certificate and key, and the revocation list for Mosquitto's TLS listener (send
 * it SIGHUP afterwards for a new CRL). The key is 0640: Mosquitto reads it as its own user, in the file's group.
 */
export async function writeMosquittoTls(tlsDir: string, o: { ca: string; cert: string; key: string; crl: string }): Promise<void> {
  await mkdir(tlsDir, { recursive: true, mode: 0o750 });
  const p = mosquittoTlsPaths(tlsDir);
  await writeFileDurably(p.ca, o.ca, 0o644);
  await writeFileDurably(p.cert, o.cert, 0o644);
  await writeFileDurably(p.key, o.key, 0o640);
  await writeFileDurably(p.crl, o.crl, 0o644);
}

/** Only the revocation list, after a cart was retired or given a new bundle. */
export async function writeMosquittoCrl(tlsDir: string, crl: string): Promise<void> {
  await writeFileDurably(mosquittoTlsPaths(tlsDir).crl, crl, 0o644);
}

/**
 * The lines of a Mosquitto TLS listener for carts: the district CA's server certificate, and each cart's client
 * certificate required, its common name used as its user name (so the ACL file applies), checked against the CRL.
 */
export function mosquittoTlsListenerText(o: { port: number; host?: string; tlsDir: string }): string {
  const p = mosquittoTlsPaths(o.tlsDir);
  return [
    `listener ${o.port} ${o.host ?? '0.0.0.0'}`,
    `cafile ${p.ca}`,
    `certfile ${p.cert}`,
    `keyfile ${p.key}`,
    `crlfile ${p.crl}`,
    'require_certificate true',
    'use_identity_as_username true',
    '',
  ].join('\n');
}
