/**
 * `loa proto`: encode, decode and size Loa protocol frames by hand — for a technician checking a radio link, and
 * for tests. Frames are tagged with the unit key given (`--unit-key HEX`), or with the published test key.
 */
import {
  decodeFrame,
  encodeFrame,
  fromSerial,
  frameKind,
  messageFromJson,
  messageToJson,
  openSigned,
  originProblem,
  privateKeyFromSeed,
  ProtocolError,
  publicKeyFromRaw,
  readSigned,
  signObject,
  SIGNED_TYPES,
  MESSAGE_TYPES,
  toSerial,
  hexField,
  MAX_VARINT,
  type FixContext,
  type Frame,
  type Message,
  type ProtocolErrorCode,
  type SignedBody,
} from '../protocol/index.js';
import { frameCases, signedCases, TEST_DISTRICT_SEED, TEST_FIX_CONTEXT, TEST_UNIT_KEY } from '../tools/vector-cases.js';
import { pick, type Lang, type Text } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

const EXPLAIN: Record<ProtocolErrorCode, Text> = {
  truncated: { vi: 'khung bị cụt', en: 'the frame is cut short' },
  'bad-version': { vi: 'phiên bản giao thức không hỗ trợ', en: 'unsupported protocol version' },
  'bad-kind': { vi: 'loại khung không đúng', en: 'wrong kind of frame' },
  'bad-value': { vi: 'giá trị không hợp lệ', en: 'a value is out of range' },
  'bad-tag': { vi: 'mã xác thực (tag) sai: sai khoá của xe hoặc khung đã bị sửa', en: 'bad tag: wrong unit key, or the frame was altered' },
  'bad-crc': { vi: 'CRC sai: nhiễu trên đường truyền nối tiếp', en: 'bad CRC: noise on the serial line' },
  'bad-cobs': { vi: 'mã hoá COBS hỏng', en: 'broken COBS encoding' },
  'too-long': { vi: 'khung quá dài', en: 'frame too long' },
  'bad-signature': { vi: 'chữ ký không hợp lệ', en: 'the signature does not verify' },
  'unknown-key': { vi: 'ký bằng khoá lạ, không phải khoá của khu vực', en: 'signed by a key that is not the area key' },
  expired: { vi: 'đã hết hạn', en: 'expired' },
  'unknown-action': { vi: 'lệnh có chữ ký đúng nhưng xe không biết thao tác này', en: 'a well-signed command whose action this program does not know' },
  replay: { vi: 'khung đã nhận rồi (phát lại)', en: 'already received (replay)' },
  rollback: { vi: 'cũ hơn bản đang dùng', en: 'older than the one in use' },
};

const HELP: Text = {
  vi: `Cách dùng:
  loa proto encode <loại> --json '<đối tượng>' [--serial] [--unit-key HEX] [--unit N --boot N --seq N] [--district] [--origin VĨ,KINH]
                   [--district-seed HEX] [--now GIÂY_UNIX]
  loa proto decode <hex> [--serial] [--unit-key HEX] [--district-key HEX] [--origin VĨ,KINH] [--now GIÂY_UNIX]
  loa proto sizes
Loại tin: ${MESSAGE_TYPES.filter((t) => t !== 'unknown').join(', ')}; đối tượng ký: ${SIGNED_TYPES.join(', ')}.
--json nhận một đối tượng hoặc một mảng (nhiều tin trong một khung). Không có --unit-key thì dùng khoá thử nghiệm công khai.
Lệnh (command) không có trường "signed" sẽ được ký bằng --district-seed HEX (mặc định: khoá thử nghiệm RFC 8032).
Tin vị trí (fix) mang toạ độ lệch so với gốc toạ độ của khu vực: --origin phải là gốc ghi trong gói cài đặt của xe
(mặc định 0,0); thời điểm của fix được đặt gần đồng hồ máy này, hoặc gần --now.`,
  en: `Usage:
  loa proto encode <type> --json '<object>' [--serial] [--unit-key HEX] [--unit N --boot N --seq N] [--district] [--origin LAT,LON]
                   [--district-seed HEX] [--now UNIX_SECONDS]
  loa proto decode <hex> [--serial] [--unit-key HEX] [--district-key HEX] [--origin LAT,LON] [--now UNIX_SECONDS]
  loa proto sizes
Message types: ${MESSAGE_TYPES.filter((t) => t !== 'unknown').join(', ')}; signed objects: ${SIGNED_TYPES.join(', ')}.
--json takes one object or an array (several messages in one frame). Without --unit-key the public test key is used.
A command without a "signed" field is signed with --district-seed HEX (default: the RFC 8032 test key).
A fix carries its position as offsets from the area origin: --origin must be the one in the cart's provisioning
bundle (default 0,0); its time is placed next to this machine's clock, or next to --now.`,
};

const COUNTER = { min: 0, max: MAX_VARINT, integer: true } as const;

const options = {
  json: { type: 'string' },
  serial: { type: 'boolean' },
  'unit-key': { type: 'string' },
  'district-key': { type: 'string' },
  'district-seed': { type: 'string' },
  unit: { type: 'string', default: '1', number: COUNTER },
  boot: { type: 'string', default: '1', number: COUNTER },
  seq: { type: 'string', default: '0', number: COUNTER },
  district: { type: 'boolean' },
  origin: { type: 'string' },
  now: { type: 'string', number: COUNTER },
} as const;

export const protoSpec = {
  name: 'proto',
  help: HELP,
  options,
  commands: [
    { name: 'encode', options: ['json', 'serial', 'unit-key', 'unit', 'boot', 'seq', 'district', 'origin', 'district-seed', 'now'], args: 1 },
    { name: 'decode', options: ['serial', 'unit-key', 'district-key', 'origin', 'now'], args: 1 },
    { name: 'sizes', options: [], args: 0 },
  ],
} as const satisfies GroupSpec;

export async function runProto(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(protoSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const [arg] = args;
  try {
    switch (command.name) {
      case 'encode':
        io.stdout.write(encode(need(arg, lang, { vi: 'thiếu loại tin', en: 'missing the message type' }), values, lang) + '\n');
        return 0;
      case 'decode':
        io.stdout.write(JSON.stringify(decode(need(arg, lang, { vi: 'thiếu chuỗi hex', en: 'missing the hex string' }), values, lang), null, 2) + '\n');
        return 0;
      case 'sizes':
        io.stdout.write(sizes(lang) + '\n');
        return 0;
      default:
        throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}"; dùng encode, decode hoặc sizes`, en: `no command "${command.name}"; use encode, decode or sizes` }));
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    io.stderr.write(`loa proto: ${pick(lang, EXPLAIN[err.code])} (${err.code}): ${err.message}\n`);
    return 1;
  }
}

function need(v: string | undefined, lang: Lang, what: Text): string {
  if (v === undefined) throw new UsageError(pick(lang, what));
  return v;
}

type Values = ReturnType<typeof parseCommand<typeof options>>['values'];

function unitKey(values: Values): Buffer {
  return values['unit-key'] === undefined ? TEST_UNIT_KEY : hexField(values['unit-key'], '--unit-key');
}

/** The district origin and clock fixes are read with (SPEC 0x03). */
function fixContextOf(values: Values, lang: Lang): Partial<FixContext> {
  const ctx: Partial<FixContext> = {};
  if (values.origin !== undefined) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(values.origin);
    const lat = Number(m?.[1]);
    const lon = Number(m?.[2]);
    if (!m || originProblem({ lat, lon }) !== null) {
      throw new UsageError(`--origin ${values.origin}: ${pick(lang, { vi: 'cần "vĩ độ,kinh độ" tính bằng độ, ví dụ 19.82,105.6', en: 'needs "lat,lon" in degrees, e.g. 19.82,105.6' })}`);
    }
    ctx.origin = { lat, lon };
  }
  if (values.now !== undefined) ctx.now = Number(values.now);
  return ctx;
}

function encode(type: string, values: Values, lang: Lang): string {
  if (values.json === undefined) throw new UsageError(pick(lang, { vi: 'cần --json với nội dung tin', en: '--json with the message is required' }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(values.json);
  } catch (err) {
    throw new UsageError(`--json: ${pick(lang, { vi: 'không phải JSON hợp lệ', en: 'is not valid JSON' })} (${(err as Error).message})`);
  }
  const seed = values['district-seed'] === undefined ? TEST_DISTRICT_SEED : hexField(values['district-seed'], '--district-seed');
  if ((SIGNED_TYPES as readonly string[]).includes(type) && type !== 'command') {
    const body = { type, [type === 'key-rotation' ? 'rotation' : type]: parsed } as unknown as SignedBody;
    return signObject(body, privateKeyFromSeed(seed)).toString('hex');
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
  const messages: Message[] = list.map((obj) => {
    if (type === 'command' && obj.signed === undefined) {
      const signed = signObject({ type: 'command', command: obj as never }, privateKeyFromSeed(seed));
      return { type: 'command', signed };
    }
    return messageFromJson({ type, ...obj });
  });
  const frame: Frame = {
    kind: values.district || type === 'ack' || type === 'command' ? 'district' : 'unit',
    unit: Number(values.unit),
    boot: Number(values.boot),
    seq: Number(values.seq),
    messages,
  };
  const bytes = encodeFrame(frame, unitKey(values), fixContextOf(values, lang));
  return (values.serial ? toSerial(bytes) : bytes).toString('hex');
}

function decode(hex: string, values: Values, lang: Lang): unknown {
  const ctx = fixContextOf(values, lang);
  let bytes = hexField(hex.replace(/\s+/g, ''), 'hex');
  if (values.serial) bytes = fromSerial(bytes[bytes.length - 1] === 0 ? bytes.subarray(0, -1) : bytes);
  if (frameKind(bytes) === 'signed') {
    if (values['district-key'] === undefined) return { verified: false, ...readSigned(bytes), signature: undefined };
    return { verified: true, ...openSigned(bytes, [publicKeyFromRaw(hexField(values['district-key'], '--district-key'))]) };
  }
  const { messages, ...header } = decodeFrame(bytes, unitKey(values), ctx);
  return {
    ...header,
    messages: messages.map((m) => {
      if (m.type !== 'command') return messageToJson(m);
      try {
        return { ...messageToJson(m), command: readSigned(m.signed).body };
      } catch {
        return messageToJson(m);
      }
    }),
  };
}

/** Bytes per message type on MQTT and on serial (header, tag and framing included) beside the same content as JSON. */
export function sizeTable(): { name: string; mqtt: number; serial: number; json: number }[] {
  const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
  const rows = Object.entries(frameCases).map(([name, frame]) => {
    const bytes = encodeFrame(frame, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
    const { messages, ...header } = frame;
    return { name, mqtt: bytes.length, serial: toSerial(bytes).length, json: Buffer.byteLength(JSON.stringify({ ...header, messages: messages.map(messageToJson) })) };
  });
  for (const [name, body] of Object.entries(signedCases)) {
    const bytes = signObject(body, districtKey);
    rows.push({ name: `signed ${name}`, mqtt: bytes.length, serial: bytes.length <= 2048 ? toSerial(bytes).length : NaN, json: Buffer.byteLength(JSON.stringify(body)) });
  }
  return rows;
}

function sizes(lang: Lang): string {
  const head = pick(lang, { vi: 'tin                          MQTT  nối tiếp  JSON', en: 'message                      MQTT  serial    JSON' });
  return [head, ...sizeTable().map((r) => `${r.name.padEnd(28)} ${String(r.mqtt).padStart(4)}  ${String(r.serial).padStart(8)}  ${String(r.json).padStart(4)}`)].join('\n');
}
