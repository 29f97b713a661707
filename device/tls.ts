/**
 * The cart's TLS to its district controller (issue 12), shared by the MQTT link and the content sync: the material
 * it dials with, and what a failed handshake means for the technician.
 *
 * The cart pins its district's CA (from the provisioning bundle): given as `ca`, it replaces Node's default roots, so
 * a controller whose certificate another CA issued — a public one included — is refused. Without it, an `mqtts://`
 * or `https://` address is checked against the system's roots. A handshake failure comes out as a `ControllerTlsError`
 * whose message says, Vietnamese first with English in parentheses, what is wrong and what to do.
 */
import type { Text } from './text.js';

/** What the cart dials its controller with: the pinned district CA, and its client certificate and key (PEM). */
export interface ControllerTls {
  /** The district CA certificate: the only root trusted for the controller. */
  ca: string;
  /** The cart's client certificate (CN = its unit id), issued by that CA. */
  cert?: string;
  /** Its private key. */
  key?: string;
}

/** The options of `tls.connect` / `https.request` for `tls` (nothing without it: the system's roots). */
export function tlsOptions(tls: ControllerTls | undefined): { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: true } {
  if (tls === undefined) return {};
  return { ca: [tls.ca], ...(tls.cert === undefined ? {} : { cert: tls.cert }), ...(tls.key === undefined ? {} : { key: tls.key }), rejectUnauthorized: true };
}

/** Why a TLS handshake with the controller failed. */
export type ControllerTlsCode =
  | 'tls-untrusted' // the controller's certificate is not from the pinned CA (or not from a system root)
  | 'tls-name' // the name the cart dials is not in the controller's certificate
  | 'tls-time' // the certificate is expired or not yet valid by the cart's clock
  | 'tls-refused' // the controller refused the cart's own certificate (revoked, another CA's, none)
  | 'tls-not-tls'; // nothing speaks TLS at that address

/** The controller's certificate is not from a CA the cart trusts. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'CERT_REVOKED',
]);
const TIME = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** TLS alerts the controller sends when it refuses the cart's client certificate. */
const REFUSED = /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(CERTIFICATE_REVOKED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/;
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

/** A TLS handshake with the controller failed; `text` is the line for people, `cause` Node's error. */
export class ControllerTlsError extends Error {
  constructor(
    readonly code: ControllerTlsCode,
    readonly text: Text,
    options?: { cause?: unknown },
  ) {
    super(`${text.vi} (${text.en})`, options);
    this.name = 'ControllerTlsError';
  }
}

const REPROVISION = {
  vi: 'cấp phát lại xe bằng gói cài đặt mới của huyện (loa controller unit bundle MÃ-XE, rồi loa unit provision)',
  en: 'provision the cart again with a fresh bundle from the district (loa controller unit bundle UNIT-ID, then loa unit provision)',
};

/**
 * The controller closed the connection once the TLS handshake was done, before answering anything (`why`: ECONNRESET,
 * or how the close was seen): what a Node TLS server does with a client certificate it refuses.
 */
export function closedAfterHandshake(host: string, why: string, cause?: unknown): ControllerTlsError {
  return new ControllerTlsError(
    'tls-refused',
    {
      vi: `Máy chủ điều khiển tại ${host} đóng kết nối ngay sau khi bắt tay TLS (${why}): có lẽ nó từ chối chứng chỉ của xe (đã thu hồi, hoặc của huyện khác). Hãy ${REPROVISION.vi}`,
      en: `the controller at ${host} closed the connection right after the TLS handshake (${why}): it probably refused the cart's certificate (revoked, or another district's). P${REPROVISION.en.slice(1)}`,
    },
    cause === undefined ? undefined : { cause },
  );
}

/** Where a connection that failed was going, and how far it got. */
export interface TlsAttempt {
  /** What was dialled, e.g. `10.0.0.5:8883`. */
  host: string;
  /** The cart dialled with its district's CA (from its bundle), not the system's roots. */
  pinned: boolean;
  /**
   * The handshake had completed on the cart's side (`secureConnect`) and nothing had come back yet. A Node TLS server
   * (the controller's HTTPS, its embedded broker) checks a client certificate only then, and refuses one by closing
   * the connection without a TLS alert: the cart sees ECONNRESET.
   */
  handshakeDone?: boolean;
}

/**
 * The `ControllerTlsError` for a failed connection, or null when `err` is not a certificate or TLS failure.
 */
export function controllerTlsError(err: unknown, attempt: TlsAttempt): ControllerTlsError | null {
  const { host, pinned } = attempt;
  const code = String((err as NodeJS.ErrnoException | null)?.code ?? '');
  const message = err instanceof Error ? err.message : '';
  const why = `${code || message}`;
  const make = (c: ControllerTlsCode, vi: string, en: string): ControllerTlsError => new ControllerTlsError(c, { vi, en }, { cause: err });
  const reprovision = REPROVISION;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return make(
      'tls-name',
      `Tên ${host} mà xe gọi không có trong chứng chỉ của máy chủ điều khiển (${why}): hãy thêm địa chỉ này vào publicUrls của máy chủ điều khiển, hoặc ${reprovision.vi} với đúng địa chỉ`,
      `the name ${host} the cart dials is not in the controller's certificate (${why}): add this address to the controller's publicUrls, or ${reprovision.en} with the right address`,
    );
  }
  if (UNTRUSTED.has(code)) {
    return pinned
      ? make(
          'tls-untrusted',
          `Chứng chỉ của máy chủ điều khiển tại ${host} không phải của huyện (không do CA của huyện mà xe đã ghim cấp; ${why}): xe không kết nối. Hãy kiểm tra địa chỉ máy chủ; nếu huyện đã tạo CA mới, ${reprovision.vi}`,
          `the controller's certificate at ${host} is not the district's (not issued by the district CA the cart pins; ${why}): the cart does not connect. Check the controller's address; if the district made a new CA, ${reprovision.en}`,
        )
      : make(
          'tls-untrusted',
          `Chứng chỉ của máy chủ tại ${host} không được gốc tin cậy nào của hệ thống xác nhận (${why}), và gói cài đặt của xe không có CA của huyện: ${reprovision.vi}`,
          `the certificate of the server at ${host} is not vouched for by any system root (${why}), and the cart's bundle has no district CA: ${reprovision.en}`,
        );
  }
  if (TIME.has(code)) {
    return make(
      'tls-time',
      `Chứng chỉ của máy chủ điều khiển tại ${host} hết hạn hoặc chưa có hiệu lực theo đồng hồ của xe (${why}): kiểm tra đồng hồ của xe (GNSS, NTP); nếu đồng hồ đúng, ${reprovision.vi}`,
      `the controller's certificate at ${host} is expired or not yet valid by the cart's clock (${why}): check the cart's clock (GNSS, NTP); if it is right, ${reprovision.en}`,
    );
  }
  if (REFUSED.test(code) || /alert (certificate revoked|bad certificate|unknown ca|certificate required)/i.test(message)) {
    return make(
      'tls-refused',
      `Máy chủ điều khiển tại ${host} từ chối chứng chỉ của xe (đã thu hồi, của huyện khác, hoặc thiếu; ${why}): ${reprovision.vi}`,
      `the controller at ${host} refused the cart's certificate (revoked, another district's, or none; ${why}): ${reprovision.en}`,
    );
  }
  if (attempt.handshakeDone === true && (code === 'ECONNRESET' || code === 'EPIPE')) return closedAfterHandshake(host, code, err);
  if (NOT_TLS.has(code) && /wrong version number|packet length too long|unknown protocol/i.test(`${code} ${message}`)) {
    return make(
      'tls-not-tls',
      `Không có máy chủ TLS tại ${host} (${why}): kiểm tra địa chỉ trong gói cài đặt (mqtts:// hay https:// và cổng) và cấu hình TLS của máy chủ điều khiển`,
      `nothing speaks TLS at ${host} (${why}): check the address in the bundle (mqtts:// or https:// and the port) and the controller's TLS configuration`,
    );
  }
  return null;
}
