// TLS material for the cart's TLS tests, made by the district's own CA (controller/tls/district-ca.ts) in a temporary
// folder: the district CA, a server certificate for the loopback address, a cart's client certificate, and another
// district's CA (what a cart must refuse). Real certificates, real handshakes: nothing of node:tls is mocked.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistrictCa, type CertifiedKey, type UnitCertificate } from '../../controller/tls/district-ca.js';

export interface DistrictTls {
  /** The district's CA: its certificate is what the cart pins. */
  ca: DistrictCa;
  /** The controller's certificate and key, for `localhost` and `127.0.0.1`. */
  server: CertifiedKey;
  /** The cart's client certificate (CN = `unitId`) and key. */
  unit: UnitCertificate;
  /** Another district's CA, and a server certificate of its for the same addresses. */
  other: DistrictCa;
  otherServer: CertifiedKey;
  /** Removes the temporary folder. */
  remove(): Promise<void>;
}

export async function districtTls(unitId: string): Promise<DistrictTls> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-tls-'));
  const ca = await DistrictCa.open({ dataDir: join(dir, 'district'), district: 'trieu-son' });
  const other = await DistrictCa.open({ dataDir: join(dir, 'other'), district: 'nga-son' });
  const names = ['localhost', '127.0.0.1'];
  return {
    ca,
    server: await ca.serverCredentials(names),
    unit: await ca.issueUnit(unitId),
    other,
    otherServer: await other.serverCredentials(names),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
