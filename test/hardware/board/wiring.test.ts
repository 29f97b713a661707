import { describe, expect, it } from 'vitest';
import { validateHardwareConfig } from '../../../hardware/board/config.js';
import { boardProfileNames } from '../../../hardware/board/profiles.js';
import { renderWiringTable } from '../../../hardware/board/wiring.js';

describe('renderWiringTable', () => {
  it('renders the Pi 4 defaults with BCM and header pins', () => {
    const md = renderWiringTable('pi-4');
    expect(md).toContain('### Wiring: Raspberry Pi 4 Model B (`pi-4`)');
    expect(md).toContain('| Function | BCM | Header pin | Notes |');
    expect(md).toMatch(/\| Amplifier relay IN \| GPIO 17 \| 11 \| relay module active low/);
    expect(md).toMatch(/\| Button: play \| GPIO 5 \| 29 \|/);
    expect(md).toMatch(/\| Button: volume down \| GPIO 26 \| 37 \|/);
    expect(md).toMatch(/\| Status LED \| GPIO 27 \| 13 \|/);
    expect(md).toMatch(/\| GNSS TX → Pi RXD \| GPIO 15 \| 10 \| \/dev\/serial0, 9600 baud \|/);
    expect(md).toMatch(/\| Battery voltage \(divider\) \| A0 \| × 4 \| → mV \|/);
    expect(md).toMatch(/\| Solar panel current \| A3 \| × 5\.4054 \| − 13513\.5 → mA \|/);
    expect(md).toContain('`/dev/ttyACM0` at 57600 baud');
    expect(md).toContain('amixer -c Headphones sset PCM');
  });

  it.each(boardProfileNames)('%s: every table row has four cells', (name) => {
    for (const line of renderWiringTable(name).split('\n').filter((l) => l.startsWith('|'))) {
      expect(line.split(' | ')).toHaveLength(4);
    }
  });

  it('follows a configuration: moved pins, no extra button, no LED', () => {
    const config = validateHardwareConfig({ profile: 'pi-zero-2w', relay: { pin: 23, activeLow: false }, buttons: { extra: null }, statusLed: { pin: null } });
    const md = renderWiringTable(config);
    expect(md).toMatch(/\| Amplifier relay IN \| GPIO 23 \| 16 \| relay module active high/);
    expect(md).not.toContain('Button: extra');
    expect(md).not.toContain('Status LED');
    expect(md).toContain('no analogue audio output');
  });
});
