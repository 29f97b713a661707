/**
 * The release routes the carts download from, beside `/content/clips` and with the same rules (no session: what is
 * served is signed by a release key and checked by hash on the cart, as clips are):
 *
 *   GET /releases/<version>/<arch>/release.json | release.sig | payload.tar.br
 *
 * A stored release never changes (store.ts), so each member's SHA-256 is its ETag and `Range` resumes a download cut
 * by the cellular link (controller/http/ranged-file.ts). 404 for a release, architecture or member not stored.
 */
import { sendImmutableFile } from '../http/ranged-file.js';
import { HttpError, type HttpServer } from '../http/server.js';
import { RELEASE_MEMBERS } from '../../protocol/index.js';
import { isReleaseArch } from '../../protocol/index.js';
import type { ReleaseMember, ReleaseStore } from './store.js';

const MEMBER_OF: Record<string, ReleaseMember> = Object.fromEntries(Object.entries(RELEASE_MEMBERS).map(([k, v]) => [v, k as ReleaseMember]));

// No media type is registered for a brotli file, and `Content-Encoding: br` would make a client decode it: plain bytes.
const TYPES: Record<ReleaseMember, string> = { manifest: 'application/json', signature: 'application/json', payload: 'application/octet-stream' };

export function registerReleaseRoutes(server: HttpServer, o: { store: ReleaseStore }): void {
  server.route('GET', '/releases/:version/:arch/:file', async (req, res) => {
    const { version, arch, file } = req.params as { version: string; arch: string; file: string };
    const member = Object.hasOwn(MEMBER_OF, file) ? MEMBER_OF[file] : undefined;
    const release = member !== undefined && isReleaseArch(arch) ? await o.store.get(version, arch) : undefined;
    if (release === undefined || member === undefined || !isReleaseArch(arch)) {
      throw new HttpError(404, 'unknown-release', `no stored release ${JSON.stringify(`${version}/${arch}/${file}`)}`);
    }
    await sendImmutableFile(req, res, {
      path: o.store.memberPath(version, arch, member),
      sha256: release[member].sha256,
      cacheControl: 'public, max-age=31536000, immutable',
      contentType: TYPES[member],
    });
  });
}
