// The program the systemd-notify test watches through a fake NOTIFY_SOCKET. Plain JavaScript on the COMPILED
// notifier (dist/), as the installed program runs it. Usage: node systemd-notify-child.mjs <block-after-ms> <block-ms>
//
// It says READY, pings the watchdog, blocks its event loop with a synchronous loop for <block-ms> after
// <block-after-ms>, and on SIGTERM says STOPPING and exits. It prints "block start", "block end" and "bye" on stdout.
import { SystemdNotifier } from '../../dist/lib/systemd-notify.js';

const [blockAfter, blockFor] = process.argv.slice(2).map(Number);
const out = (line) => process.stdout.write(`${line}\n`); // synchronous on a pipe on Linux
const notifier = new SystemdNotifier({ log: (m) => process.stderr.write(`${m}\n`) });
notifier.ready('Sẵn sàng');
notifier.startWatchdog();

// Something to keep the process alive: the watchdog timer is unref'ed and keeps nothing alive by itself.
const alive = setInterval(() => {}, 1000);
setTimeout(() => {
  out('block start');
  const until = Date.now() + blockFor;
  while (Date.now() < until) {
    // A runaway synchronous task: no timer of this process runs, so no WATCHDOG=1 leaves it.
  }
  out('block end');
}, blockAfter);

process.once('SIGTERM', () => {
  notifier.stopping();
  notifier.close();
  clearInterval(alive);
  out('bye');
});
