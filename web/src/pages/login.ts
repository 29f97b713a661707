/** Đăng nhập: user name and password to `POST /api/session`; the session lives in an HttpOnly cookie. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../api.js';
import { html } from '../html.js';
import { pickLang } from '../lib/format.js';
import type { Translate } from '../lib/i18n.js';
import type { Lang, SessionUser } from '../lib/types.js';

export interface LoginProps {
  api: Api;
  t: Translate;
  lang: Lang;
  onLang: () => void;
  onLogin: (user: SessionUser) => void;
}

export function LoginPage({ api, t, lang, onLang, onLogin }: LoginProps): VNode {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const s = await api.login(name.trim(), password);
      onLogin(s.user);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMessage(t('login.bad'));
      else if (e instanceof ApiError && (e.status === 429 || e.status === 503)) setMessage(`${pickLang(e.message, lang)} ${e.retryAfter === null ? '' : t('error.retryAfter', { s: e.retryAfter })}`);
      else if (e instanceof ApiError) setMessage(pickLang(e.message, lang));
      else setMessage(t('error.network'));
    } finally {
      setBusy(false);
    }
  };

  return html`<main id="main" class="login">
    <form class="card" onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">${t('login.title')}</h1>
      <p class="muted">${t('brand.long')}</p>
      <label>${t('login.user')}<input name="user" autocomplete="username" required value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} /></label>
      <label>${t('login.password')}<input name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e: Event) => setPassword((e.target as HTMLInputElement).value)} /></label>
      ${message ? html`<p class="error" role="alert">${message}</p>` : null}
      <button type="submit" disabled=${busy}>${busy ? t('login.busy') : t('login.submit')}</button>
      <button type="button" class="link" onClick=${onLang}>${t('lang.switch')}</button>
    </form>
  </main>`;
}
