/**
 * `loa release keygen` and `loa release inspect`: the release key's maker and a reader of release bundles for the
 * person who builds or receives them.
 *
 *   keygen --out FILE        a new Ed25519 release key (PEM PKCS#8, 0600), never over an existing file; prints the
 *                            public key for the controller's `releases.keys`, which pins it in the carts' bundles
 *   inspect FILE [--key HEX]  what a bundle says, read without trusting it; with the release keys' public halves,
 *                            the signature and every file checked end to end by unpacking it into a temporary folder
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extractReleaseBundle, unpackRelease, verifyInstalledRelease } from '../device/update/unpack.js';
import { openReleaseManifest, parseReleaseManifest, RELEASE_MEMBERS, ReleaseRefused, type ReleaseManifest } from '../protocol/release.js';
import { keyId, publicKeyFromRaw, rawPublicKey } from '../protocol/signed.js';
import { pick, type Lang } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

export const releaseSpec = {
  name: 'release',
  help: {
    vi: `Cách dùng:
  loa release keygen --out TỆP            tạo khoá phát hành mới (Ed25519, PEM, quyền 0600; không ghi đè tệp có sẵn)
                                          và in khoá công khai để đưa vào "releases": { "keys": [...] } của bộ điều khiển
  loa release inspect TỆP [--key HEX …]   xem gói phát hành (chưa tin nội dung); với --key (khoá công khai, lặp lại
                                          được) kiểm tra chữ ký và mọi tệp bằng cách giải nén thử vào thư mục tạm`,
    en: `Usage:
  loa release keygen --out FILE           make a new release key (Ed25519, PEM, mode 0600; never over an existing file)
                                          and print its public key for the controller's "releases": { "keys": [...] }
  loa release inspect FILE [--key HEX …]  show what a release bundle says (without trusting it); with --key (a public
                                          key, repeatable) check its signature and every file by unpacking it into a
                                          temporary folder`,
  },
  options: {
    out: { type: 'string' },
    key: { type: 'string', multiple: true },
  },
  commands: [
    { name: 'keygen', options: ['out'], args: 0 },
    { name: 'inspect', options: ['key'], args: 1 },
  ],
} as const satisfies GroupSpec;

export async function runRelease(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(releaseSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, releaseSpec.help) + '\n');
    return help ? 0 : 2;
  }
  if (command.name === 'keygen') return releaseKeygen(values.out, io, lang);
  const [file] = args;
  if (file === undefined) throw new UsageError(pick(lang, { vi: 'cần tệp gói phát hành: loa release inspect TỆP', en: 'needs the release bundle: loa release inspect FILE' }));
  return releaseInspect(file, values.key ?? [], io, lang);
}

/**
 * Makes a new Ed25519 release key as PEM PKCS#8 at `file`, 0600, flushed; refuses (EEXIST) when the file exists.
 * Also `npm run package`'s development key (tools/ is not shipped, so it lives here).
 */
export async function writeNewReleaseKey(file: string): Promise<KeyObject> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return privateKey;
}

/** `loa release keygen --out FILE`. */
export async function releaseKeygen(out: string | undefined, io: CliIo, lang: Lang): Promise<number> {
  if (out === undefined) throw new UsageError(pick(lang, { vi: 'cần nơi ghi khoá: --out TỆP', en: 'needs where to write the key: --out FILE' }));
  let key;
  try {
    key = await writeNewReleaseKey(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    io.stderr.write(
      pick(lang, {
        vi: `loa release keygen: ${out} đã có, không ghi đè (xe loa đã ghim khoá cũ sẽ từ chối mọi bản ký bằng khoá khác): chọn tên khác cho --out`,
        en: `loa release keygen: ${out} exists and is never overwritten (carts that pinned the old key would refuse releases signed by another): choose another --out`,
      }) + '\n',
    );
    return 2;
  }
  const hex = rawPublicKey(key).toString('hex');
  io.stdout.write(
    [
      pick(lang, { vi: `Đã tạo khoá phát hành ${out} (0600, mã khoá ${keyId(key)}). Giữ bí mật, sao lưu ngoại tuyến.`, en: `Made the release key ${out} (0600, key id ${keyId(key)}). Keep it secret, back it up offline.` }),
      pick(lang, { vi: 'Khoá công khai (đưa vào cấu hình bộ điều khiển, "releases": { "keys": [...] }, để ghim vào gói cấp phát của xe loa):', en: 'Public key (for the controller\'s configuration, "releases": { "keys": [...] }, pinned in the carts\' bundles):' }),
      hex,
    ].join('\n') + '\n',
  );
  return 0;
}

function keysFrom(hexes: readonly string[], lang: Lang) {
  return hexes.map((hex) => {
    if (!/^[0-9a-fA-F]{64}$/u.test(hex)) {
      throw new UsageError(`--key ${hex}: ${pick(lang, { vi: 'cần khoá công khai Ed25519 dạng 64 chữ số hex (loa release keygen in ra)', en: 'must be an Ed25519 public key as 64 hex digits (loa release keygen prints it)' })}`);
    }
    return publicKeyFromRaw(Buffer.from(hex, 'hex'));
  });
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** dd/mm/yyyy HH:MM in Vietnam's time, whatever this machine's zone. */
function vnTime(seconds: number): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(seconds * 1000));
  const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('day')}/${p('month')}/${p('year')} ${p('hour')}:${p('minute')}`;
}

function describe(m: ReleaseManifest, signer: string, payloadBytes: number, lang: Lang): string[] {
  const total = m.files.reduce((s, f) => s + f.size, 0);
  return [
    pick(lang, { vi: `Bản phát hành loa-unit ${m.version} cho ${m.arch}, thay được bản ${m.replaces} trở lên`, en: `Release loa-unit ${m.version} for ${m.arch}, replaces ${m.replaces} or later` }),
    pick(lang, { vi: `  CSDL của xe: đọc phiên bản ${m.schema.reads[0]}–${m.schema.reads[1]}, ghi ${m.schema.writes}`, en: `  cart database: reads schema ${m.schema.reads[0]}–${m.schema.reads[1]}, writes ${m.schema.writes}` }),
    pick(lang, { vi: `  ${m.files.length} tệp, ${mib(total)} MiB khi giải nén; ${RELEASE_MEMBERS.payload} ${mib(payloadBytes)} MiB`, en: `  ${m.files.length} files, ${mib(total)} MiB unpacked; ${RELEASE_MEMBERS.payload} ${mib(payloadBytes)} MiB` }),
    pick(lang, { vi: `  ký bằng khoá ${signer}; tạo lúc ${vnTime(m.created)} (giờ Việt Nam)`, en: `  signed by key ${signer}; made ${vnTime(m.created)} (Vietnam time)` }),
  ];
}

/** The key id release.sig names, read without trusting it. */
function signerOf(signature: Buffer): string {
  try {
    const id = (JSON.parse(signature.toString('utf8')) as { keyId?: unknown }).keyId;
    return typeof id === 'string' ? id : '?';
  } catch {
    return '?';
  }
}

/** `loa release inspect FILE [--key HEX …]`: exit 0, or 1 with the refusal's code and message. */
export async function releaseInspect(file: string, keyHexes: readonly string[], io: CliIo, lang: Lang): Promise<number> {
  const keys = keysFrom(keyHexes, lang);
  const temp = await mkdtemp(join(tmpdir(), 'loa-release-inspect-'));
  try {
    const bundle = await extractReleaseBundle(file, join(temp, RELEASE_MEMBERS.payload));
    const manifest = keys.length > 0 ? openReleaseManifest(bundle.manifest, bundle.signature, keys) : parseUntrusted(bundle.manifest);
    io.stdout.write(describe(manifest, signerOf(bundle.signature), bundle.payloadBytes, lang).join('\n') + '\n');
    if (keys.length === 0) {
      io.stdout.write(pick(lang, { vi: 'Chưa kiểm tra chữ ký và các tệp: thêm --key HEX (khoá công khai phát hành).', en: 'Signature and files not checked: add --key HEX (a release public key).' }) + '\n');
      return 0;
    }
    const dir = await unpackRelease({ payloadFile: bundle.payloadFile, manifest, releasesDir: join(temp, 'releases'), signature: bundle.signature });
    await verifyInstalledRelease(dir, manifest);
    io.stdout.write(pick(lang, { vi: `Chữ ký đúng; cả ${manifest.files.length} tệp đúng kích thước và SHA-256.`, en: `Signature good; all ${manifest.files.length} files have their size and SHA-256.` }) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof ReleaseRefused) {
      io.stderr.write(pick(lang, { vi: `loa release inspect: từ chối ${file} (${err.code}): ${err.message}`, en: `loa release inspect: ${file} refused (${err.code}): ${err.message}` }) + '\n');
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      io.stderr.write(pick(lang, { vi: `loa release inspect: không đọc được ${file} (${code}): kiểm tra đường dẫn và quyền đọc`, en: `loa release inspect: cannot read ${file} (${code}): check the path and read permission` }) + '\n');
      return 1;
    }
    throw err;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function parseUntrusted(bytes: Buffer): ReleaseManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ReleaseRefused('bad-manifest', 'release.json is not valid JSON');
  }
  return parseReleaseManifest(parsed);
}
