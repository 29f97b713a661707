import { describe, expect, it } from 'vitest';
import { controllerConfigSchema, DEFAULT_CONFIG, validateControllerConfig } from '../../../controller/app/config.js';
import { ConfigError } from '../../../lib/config-error.js';
import { problems } from '../../support/config-problems.js';


describe('validateControllerConfig', () => {
  it('fills what is left out with the defaults, and trims a public URL', () => {
    expect(validateControllerConfig(undefined)).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({ district: { id: 'trieu-son', origin: { lat: 19.82, lon: 105.6 } }, broker: { embedded: { port: 1883, host: '127.0.0.1', tls: false } }, serial: null });
    const c = validateControllerConfig({ publicUrls: { content: 'http://10.0.0.5:8080/' }, serial: { path: '/dev/ttyUSB0' }, broker: { url: 'mqtt://10.0.0.2', username: 'loa', password: 'mat-khau-dai' } });
    expect(c.publicUrls.content).toBe('http://10.0.0.5:8080');
    expect(c.serial).toEqual({ path: '/dev/ttyUSB0', baudRate: 57_600 });
    expect(c.broker).toEqual({ url: 'mqtt://10.0.0.2', username: 'loa', password: 'mat-khau-dai', files: null });
  });

  it('keeps the release keys carts pin (none by default) and refuses one that is not a public key', () => {
    expect(DEFAULT_CONFIG.releases).toEqual({ keys: [] });
    const key = 'ab'.repeat(32);
    expect(validateControllerConfig({ releases: { keys: [key] } }).releases.keys).toEqual([key]);
    expect(problems({ releases: { keys: ['not-a-key'], key: [] } }).map((p) => p.path)).toEqual(['releases.key', 'releases.keys[0]']);
  });

  it('refuses half an origin, in both languages, and a misspelt key with a "did you mean"', () => {
    expect(problems({ district: { origin: { lat: 19.8 } }, manifestExpiryDay: 30 })).toEqual([
      {
        path: '(file).manifestExpiryDay',
        message: expect.stringMatching(/^is not a known setting; did you mean "manifestExpiryDays"\? \(known: district, dataDir,/),
        vi: expect.stringMatching(/^không phải một mục cấu hình; có phải là "manifestExpiryDays"\?/),
      },
      { path: 'district.origin.lon', message: 'nothing must be a number of degrees from -180 to 180', vi: 'thiếu, cần một số độ từ -180 đến 180' },
    ]);
  });

  it('never repeats a password it refuses', () => {
    const [p] = problems({ broker: { url: 'mqtt://10.0.0.2', username: 'loa', password: 'ngan-7!' } });
    expect(p).toEqual({ path: 'broker.password', message: 'a secret of 7 characters must be a string of at least 8 characters', vi: 'chuỗi bí mật 7 ký tự không hợp lệ, cần một chuỗi ít nhất 8 ký tự' });
  });

  it('is JSON Schema with its defaults, for the documentation', () => {
    const schema = JSON.parse(JSON.stringify(controllerConfigSchema));
    expect(schema.properties.http.properties.port).toEqual({ type: 'integer', minimum: 0, maximum: 65_535, default: 8080 });
    expect(schema.additionalProperties).toBe(false);
  });
});
