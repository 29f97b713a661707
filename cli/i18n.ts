/**
 * Vietnamese first, English on request. A CLI text is a pair; `pick` chooses by the `--lang` flag, then the
 * LOA_LANG environment variable, then Vietnamese.
 */
export type Lang = 'vi' | 'en';

export interface Text {
  vi: string;
  en: string;
}

export function chooseLang(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  const wanted = (flag ?? env.LOA_LANG ?? 'vi').toLowerCase();
  return wanted.startsWith('en') ? 'en' : 'vi';
}

export function pick(lang: Lang, text: Text): string {
  return text[lang];
}
