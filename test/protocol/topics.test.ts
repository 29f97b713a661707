import { describe, expect, it } from 'vitest';
import { announceTopic, districtSubscriptions, parseTopic, unitTopic } from '../../protocol/index.js';

describe('MQTT topics', () => {
  it('builds and parses the layout', () => {
    const up = unitTopic('trieu-son', 'dan-luc-01', 'up');
    expect(up).toBe('loa/v1/trieu-son/unit/dan-luc-01/up');
    expect(parseTopic(up)).toEqual({ kind: 'unit', district: 'trieu-son', unit: 'dan-luc-01', channel: 'up' });
    expect(parseTopic(announceTopic('trieu-son'))).toEqual({ kind: 'announce', district: 'trieu-son' });
    expect(districtSubscriptions('trieu-son')).toEqual(['loa/v1/trieu-son/unit/+/up', 'loa/v1/trieu-son/unit/+/status']);
  });

  it('refuses names that would escape their level or match wildcards', () => {
    for (const bad of ['a/b', '+', '#', 'Dân-Lực', '', '-x']) expect(() => unitTopic('trieu-son', bad, 'up'), bad).toThrow(/may only use/);
    expect(parseTopic('loa/v1/trieu-son/unit/+/up')).toBeUndefined();
    expect(parseTopic('loa/v1/trieu-son/unit/a/b/up')).toBeUndefined();
  });
});
