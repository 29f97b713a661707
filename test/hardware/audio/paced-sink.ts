// A stand-in for a sound card's clock, for real aplay tests. ALSA's `null` device swallows sound as fast as aplay
// can write it (a 60 s WAV "plays" in about 5 ms here), so it cannot show pausing, stopping mid-play or a real
// duration. This sink gives aplay the ALSA `file` plugin writing into a FIFO (`-D file:'<fifo>',raw`), and reads
// the FIFO at the sound's byte rate, so aplay is held back as a card would hold it back. Two things differ from a
// card: the pipe buffer (64 KiB) and the plugin's buffer let aplay run ahead of the reader by a fraction of a
// second, and after SIGTERM aplay flushes what it has into the FIFO before it exits.
import { execFileSync } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export class PacedSink {
  readonly device: string;
  readonly #fifo: string;
  readonly #bytesPerSecond: number;
  #handle: FileHandle | undefined;
  #running = true;
  #loop: Promise<void>;

  constructor(dir: string, bytesPerSecond: number) {
    this.#fifo = join(dir, 'sink.fifo');
    execFileSync('mkfifo', [this.#fifo]);
    this.device = `file:'${this.#fifo}',raw`;
    this.#bytesPerSecond = bytesPerSecond;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const buf = Buffer.alloc(64 * 1024);
    while (this.#running) {
      // Opening a FIFO for reading waits for a writer: each aplay run opens it once.
      this.#handle = await open(this.#fifo, 'r');
      // Like a card, it takes sound at its rate and never catches up on time it had nothing to take (a pause).
      let last = performance.now();
      let owed = 0;
      while (this.#running) {
        await new Promise((r) => setTimeout(r, 10));
        const now = performance.now();
        owed += ((now - last) / 1000) * this.#bytesPerSecond;
        last = now;
        const want = Math.min(Math.floor(owed), buf.length);
        if (want <= 0) continue;
        const { bytesRead } = await this.#handle.read(buf, 0, want);
        if (bytesRead === 0) break; // the writer closed
        owed = Math.max(0, owed - bytesRead);
        if (bytesRead < want) owed = 0; // the pipe ran dry: that time is lost, as on a card
      }
      await this.#handle.close();
      this.#handle = undefined;
    }
  }

  /** Stops reading. Opens the FIFO once as a writer so a reader still waiting in open() returns. */
  async close(): Promise<void> {
    this.#running = false;
    const unblock = await open(this.#fifo, 'w');
    await unblock.close();
    await this.#loop.catch(() => undefined);
  }
}
