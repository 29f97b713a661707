/** Người dùng (admin): the users and their roles, adding one, resetting a password. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad } from '../app.js';
import { ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import type { Role, SessionUser } from '../lib/types.js';

const ROLES: Role[] = ['viewer', 'submitter', 'approver', 'technician', 'admin'];
const value = (e: Event): string => (e.target as HTMLInputElement).value;

/** `GET /api/users` as `{ users: [...] }` (or a bare list). */
function usersOf(r: unknown): SessionUser[] {
  if (Array.isArray(r)) return r as SessionUser[];
  return ((r as { users?: SessionUser[] } | null)?.users ?? []);
}

export function UsersPage(): VNode {
  const { api, t } = useApp();
  const list = useLoad(() => api.get<unknown>('/api/users'), []);
  const [resetFor, setResetFor] = useState<string | null>(null);
  return html`<div class="page users">
    <h1>${t('users.title')}</h1>
    <${ErrorNote} error=${list.error} />
    <${Loading} when=${list.loading && list.data === undefined} />
    <div class="table-wrap" tabindex="0"><table>
      <thead><tr><th scope="col">${t('users.name')}</th><th scope="col">${t('users.displayName')}</th><th scope="col">${t('users.role')}</th><th scope="col"><span class="sr-only">${t('users.reset')}</span></th></tr></thead>
      <tbody>${usersOf(list.data).map(
        (u) => html`<tr>
          <td>${u.name}</td><td>${u.displayName}</td><td>${t(`role.${u.role}`, {}, u.role)}</td>
          <td>${resetFor === u.name
            ? html`<${ResetForm} name=${u.name} onDone=${() => setResetFor(null)} />`
            : html`<button type="button" onClick=${() => setResetFor(u.name)}>${t('users.reset')}</button>`}</td>
        </tr>`,
      )}</tbody>
    </table></div>
    <${AddUser} onAdded=${list.reload} />
  </div>`;
}

function ResetForm({ name, onDone }: { name: string; onDone: () => void }): VNode {
  const { api, t } = useApp();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    try {
      await api.send('POST', `/api/users/${encodeURIComponent(name)}/password`, { password });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="inline" onSubmit=${submit}>
    <label>${t('users.newPassword', { name })}<input type="password" autocomplete="new-password" required value=${password} onInput=${(e: Event) => setPassword(value(e))} /></label>
    <button type="submit" disabled=${busy}>${t('users.save')}</button>
    <button type="button" onClick=${onDone}>${t('cancel')}</button>
    <${ErrorNote} error=${error} />
  </form>`;
}

function AddUser({ onAdded }: { onAdded: () => void }): VNode {
  const { api, t } = useApp();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setError(null);
    setDone(null);
    try {
      await api.send('POST', '/api/users', { name: name.trim(), role, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) });
      setDone(t('users.added', { name: name.trim() }));
      setName('');
      setDisplayName('');
      setPassword('');
      onAdded();
    } catch (e) {
      setError(e);
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="add-user-title">
    <h2 id="add-user-title">${t('users.add')}</h2>
    <div class="row">
      <label>${t('users.name')}<input required autocomplete="off" value=${name} onInput=${(e: Event) => setName(value(e))} /></label>
      <label>${t('users.displayName')}<input value=${displayName} onInput=${(e: Event) => setDisplayName(value(e))} /></label>
      <label>${t('users.role')}
        <select value=${role} onChange=${(e: Event) => setRole(value(e) as Role)}>${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}</select>
      </label>
      <label>${t('users.password')}<input type="password" autocomplete="new-password" required value=${password} onInput=${(e: Event) => setPassword(value(e))} /></label>
    </div>
    <${ErrorNote} error=${error} />
    ${done ? html`<p class="ok" role="status">${done}</p>` : null}
    <button type="submit">${t('users.add')}</button>
  </form>`;
}
