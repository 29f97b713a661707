/** What `POST /api/content` takes as a file (docs/console.md): WAV or MP3, at most 50 MB. Pure. */

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The Content-Type to send for a file, from what the browser says or the file's extension; null: not accepted. */
export function audioTypeOf(file: { name: string; type: string }): 'audio/wav' | 'audio/mpeg' | null {
  if (/mpeg|mp3/i.test(file.type) || /\.mp3$/i.test(file.name)) return 'audio/mpeg';
  if (/wav|wave/i.test(file.type) || /\.wav$/i.test(file.name)) return 'audio/wav';
  return null;
}
