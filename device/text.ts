/** A text a person reads: Vietnamese first, English on request. */
export interface Text {
  vi: string;
  en: string;
}

export type Lang = keyof Text;

export const say = (lang: Lang, text: Text): string => text[lang];
