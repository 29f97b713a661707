/**
 * The play under way, kept on the card, so that a power cut does not lose the one play a report most needs.
 *
 * When a clip's sound starts, the play so far (clip, start time and its source, position, trigger, volume, 0 s)
 * becomes a checkpoint in the store; while it plays its seconds are refreshed every `periodMs` of playing time (the
 * clock the play's own `seconds` come from); the play's record, at its end, deletes the checkpoint in the same
 * transaction. At the next start, before anything plays, {@link recoverPowerLostPlays} turns a checkpoint left
 * behind into a `power-lost` play in the outbox, its seconds short of the truth by less than one period.
 *
 * The period, 5 s: each refresh is one small UPDATE, one WAL commit of one 4 KiB page (4,120 bytes measured) and an
 * fsync. That is 720 commits, about 3 MB, per hour of broadcast, and nothing while idle or paused: a cart
 * broadcasting 4 h a day writes some 12 MB a day, 4.3 GB a year, against the 16 TB a 16 GB card takes before it
 * wears out (1,000 cycles): 0.03 % of its life a year, 0.3 % with a tenfold write amplification inside the card. A
 * 1 s period would cost five times that for a precision no report needs (plays are summed in minutes).
 */
import { encodeMessage, type DurableRecord, type PlayRecord, type Stamp } from '../../protocol/index.js';
import type { CartStore, DurableRecordInput } from '../store/index.js';
import type { Player, PlayInput, PlaySoFar } from './player.js';

/** Seconds of playing time between two refreshes of a checkpoint: a recovered play is this much short at most. */
export const CHECKPOINT_PERIOD_S = 5;

export interface PlayCheckpointsOptions {
  player: Player;
  store: Pick<CartStore, 'openPlayCheckpoint' | 'refreshPlayCheckpoint'>;
  /** This start's boot counter: checkpoint tokens (`boot.n`) are then never reused. */
  boot: number;
  /**
   * Keeps a play's record, and deletes its checkpoint (`checkpoint`, when it had one) in the same transaction:
   * `store.appendDurable([play], { clearCheckpoints: [checkpoint] })`.
   */
  keep: (play: PlayInput, checkpoint: string | undefined) => void;
  /** A checkpoint write failed (the play goes on; its record is kept at its end all the same). */
  onError: (err: unknown) => void;
  /** Playing time between refreshes, ms (default {@link CHECKPOINT_PERIOD_S}). */
  periodMs?: number;
  /** How many times faster than real time the playing clock runs (the simulators' `--speed`); default 1. */
  speed?: number;
}

/** Keeps the checkpoint of the play under way; every play's record goes through it (`keep`). */
export class PlayCheckpoints {
  readonly #o: PlayCheckpointsOptions;
  #current: { token: string; play: PlaySoFar; keptMs: number } | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #plays = 0;
  readonly #onStarted = (play: PlaySoFar): void => this.#started(play);
  readonly #onPlay = (play: PlayInput): void => this.#ended(play);

  constructor(options: PlayCheckpointsOptions) {
    this.#o = options;
  }

  start(): void {
    const period = this.#o.periodMs ?? CHECKPOINT_PERIOD_S * 1000;
    const speed = this.#o.speed ?? 1;
    if (!(period > 0 && Number.isFinite(period))) throw new RangeError(`periodMs must be a number of ms > 0, got ${String(this.#o.periodMs)}`);
    if (!(speed > 0 && Number.isFinite(speed))) throw new RangeError(`speed must be a number > 0, got ${String(this.#o.speed)}`);
    this.#o.player.on('started', this.#onStarted);
    this.#o.player.on('play', this.#onPlay);
  }

  /** Stops the refreshes. A checkpoint still open stays in the store: call it after the player has stopped. */
  stop(): void {
    this.#o.player.off('started', this.#onStarted);
    this.#o.player.off('play', this.#onPlay);
    clearInterval(this.#timer);
    this.#current = null;
  }

  #started(play: PlaySoFar): void {
    clearInterval(this.#timer);
    const token = `${this.#o.boot}.${++this.#plays}`;
    this.#current = { token, play, keptMs: 0 };
    // Called at once, not after an await: the store runs its work in call order, so this insert (and every refresh)
    // is committed before the play's record deletes it.
    this.#o.store.openPlayCheckpoint(token, play).catch(this.#o.onError);
    const realMs = (this.#o.periodMs ?? CHECKPOINT_PERIOD_S * 1000) / (this.#o.speed ?? 1);
    this.#timer = setInterval(() => this.#refresh(), realMs);
  }

  #refresh(): void {
    const c = this.#current;
    if (c === null) return;
    const ms = this.#o.player.playedMs;
    if (ms === c.keptMs) return; // paused: nothing new to keep
    c.keptMs = ms;
    const play: PlaySoFar = { ...c.play, seconds: Math.floor(ms / 100) / 10, volume: this.#o.player.volume };
    this.#o.store.refreshPlayCheckpoint(c.token, play).catch(this.#o.onError);
  }

  #ended(play: PlayInput): void {
    clearInterval(this.#timer);
    const token = this.#current?.token;
    this.#current = null;
    this.#o.keep(play, token);
  }
}

/**
 * At a start, before anything plays: every checkpoint left behind becomes a `power-lost` play with the seconds it
 * last kept, appended with the checkpoints' deletion in one transaction (a second start finds none). A checkpoint
 * that cannot be read back becomes a `storage` event instead. Resolves the records appended.
 */
export async function recoverPowerLostPlays(store: Pick<CartStore, 'playCheckpoints' | 'appendDurable'>, stamp: () => Stamp): Promise<DurableRecord[]> {
  const left = await store.playCheckpoints();
  if (left.length === 0) return [];
  const records: DurableRecordInput[] = left.map((c) => {
    const play: Omit<PlayRecord, 'record'> | null = c.play === null ? null : { ...c.play, type: 'play', outcome: 'power-lost' };
    if (play !== null && encodes({ ...play, record: 0 })) return play;
    return { type: 'event', at: stamp(), kind: 'storage', code: 'checkpoint-unreadable', detail: `a play cut by a power loss could not be read back: ${c.text.slice(0, 800)}` };
  });
  return store.appendDurable(records, { clearCheckpoints: left.map((c) => c.token) });
}

function encodes(play: PlayRecord): boolean {
  try {
    encodeMessage(play);
    return true;
  } catch {
    return false;
  }
}
