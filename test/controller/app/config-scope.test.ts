// The configuration of a controller's scope (a province, or an area of communes), its reports' heading, and the
// signed daily summaries for the province hub: defaults that keep a 2021 configuration as it was, and one clear
// problem per mistake, with its key path, in both languages.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, validateControllerConfig } from '../../../controller/app/config.js';
import { ConfigError } from '../../../lib/config-error.js';
import { problems } from '../../support/config-problems.js';


const HUB = { url: 'mqtts://hub.thanhhoa.example:8883', username: 'trieu-son', password: 'mat-khau-dai' };

describe('scope', () => {
  it('is by default an area named like the district, in no province, with no heading configured', () => {
    expect(DEFAULT_CONFIG.scope).toEqual({ kind: 'area', name: 'Triệu Sơn', province: null });
    expect(DEFAULT_CONFIG.reportHeading).toBeNull();
    expect(validateControllerConfig({ district: { name: 'Hậu Lộc' } }).scope.name).toBe('Hậu Lộc');
  });

  it('takes a province with its 2-digit code, and an area inside one', () => {
    const p = validateControllerConfig({ scope: { kind: 'province', name: 'Thanh Hóa', province: { code: '38', name: 'Thanh Hóa' } } });
    expect(p.scope).toEqual({ kind: 'province', name: 'Thanh Hóa', province: { code: '38', name: 'Thanh Hóa' } });
    const a = validateControllerConfig({ scope: { name: 'Khu vực Triệu Sơn', province: { name: 'Thanh Hóa' } } });
    expect(a.scope).toEqual({ kind: 'area', name: 'Khu vực Triệu Sơn', province: { code: null, name: 'Thanh Hóa' } });
  });

  it('refuses a province that does not say which, a code that is not 2 digits, and an unknown kind', () => {
    expect(problems({ scope: { kind: 'province' } })).toEqual([
      { path: 'scope.province', message: 'a province controller names its province: { "code": "38", "name": "Thanh Hóa" }', vi: 'bộ điều khiển cấp tỉnh cần ghi tỉnh: { "code": "38", "name": "Thanh Hóa" }' },
    ]);
    expect(problems({ scope: { province: { code: '038', name: 'Thanh Hóa' } } }).map((p) => p.path)).toEqual(['scope.province.code']);
    const [kind] = problems({ scope: { kind: 'district' } });
    expect(kind).toMatchObject({ path: 'scope.kind', message: expect.stringContaining('"province" or "area"'), vi: expect.stringContaining('"province" (tỉnh) hoặc "area" (khu vực)') });
  });
});

describe('reportHeading', () => {
  it('needs at least who the report is addressed to, and says so with an example', () => {
    const [p] = problems({ reportHeading: { issuers: ['CÔNG AN TỈNH THANH HÓA'] } });
    expect(p).toMatchObject({ path: 'reportHeading.addressees', message: expect.stringContaining('["Công an tỉnh Thanh Hóa (PV05)", "Tỉnh đoàn Thanh Hóa"]'), vi: expect.stringContaining('Kính gửi') });
    expect(problems({ reportHeading: { addressees: [] } }).map((p) => p.path)).toEqual(['reportHeading.addressees']);
  });

  it('fills the plan\'s words and the place from the scope, and takes a commune\'s bodies and English words', () => {
    const c = validateControllerConfig({
      scope: { name: 'Xã Dân Lực', province: { code: '38', name: 'Thanh Hóa' } },
      reportHeading: { issuers: ['CÔNG AN XÃ DÂN LỰC', 'ĐOÀN XÃ DÂN LỰC'], addressees: ['Công an tỉnh Thanh Hóa (PV05)'], place: 'Dân Lực', en: { addressees: ['Thanh Hóa province police (PV05)'] } },
    });
    expect(c.reportHeading).toMatchObject({
      issuers: ['CÔNG AN XÃ DÂN LỰC', 'ĐOÀN XÃ DÂN LỰC'],
      board: 'BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”',
      place: 'Dân Lực',
      recipients: ['Như trên', 'Lưu: VT'],
      signer: { for: 'TM. BAN ĐIỀU HÀNH', title: 'TRƯỞNG BAN', name: '' },
      wholeScope: { vi: 'Toàn địa bàn', en: 'Area' },
      scopeName: 'Xã Dân Lực',
      en: { addressees: ['Thanh Hóa province police (PV05)'], place: 'Dân Lực', issuers: ['CÔNG AN XÃ DÂN LỰC', 'ĐOÀN XÃ DÂN LỰC'] },
      legacy: false,
    });
    expect(validateControllerConfig({ scope: { kind: 'province', province: { code: '38', name: 'Thanh Hóa' } }, reportHeading: { addressees: ['X'] } }).reportHeading).toMatchObject({ place: 'Thanh Hóa', wholeScope: { vi: 'Toàn tỉnh', en: 'Province' } });
  });

  it('refuses an empty line, and a misspelt key naming the known ones', () => {
    const found = problems({ reportHeading: { addressees: ['Tỉnh đoàn'], issuers: ['  '], signer: { titel: 'PHÓ TRƯỞNG BAN' } } });
    expect(found.map((p) => p.path)).toEqual(['reportHeading.issuers[0]', 'reportHeading.signer.titel']);
    expect(found[1]!.message).toMatch(/known: for, title, name/);
  });
});

describe('summary', () => {
  it('is off by default, every 10 minutes, through the controller\'s own broker', () => {
    expect(DEFAULT_CONFIG.summary).toEqual({ enabled: false, hub: null, intervalSeconds: 600 });
  });

  it('takes the hub\'s broker, with a CA file over TLS', () => {
    const c = validateControllerConfig({ summary: { enabled: true, hub: { ...HUB, caFile: '/etc/loa/hub-ca.crt' }, intervalSeconds: 300 } });
    expect(c.summary).toEqual({ enabled: true, hub: { ...HUB, caFile: '/etc/loa/hub-ca.crt' }, intervalSeconds: 300 });
    const bridged = { broker: { url: 'mqtt://127.0.0.1:1883', username: 'loa', password: 'mat-khau-dai' }, summary: { enabled: true } };
    expect(validateControllerConfig(bridged).summary.hub).toBeNull();
  });

  it('refuses a hub URL that is not MQTT, a CA file without TLS, a short password (unrepeated), and the embedded broker without a hub', () => {
    expect(problems({ summary: { hub: { ...HUB, url: 'https://hub.example' } } })).toEqual([
      { path: 'summary.hub.url', message: expect.stringContaining('a URL starting with mqtt:// or mqtts://'), vi: expect.stringContaining('mqtt:// hoặc mqtts://') },
    ]);
    expect(problems({ summary: { hub: { ...HUB, url: 'mqtt://hub.example', caFile: '/etc/loa/hub-ca.crt' } } })).toEqual([
      { path: 'summary.hub.caFile', message: 'is used only over TLS: write mqtts://hub.example or leave caFile out', vi: 'chỉ dùng với TLS: viết mqtts://hub.example hoặc bỏ caFile' },
    ]);
    const [short] = problems({ summary: { hub: { ...HUB, password: 'ngan' } } });
    expect(short!.path).toBe('summary.hub.password');
    expect(JSON.stringify(short)).not.toContain('ngan"');
    expect(problems({ summary: { enabled: true } })).toEqual([
      { path: 'summary.hub', message: expect.stringContaining('the embedded broker cannot bridge to the hub'), vi: expect.stringContaining('broker nhúng') },
    ]);
    expect(problems({ summary: { intervalSeconds: 5 } }).map((p) => p.path)).toEqual(['summary.intervalSeconds']);
  });
});
