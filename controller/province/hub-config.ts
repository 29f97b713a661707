/**
 * The province hub's configuration file (`loa province … --config FILE`): its data folder, the MQTT broker its
 * areas' bridges deliver to, where its read-only province view listens, and the heading of its reports. Small on
 * purpose: the hub has no carts, no users and no content of its own. Absent keys take the defaults; a missing file
 * is all defaults.
 */
import { readJsonConfig } from '../../lib/config-error.js';
import { check, must, secret, Type, type Static } from '../../lib/schema.js';

const closed = { additionalProperties: false } as const;
const text = (value?: string) => Type.String({ minLength: 1, pattern: '\\S', ...(value === undefined ? {} : { default: value }) });
const lines = (value: string[]) => Type.Array(Type.String({ minLength: 1 }), { default: value });

export const hubConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: 'data/province', ...must('a folder path', 'đường dẫn một thư mục') }),
    broker: Type.Union(
      [
        Type.Object(
          {
            url: Type.String({ pattern: '^mqtts?://[^\\s/?#]+', ...must('a URL starting with mqtt:// or mqtts://', 'một địa chỉ URL bắt đầu bằng mqtt:// hoặc mqtts://') }),
            username: text(),
            password: Type.String({ minLength: 8, ...secret, ...must('a string of at least 8 characters', 'một chuỗi ít nhất 8 ký tự') }),
            caFile: Type.Union([text(), Type.Null()], { default: null, description: "the broker's CA certificate (PEM) for mqtts://" }),
          },
          closed,
        ),
        Type.Null(),
      ],
      { default: null, description: "the hub's MQTT broker (the one its areas' bridges deliver to); null: `loa province run` refuses to start" },
    ),
    // The province view (hub-http.ts) has no login: loopback by default; another address only inside the province's VPN.
    http: Type.Union(
      [
        Type.Object(
          {
            host: Type.String({ pattern: '^[A-Za-z0-9.:[\\]-]{1,253}$', default: '127.0.0.1', ...must('an address such as 127.0.0.1 or 0.0.0.0', 'một địa chỉ như 127.0.0.1 hoặc 0.0.0.0') }),
            port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8090 }),
          },
          closed,
        ),
        Type.Null(),
      ],
      { default: { host: '127.0.0.1', port: 8090 }, description: 'where `loa province run` serves the province view (read-only, no login); null: no web page' },
    ),
    heading: Type.Object(
      {
        issuers: lines(['BAN ĐIỀU HÀNH MÔ HÌNH', 'LOA THANH NIÊN VÌ AN NINH TỔ QUỐC']),
        /** The province as it follows "TỈNH" in the heading, e.g. "Thanh Hóa". */
        province: Type.String({ default: '' }),
        /** The place of the date line (default: the province). */
        place: Type.Union([text(), Type.Null()], { default: null }),
        recipients: lines(['Công an tỉnh (PV05)', 'Tỉnh đoàn', 'Lưu: VT']),
        signer: Type.Object({ for: text('TM. BAN ĐIỀU HÀNH'), title: text('TRƯỞNG BAN'), name: Type.String({ default: '' }) }, { ...closed, default: {} }),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export type HubConfig = Static<typeof hubConfigSchema>;
export type HubHeading = HubConfig['heading'];

/** Checks a parsed configuration (undefined = all defaults). Throws ConfigError listing every problem. */
export function validateHubConfig(input: unknown): HubConfig {
  return check(hubConfigSchema, input);
}

/** Reads and checks the file (none: the defaults); `overrides.dataDir` (`--data`) wins over the file. */
export async function loadHubConfig(path: string | undefined, overrides: { dataDir?: string } = {}): Promise<HubConfig> {
  const parsed = await readJsonConfig(path);
  const config = validateHubConfig(parsed);
  return overrides.dataDir === undefined ? config : { ...config, dataDir: overrides.dataDir };
}
