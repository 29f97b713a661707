// Which listeners speak TLS, and what the configuration refuses: plain is the default on loopback only.
import { describe, expect, it } from 'vitest';
import { bundleBrokerUrl, bundleContentUrl, ConfigError, usesTls, validateControllerConfig } from '../../../controller/app/config.js';
import { serverNames } from '../../../controller/tls/district-tls.js';

function problems(input: unknown): string[] {
  try {
    validateControllerConfig(input);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('TLS in the configuration', () => {
  it('is off on loopback (the demo, a trial on one machine) and on for a listener on the network', () => {
    const local = validateControllerConfig(undefined);
    expect(usesTls(local)).toBe(false);
    expect(bundleBrokerUrl(local)).toBe('mqtt://127.0.0.1:1883');
    const open = validateControllerConfig({ broker: { embedded: { host: '0.0.0.0', port: 8883 } }, http: { host: '0.0.0.0', port: 8443 }, publicUrls: { broker: 'mqtts://10.0.0.5:8883', content: 'https://10.0.0.5:8443' } });
    expect(open.broker).toMatchObject({ embedded: { tls: true, clientCertificates: false } });
    expect(open.http.tls).toBe(true);
    expect(usesTls(open)).toBe(true);
    expect(bundleContentUrl(validateControllerConfig({ http: { host: '10.0.0.5', port: 8443 } }))).toBe('https://10.0.0.5:8443');
    expect(serverNames(open)).toEqual(['localhost', '127.0.0.1', '::1', '10.0.0.5']);
  });

  it('takes "tls": false on the network when said so, and "tls": true on loopback', () => {
    const plain = validateControllerConfig({ http: { host: '0.0.0.0', tls: false } });
    expect(plain.http.tls).toBe(false);
    expect(validateControllerConfig({ broker: { embedded: { port: 0, tls: true } } }).broker).toMatchObject({ embedded: { tls: true } });
  });

  it('refuses a public address whose scheme the listener does not speak, and client certificates without TLS', () => {
    expect(problems({ http: { host: '0.0.0.0' }, publicUrls: { content: 'http://10.0.0.5:8080' } })).toEqual([
      'publicUrls.content: http://10.0.0.5:8080 does not match the listener (TLS on): write https://10.0.0.5:8080',
    ]);
    expect(problems({ broker: { embedded: { tls: false, clientCertificates: true } } })).toEqual([
      'broker.embedded.clientCertificates: needs "tls": true (carts present certificates only over TLS)',
    ]);
    expect(problems({ http: { tls: 'yes' } })).toEqual(['http.tls: "yes" must be true or false']);
  });

  it('keeps Mosquitto\'s TLS files where files.tlsDir says', () => {
    const c = validateControllerConfig({ broker: { url: 'mqtt://127.0.0.1:1883', username: 'loa_controller', password: 'controller-secret-1', files: { passwordFile: '/p', aclFile: '/a', tlsDir: '/etc/mosquitto/loa-tls' } } });
    expect(usesTls(c)).toBe(true);
  });
});
