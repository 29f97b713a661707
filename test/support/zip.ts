// A tiny zip reader for tests (DOCX files are zips): the central directory gives each entry's name and local header,
// stored entries are copied and deflated ones inflated with node:zlib. No zip64, no encryption: none of our files need them.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** MS-DOS date and time fields as stored. */
  dosDate: number;
  dosTime: number;
  data: Buffer;
}

/** Every entry of `zip`, in central-directory order; throws on anything that is not a well-formed plain zip. */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || end + 22 > zip.length) throw new Error('not a zip: no end of central directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i} at byte ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header of ${name} at byte ${local}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
    if (data === undefined) throw new Error(`${name}: compression method ${method} is not stored (0) or deflate (8)`);
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes inflated, the directory says ${size}`);
    entries.push({ name, dosDate: zip.readUInt16LE(at + 14), dosTime: zip.readUInt16LE(at + 12), data });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

/** One entry's text (UTF-8), or an error that lists the entries there are. */
export function zipText(zip: Buffer, name: string): string {
  const entries = readZip(zip);
  const entry = entries.find((e) => e.name === name);
  if (entry === undefined) throw new Error(`no ${name} in the zip; it has ${entries.map((e) => e.name).join(', ')}`);
  return entry.data.toString('utf8');
}
