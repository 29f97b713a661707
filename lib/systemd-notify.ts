/**
 * Tells systemd how a `Type=notify` service is doing (sd_notify(3)): READY=1 once the program can do its work,
 * STATUS= lines for `systemctl status`, STOPPING=1 when it begins to stop, and WATCHDOG=1 pings while it is alive.
 *
 * Everything comes from the environment systemd gives the service: NOTIFY_SOCKET (where to send), WATCHDOG_USEC
 * (the watchdog period) and WATCHDOG_PID (which process the watchdog is for). Without NOTIFY_SOCKET (a terminal, a
 * test, the demo) the notifier does nothing at all and never loads the native addon.
 *
 * The pings come from a timer on the event loop: a loop blocked by a runaway synchronous task sends none, and
 * systemd restarts the program. That is the point of the watchdog, so nothing here may ping from another thread.
 */
import { createRequire } from 'node:module';

/** Sends one datagram `message` to the notification socket `socket` (a path, or `@name` for an abstract socket). */
export type NotifySend = (socket: string, message: string) => void;

export interface SystemdNotifierOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** This process's id, for WATCHDOG_PID. Default: process.pid. */
  pid?: number;
  /** How a datagram is sent. Default: the loa-sd-notify addon, loaded on the first message. */
  send?: NotifySend;
  /** Told once when the addon cannot be loaded, and once when a message cannot be sent. */
  log?: (message: string) => void;
}

/** The loa-sd-notify addon, loaded only when a notification socket is set (CommonJS, so through require). */
function loadAddon(): NotifySend {
  const addon = createRequire(import.meta.url)('loa-sd-notify') as { notify: NotifySend };
  return (socket, message) => addon.notify(socket, message);
}

export class SystemdNotifier {
  readonly #socket: string | undefined;
  readonly #watchdogMs: number | undefined;
  readonly #log: (message: string) => void;
  #send: NotifySend | undefined;
  /** Set once sending is given up (the addon did not load): nothing is tried again. */
  #broken = false;
  #sendFailed = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SystemdNotifierOptions = {}) {
    const env = options.env ?? process.env;
    const socket = env.NOTIFY_SOCKET;
    this.#socket = socket === undefined || socket === '' ? undefined : socket;
    this.#watchdogMs = watchdogPeriodMs(env, options.pid ?? process.pid);
    this.#send = options.send;
    this.#log = options.log ?? (() => {});
  }

  /** True when systemd listens (NOTIFY_SOCKET is set). */
  get enabled(): boolean {
    return this.#socket !== undefined;
  }

  /** How often {@link startWatchdog} pings, in ms; undefined when there is no watchdog for this process. */
  get watchdogIntervalMs(): number | undefined {
    return this.#socket === undefined || this.#watchdogMs === undefined ? undefined : Math.max(1, Math.floor(this.#watchdogMs / 3));
  }

  /** The program can do its work now: `systemctl start` returns, units ordered after it start. */
  ready(status?: string): void {
    this.#notify({ READY: '1', ...(status === undefined ? {} : { STATUS: status }) });
  }

  /** One line for `systemctl status`. */
  status(text: string): void {
    this.#notify({ STATUS: text });
  }

  /** The program has begun to stop: systemd waits for it instead of counting it as failed. */
  stopping(status?: string): void {
    this.#notify({ STOPPING: '1', ...(status === undefined ? {} : { STATUS: status }) });
  }

  /**
   * Pings WATCHDOG=1 every third of the period (so at least twice a period, with room for a slow tick) while the
   * event loop runs. The timer is unref'ed: it never keeps the process alive by itself.
   */
  startWatchdog(): void {
    const every = this.watchdogIntervalMs;
    if (every === undefined || this.#timer !== undefined || this.#closed) return;
    this.#notify({ WATCHDOG: '1' });
    this.#timer = setInterval(() => this.#notify({ WATCHDOG: '1' }), every);
    this.#timer.unref();
  }

  stopWatchdog(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the pings; nothing is sent afterwards. */
  close(): void {
    this.stopWatchdog();
    this.#closed = true;
  }

  #notify(fields: Record<string, string>): void {
    const socket = this.#socket;
    if (socket === undefined || this.#closed || this.#broken) return;
    const send = this.#sender();
    if (send === undefined) return;
    // One field a line: a newline inside a STATUS text would start a field of its own.
    const message = Object.entries(fields)
      .map(([key, value]) => `${key}=${value.replace(/[\r\n]+/g, ' ')}`)
      .join('\n');
    try {
      send(socket, message);
    } catch (err) {
      // Told once: a watchdog ping every few seconds must not flood the journal while systemd is away.
      if (this.#sendFailed) return;
      this.#sendFailed = true;
      this.#log(`cannot notify systemd through ${socket} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); later failures are not logged`);
    }
  }

  #sender(): NotifySend | undefined {
    if (this.#send !== undefined) return this.#send;
    try {
      this.#send = loadAddon();
      return this.#send;
    } catch (err) {
      this.#broken = true;
      this.#log(`NOTIFY_SOCKET is set but the loa-sd-notify addon cannot load (${(err as Error).message}): systemd is not told that the program is ready; reinstall the package (npm ci builds the addon)`);
      return undefined;
    }
  }
}

/** WATCHDOG_USEC in ms, when the watchdog is for this process (WATCHDOG_PID absent or equal to `pid`). */
function watchdogPeriodMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (env.WATCHDOG_USEC === undefined || !Number.isInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec / 1000;
}
