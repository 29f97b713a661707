/**
 * The wiring table of a cart, as Markdown, from a board profile's defaults or from a validated configuration: what
 * goes to which BCM GPIO and which physical header pin, then the Arduino power board's analog inputs and the audio.
 */
import type { HardwareConfig } from './config.js';
import { defaultHardwareConfig } from './config.js';
import { boardProfiles, headerPower, isBoardProfileName, physicalPin, type BoardProfileName } from './profiles.js';

type Row = [what: string, bcm: string, header: string, notes: string];

function gpioRow(what: string, bcm: number | null, notes: string): Row | undefined {
  if (bcm === null) return undefined;
  return [what, `GPIO ${bcm}`, String(physicalPin(bcm) ?? '—'), notes];
}

function table(head: Row, rows: readonly Row[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Renders the wiring table of `source` (a profile name, for its defaults, or a complete configuration). */
export function renderWiringTable(source: BoardProfileName | HardwareConfig): string {
  const config = typeof source === 'string' ? defaultHardwareConfig(source) : source;
  if (!isBoardProfileName(config.profile)) {
    throw new RangeError(`renderWiringTable: unknown board profile ${JSON.stringify(config.profile)}`);
  }
  const profile = boardProfiles[config.profile];
  const b = config.buttons;
  const press = b.activeLow ? 'other leg to GND; pull-up on (`gpio=…=ip,pu` in config.txt)' : 'other leg to 3.3 V; pull-down on';
  const rows = [
    gpioRow('Amplifier relay IN', config.relay.pin, `relay module ${config.relay.activeLow ? 'active low (on = LOW)' : 'active high (on = HIGH)'}; VCC 5 V, GND`),
    gpioRow('Button: play', b.play, press),
    gpioRow('Button: next', b.next, press),
    gpioRow('Button: volume up', b.volumeUp, press),
    gpioRow('Button: volume down', b.volumeDown, press),
    gpioRow('Button: extra', b.extra, press),
    gpioRow('Status LED', config.statusLed.pin, 'anode through 330 Ω, cathode to GND'),
    ['GNSS TX → Pi RXD', 'GPIO 15', String(physicalPin(15)), `${config.gnss.path}, ${config.gnss.baudRate} baud`],
    ['GNSS RX ← Pi TXD', 'GPIO 14', String(physicalPin(14)), 'optional (only to configure the receiver)'],
    ['3.3 V', '—', headerPower.v3_3.join(', '), 'GNSS VCC when it is a 3.3 V module'],
    ['5 V', '—', headerPower.v5.join(', '), 'relay module VCC'],
    ['GND', '—', headerPower.ground.join(', '), 'common ground with the relay, buttons, GNSS and Arduino'],
  ].filter((row): row is Row => row !== undefined);

  const cal = config.powerBoard.calibration;
  const channel = (what: string, c: { pin: string; scale: number; offset: number }, unit: string): Row => [
    what,
    c.pin,
    `× ${+c.scale.toFixed(4)}`,
    `${c.offset === 0 ? '' : `${c.offset > 0 ? '+' : '−'} ${+Math.abs(c.offset).toFixed(1)} `}→ ${unit}`,
  ];
  const power = [
    channel('Battery voltage (divider)', cal.batteryVoltage, 'mV'),
    channel('Battery current (+ = charging)', cal.batteryCurrent, 'mA'),
    channel('Solar panel voltage (divider)', cal.solarVoltage, 'mV'),
    channel('Solar panel current', cal.solarCurrent, 'mA'),
  ];

  const battery = config.powerBoard.battery;
  return [
    `### Wiring: ${profile.title} (\`${profile.name}\`)`,
    '',
    table(['Function', 'BCM', 'Header pin', 'Notes'], rows),
    '',
    `Power board: an Arduino with StandardFirmata on \`${config.powerBoard.path}\` at ${config.powerBoard.baudRate} baud ` +
      `(${profile.powerBoard.note}); ADC reference ${config.powerBoard.vrefMv} mV; battery ${battery.chemistry}, ` +
      `${battery.capacityAh} Ah. Each value is the pin's mV × scale + offset.`,
    '',
    table(['Quantity', 'Arduino pin', 'Scale', 'Offset'], power),
    '',
    `Audio: \`aplay -D ${config.audio.device}\`, volume \`amixer -c ${config.volume.card} sset ${config.volume.control}\` ` +
      `(at most ${config.volume.maxPercent} %). ${profile.audio.note}`,
    '',
  ].join('\n');
}
