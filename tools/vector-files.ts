/**
 * Every file of protocol/vectors/, name → text, made by running the real encoder and decoder on the cases of
 * tools/vector-cases.ts, vector-edges.ts and vector-rejects.ts. Deterministic (HMAC and Ed25519 both are): the
 * tests compare this with the committed files, so a vector is never edited by hand.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  decodeFrame,
  encodeFrame,
  messageToJson,
  openSigned,
  privateKeyFromSeed,
  signObject,
  toSerial,
  type FixContext,
  type Frame,
  type Message,
  type ReplayState,
} from '../protocol/index.js';
import { encodeReceipt, sealSummary, summaryTopic } from '../protocol/summary.js';
import { contextCases, frameCases, frameNotes, receiptCase, signedCases, summaryCases, TEST_DISTRICT_PUBLIC, TEST_DISTRICT_SEED, TEST_FIX_CONTEXT, TEST_UNIT_KEY } from './vector-cases.js';
import { edgeFrames } from './vector-edges.js';
import { formatOrigin, formatVector, type VectorFields } from './vector-format.js';
import { deframe, refusal } from './vector-receiver.js';
import { rejectCases } from './vector-rejects.js';

const unitKey = TEST_UNIT_KEY.toString('hex');

/** `origin` (left out for a cart without one: 0, 0) and `now`, for a frame that carries a fix. */
function fixLines(frame: Frame, ctx: FixContext): VectorFields {
  if (!(frame.messages as readonly Message[]).some((m) => m.type === 'fix')) return {};
  const lines: VectorFields = {};
  if (ctx.origin.lat !== 0 || ctx.origin.lon !== 0) lines.origin = formatOrigin(ctx.origin);
  lines.now = String(ctx.now);
  return lines;
}

interface FrameExtra {
  replayState?: ReplayState;
  made?: string;
  reencoded?: Buffer;
  stream?: Buffer;
}

function frameFile(what: string, frame: Frame, ctx: FixContext, bytes: Buffer, extra: FrameExtra = {}): string {
  const lines: VectorFields = { what, 'unit-key': unitKey, ...fixLines(frame, ctx) };
  if (extra.replayState !== undefined) lines['replay-state'] = JSON.stringify(extra.replayState);
  Object.assign(lines, {
    header: JSON.stringify({ kind: frame.kind, unit: frame.unit, boot: frame.boot, seq: frame.seq }),
    messages: JSON.stringify(frame.messages.map(messageToJson)),
    hex: bytes.toString('hex'),
    serial: toSerial(bytes).toString('hex'),
  });
  if (extra.stream !== undefined) Object.assign(lines, streamLines(extra.stream, bytes));
  if (extra.made !== undefined) lines.made = extra.made;
  if (extra.reencoded !== undefined && !extra.reencoded.equals(bytes)) lines.reencoded = extra.reencoded.toString('hex');
  return formatVector(lines);
}

/** `stream`, how many times the real deframer finds the frame in it, and how many chunks it drops. */
function streamLines(stream: Buffer, bytes: Buffer): VectorFields {
  const { frames, dropped } = deframe(stream);
  if (!frames.every((f) => f.equals(bytes))) throw new Error('a vector stream must carry only its own frame');
  return { stream: stream.toString('hex'), found: String(frames.length), dropped: String(dropped.badCrc + dropped.badCobs + dropped.tooLong) };
}

const what = (name: string): string => (frameNotes[name] === undefined ? 'tagged frame' : `tagged frame: ${frameNotes[name]}`);

/** A value as its JSON reads back: what a vector file can state. */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const frameJson = (f: Frame): unknown => asJson({ ...f, messages: f.messages.map(messageToJson) });

/**
 * The case, once the real decoder has read `bytes` back to the same values (key order aside: the file keeps the
 * case's order); a case whose values do not survive the wire is a broken case.
 */
function decodedAs(name: string, frame: Frame, bytes: Buffer, ctx: FixContext): Frame {
  const decoded = decodeFrame(bytes, TEST_UNIT_KEY, ctx);
  if (!isDeepStrictEqual(frameJson(decoded), frameJson(frame))) {
    throw new Error(`frame-${name}: decodes to ${JSON.stringify(frameJson(decoded))}, not to its case`);
  }
  return frame;
}

function frameFiles(out: Map<string, string>): void {
  const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
  const down: Frame = { kind: 'district', unit: 7, boot: 3, seq: 78, messages: [{ type: 'command', signed: signObject(signedCases['command-set-volume']!, districtKey) }] };
  const cases = [
    ...Object.entries({ ...frameCases, 'command-down': down }).map(([name, frame]) => ({ name, frame, context: TEST_FIX_CONTEXT, replayState: undefined })),
    ...Object.entries(contextCases).map(([name, c]) => ({ name, frame: c.frame, context: c.context ?? TEST_FIX_CONTEXT, replayState: c.replayState })),
  ];
  for (const { name, frame, context, replayState } of cases) {
    const bytes = encodeFrame(frame, TEST_UNIT_KEY, context);
    out.set(`frame-${name}`, frameFile(what(name), decodedAs(name, frame, bytes, context), context, bytes, { replayState }));
  }
  // Frames built from bytes (vector-edges.ts): the file states what the real decoder reads, and what it writes back.
  for (const [name, edge] of Object.entries(edgeFrames)) {
    const frame = decodeFrame(edge.bytes, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
    const reencoded = encodeFrame(frame, TEST_UNIT_KEY, TEST_FIX_CONTEXT);
    out.set(`frame-${name}`, frameFile(edge.what, frame, TEST_FIX_CONTEXT, edge.bytes, { made: edge.made, reencoded, stream: edge.stream }));
  }
}

function signedFiles(out: Map<string, string>): void {
  const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
  for (const [name, body] of Object.entries(signedCases)) {
    const bytes = signObject(body, districtKey);
    const opened = openSigned(bytes, [districtKey]).body;
    if (!isDeepStrictEqual(asJson(opened), asJson(body))) throw new Error(`signed-${name}: opens as ${JSON.stringify(opened)}, not as its case`);
    out.set(`signed-${name}`, formatVector({ what: 'district-signed object', 'district-public-key': TEST_DISTRICT_PUBLIC, body: JSON.stringify(body), hex: bytes.toString('hex') }));
  }
  for (const [name, { header, body }] of Object.entries(summaryCases)) {
    out.set(`summary-${name}`, formatVector({
      what: 'signed summary (area to province hub)',
      'district-public-key': TEST_DISTRICT_PUBLIC,
      topic: summaryTopic(header.area, header.kind, header.day ?? undefined),
      header: JSON.stringify(header),
      body: JSON.stringify(body),
      hex: sealSummary(header, body, districtKey).toString('hex'),
    }));
  }
  const receipt = encodeReceipt(receiptCase);
  out.set('summary-receipt', formatVector({ what: 'summary receipt (hub to area, unsigned)', json: receipt.toString('utf8'), hex: receipt.toString('hex') }));
}

/** A reject vector records what the real receiver refuses it with; one that is accepted is a broken case. */
function rejectFiles(out: Map<string, string>): void {
  for (const [name, c] of Object.entries(rejectCases())) {
    const refused = refusal(c.fields);
    if (refused === null) throw new Error(`reject-${name}: the decoder accepts it (${c.made}); fix the case or the decoder`);
    const lines: VectorFields = { what: `refused: ${c.what}`, made: c.made, ...c.fields, error: refused.error };
    if (refused.verdict !== undefined) lines.verdict = refused.verdict;
    out.set(`reject-${name}`, formatVector(lines));
  }
}

/** Every vector file, name (without `.txt`) → text. */
export function vectorFiles(): Map<string, string> {
  const out = new Map<string, string>();
  frameFiles(out);
  signedFiles(out);
  rejectFiles(out);
  return out;
}
