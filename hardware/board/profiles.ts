/**
 * Board profiles: the pins and devices a cart uses on each supported Raspberry Pi, with their defaults. All three
 * boards share the 40-pin header, so the default pin map is the same; they differ in audio and in how the Arduino
 * power board is usually attached. Pins are BCM (Broadcom GPIO) numbers, as onoff and the kernel use them; the
 * physical header pin is given beside each for the wiring table.
 *
 * The default pins keep clear of the GNSS UART (BCM 14/15), I2C (BCM 2/3, for an RTC or a DAC's codec), SPI0
 * (BCM 7–11) and I2S (BCM 18–21, for an I2S DAC on a Pi Zero 2 W).
 */

export type BoardProfileName = 'pi-zero-2w' | 'pi-3' | 'pi-4';
export const boardProfileNames: readonly BoardProfileName[] = ['pi-zero-2w', 'pi-3', 'pi-4'];

/** BCM GPIO → physical pin on the 40-pin header (identical on Pi Zero 2 W, Pi 3 B/B+ and Pi 4 B). */
export const header40: Readonly<Record<number, number>> = {
  0: 27, 1: 28, 2: 3, 3: 5, 4: 7, 5: 29, 6: 31, 7: 26, 8: 24, 9: 21, 10: 19, 11: 23, 12: 32, 13: 33,
  14: 8, 15: 10, 16: 36, 17: 11, 18: 12, 19: 35, 20: 38, 21: 40, 22: 15, 23: 16, 24: 18, 25: 22, 26: 37, 27: 13,
};

/** Physical header pins that are not GPIOs, for the wiring table. */
export const headerPower = { v3_3: [1, 17], v5: [2, 4], ground: [6, 9, 14, 20, 25, 30, 34, 39] } as const;

export interface ReservedPin {
  bcm: number;
  use: string;
}

export interface BoardProfile {
  name: BoardProfileName;
  title: string;
  /** Usable GPIOs, BCM: `min`–`max` (BCM 0/1 are the HAT EEPROM bus and are left alone). */
  gpio: { min: number; max: number };
  /** Pins the board's own functions use; a button or relay there is refused. */
  reserved: readonly ReservedPin[];
  pins: {
    relay: number;
    statusLed: number;
    buttons: { play: number; next: number; volumeUp: number; volumeDown: number; extra: number };
  };
  audio: {
    /** ALSA PCM device for aplay `-D`. */
    device: string;
    /** ALSA card for amixer `-c`. */
    mixerCard: string;
    /** Simple mixer control that sets the output volume. */
    mixerControl: string;
    note: string;
  };
  gnss: { path: string; baudRate: number };
  powerBoard: { path: string; baudRate: number; note: string };
}

const commonPins: BoardProfile['pins'] = {
  relay: 17,
  statusLed: 27,
  buttons: { play: 5, next: 6, volumeUp: 13, volumeDown: 26, extra: 22 },
};

const uart: readonly ReservedPin[] = [
  { bcm: 14, use: 'GNSS UART TXD (/dev/serial0)' },
  { bcm: 15, use: 'GNSS UART RXD (/dev/serial0)' },
];

// /dev/serial0 is the PL011 UART on the header only when Bluetooth is moved off it (`dtoverlay=disable-bt` or
// `miniuart-bt` in config.txt); otherwise it is the mini UART, whose speed drifts with the core clock.
const gnss = { path: '/dev/serial0', baudRate: 9600 };

/** The Pi 3 and Pi 4 analogue output. */
const headphoneJack = {
  device: 'plughw:CARD=Headphones,DEV=0',
  mixerCard: 'Headphones',
  mixerControl: 'PCM',
  note: 'The 3.5 mm jack: ALSA card "Headphones", mixer control "PCM" (called "Headphone" on older images).',
};

/** An Arduino on one of the Pi 3/4's full-size USB ports. */
const unoOnUsb = {
  path: '/dev/ttyACM0',
  baudRate: 57_600,
  note: 'An Arduino Uno (its own USB chip) shows as /dev/ttyACM0; a CH340 clone as /dev/ttyUSB0.',
};

export const boardProfiles: Readonly<Record<BoardProfileName, BoardProfile>> = {
  'pi-zero-2w': {
    name: 'pi-zero-2w',
    title: 'Raspberry Pi Zero 2 W',
    gpio: { min: 2, max: 27 },
    reserved: uart,
    pins: commonPins,
    audio: {
      device: 'plughw:CARD=Device,DEV=0',
      mixerCard: 'Device',
      mixerControl: 'Speaker',
      note:
        'The Pi Zero 2 W has no analogue audio output. The default is a USB sound card with a C-Media chip ' +
        '(ALSA card "Device", mixer control "Speaker"), plugged through the OTG adapter or a hub; check yours with ' +
        '`aplay -L` and `amixer -c Device scontrols`. An I2S DAC HAT works too (it uses BCM 18–21, left free here).',
    },
    gnss,
    powerBoard: {
      path: '/dev/ttyUSB0',
      baudRate: 57_600,
      note: 'An Arduino Nano clone (CH340 USB chip) on the USB hub shows as /dev/ttyUSB0.',
    },
  },
  'pi-3': {
    name: 'pi-3',
    title: 'Raspberry Pi 3 Model B / B+',
    gpio: { min: 2, max: 27 },
    reserved: uart,
    pins: commonPins,
    audio: headphoneJack,
    gnss,
    powerBoard: unoOnUsb,
  },
  'pi-4': {
    name: 'pi-4',
    title: 'Raspberry Pi 4 Model B',
    gpio: { min: 2, max: 27 },
    reserved: uart,
    pins: commonPins,
    audio: headphoneJack,
    gnss,
    powerBoard: unoOnUsb,
  },
};

export function isBoardProfileName(name: unknown): name is BoardProfileName {
  return typeof name === 'string' && (boardProfileNames as readonly string[]).includes(name);
}

/** Physical header pin of a BCM GPIO, or undefined when it is not on the header. */
export function physicalPin(bcm: number): number | undefined {
  return header40[bcm];
}
