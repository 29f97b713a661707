/** Small pieces every page uses: an error line, a loading line, a status badge. */
import type { VNode } from 'preact';
import { ApiError } from '../api.js';
import { useApp } from '../app.js';
import { html } from '../html.js';
import { pickLang } from '../lib/format.js';

/** The error as the user reads it: the controller's sentence in the current language, else what failed. */
export function ErrorNote({ error }: { error: unknown }): VNode | null {
  const { lang, t } = useApp();
  if (error === null || error === undefined) return null;
  let text: string;
  if (error instanceof ApiError) {
    text = error.status === 403 ? `${t('error.forbidden')} ${pickLang(error.message, lang)}` : pickLang(error.message, lang);
    if (error.retryAfter !== null) text += ` ${t('error.retryAfter', { s: error.retryAfter })}`;
  } else if (error instanceof TypeError) text = `${t('error.network')} (${error.message})`;
  else text = error instanceof Error ? error.message : String(error);
  return html`<p class="error" role="alert">${text}</p>`;
}

export function Loading({ when }: { when: boolean }): VNode | null {
  const { t } = useApp();
  return when ? html`<p class="muted" role="status">${t('loading')}</p>` : null;
}

/** A short coloured word; `tone` picks the colour class (the text carries the meaning, not the colour). */
export function Badge({ tone, children }: { tone: string; children: unknown }): VNode {
  return html`<span class=${`badge tone-${tone}`}>${children}</span>`;
}
