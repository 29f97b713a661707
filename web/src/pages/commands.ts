/**
 * Lệnh: volume, stop, play a clip, sync now, to a cart, a team or a commune (`POST /api/commands`, body as
 * controller/api/fleet-routes.ts reads it), and the results as they come back (the list refreshes every 5 s).
 */
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad, useTick } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import { fmtDateTime, fmtTime } from '../lib/format.js';
import { can, commandActionsFor } from '../lib/roles.js';
import { unitPath } from '../lib/routes.js';
import type { Clip, CommandRow, Unit } from '../lib/types.js';
import { placesOf } from '../lib/units.js';

type Kind = 'unit' | 'team' | 'commune';
type Action = ReturnType<typeof commandActionsFor>[number];

const REFRESH_MS = 5_000;

const tone = (state: string): string => (state === 'ok' ? 'playing' : state === 'sent' ? 'idle' : state === 'no-answer' ? 'offline' : 'blocked');

export function CommandTable({ commands }: { commands: readonly CommandRow[] }): VNode {
  const { t, lang } = useApp();
  if (commands.length === 0) return html`<p class="muted">${t('commands.none')}</p>`;
  const argsText = (c: CommandRow): string =>
    Object.entries(c.args ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr>
      <th scope="col">${t('col.time')}</th><th scope="col">${t('col.unit')}</th><th scope="col">${t('col.action')}</th>
      <th scope="col">${t('col.by')}</th><th scope="col">${t('col.result')}</th><th scope="col">${t('col.detail')}</th>
    </tr></thead>
    <tbody>${commands.map(
      (c) => html`<tr>
        <td>${fmtDateTime(c.issued, lang)}</td>
        <td><a href=${unitPath(c.unitId)}>${c.unitId}</a></td>
        <td>${t(`action.${c.action}`, {}, c.action)}${argsText(c) ? html` <span class="muted small">${argsText(c)}</span>` : null}</td>
        <td>${c.issuedBy ?? '—'}</td>
        <td><${Badge} tone=${tone(c.state)}>${t(`cmdstate.${c.state}`, {}, c.state)}<//>${c.resultTime === null ? null : html` <span class="muted small">${fmtTime(c.resultTime, lang)}</span>`}</td>
        <td>${c.detail ?? ''}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

export function CommandsPage(): VNode {
  const { api, t, user } = useApp();
  const tick = useTick(REFRESH_MS);
  const list = useLoad(() => api.get<{ commands: CommandRow[] }>('/api/commands?limit=100'), [tick]);
  const units = useLoad(() => api.get<{ units: Unit[] }>('/api/units'), []);
  const actions = commandActionsFor(user.role);
  return html`<div class="page commands">
    <h1>${t('commands.title')}</h1>
    ${actions.length > 0 ? html`<${CommandForm} units=${units.data?.units ?? []} actions=${actions} onSent=${list.reload} />` : html`<p class="muted">${t('commands.readOnly')}</p>`}
    <${ErrorNote} error=${units.error} />
    <section aria-labelledby="results-title">
      <h2 id="results-title">${t('commands.results')}</h2>
      <${ErrorNote} error=${list.error} />
      <${Loading} when=${list.loading && list.data === undefined} />
      <${CommandTable} commands=${list.data?.commands ?? []} />
    </section>
  </div>`;
}

function CommandForm({ units, actions, onSent }: { units: readonly Unit[]; actions: readonly Action[]; onSent: () => void }): VNode {
  const { api, t, user } = useApp();
  const [kind, setKind] = useState<Kind>('unit');
  const [target, setTarget] = useState('');
  const [action, setAction] = useState<Action>(actions[0]!);
  const [volume, setVolume] = useState(70);
  const [clip, setClip] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const clips = useLoad(
    () => (can(user.role, 'content') ? api.get<{ clips: Clip[] }>('/api/content?status=approved') : Promise.resolve({ clips: [] as Clip[] })),
    [],
  );
  const places = useMemo(() => placesOf(units), [units]);
  const choices: [string, string][] =
    kind === 'unit' ? units.map((u) => [u.id, `${t('units.cart', { n: u.number })} · ${u.teamName}`]) : kind === 'team' ? places.teams : places.communes;

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    const args = action === 'set-volume' ? { volume } : action === 'play-clip' ? { clip: clip.trim() } : {};
    try {
      const r = await api.send<{ sent: { unitId: string; delivered: boolean }[] }>('POST', '/api/commands', { target: { kind, id: target }, action, args });
      setDone(t('commands.sent', { n: r.sent.length, delivered: r.sent.filter((s) => s.delivered).length }));
      onSent();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="card" onSubmit=${submit} aria-labelledby="send-title">
    <h2 id="send-title">${t('commands.send')}</h2>
    <fieldset>
      <legend>${t('commands.to')}</legend>
      ${(['unit', 'team', 'commune'] as const).map(
        (k) => html`<label class="choice"><input type="radio" name="kind" value=${k} checked=${kind === k} onChange=${() => (setKind(k), setTarget(''))} /> ${t(`target.${k}`)}</label>`,
      )}
      <label>${t(`target.${kind}`)}
        <select required value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLSelectElement).value)}>
          <option value="">${t('choose')}</option>
          ${choices.map(([id, name]) => html`<option value=${id}>${name}</option>`)}
        </select>
      </label>
    </fieldset>
    <fieldset>
      <legend>${t('commands.action')}</legend>
      ${actions.map(
        (a) => html`<label class="choice"><input type="radio" name="action" value=${a} checked=${action === a} onChange=${() => setAction(a)} /> ${t(`action.${a}`)}</label>`,
      )}
      ${action === 'set-volume'
        ? html`<label>${t('commands.volume', { v: volume })}<input type="range" min="0" max="100" step="5" value=${volume} onInput=${(e: Event) => setVolume(Number((e.target as HTMLInputElement).value))} /></label>`
        : null}
      ${action === 'play-clip'
        ? (clips.data?.clips.length ?? 0) > 0
          ? html`<label>${t('commands.clip')}<select required value=${clip} onChange=${(e: Event) => setClip((e.target as HTMLSelectElement).value)}>
              <option value="">${t('choose')}</option>
              ${clips.data!.clips.map((c) => html`<option value=${c.id}>${c.id} — ${c.title}</option>`)}
            </select></label>`
          : html`<label>${t('commands.clip')}<input required pattern="[A-Za-z0-9_\\-]{1,48}" placeholder="c-0007" value=${clip} onInput=${(e: Event) => setClip((e.target as HTMLInputElement).value)} /></label>`
        : null}
    </fieldset>
    <${ErrorNote} error=${error} />
    ${done ? html`<p class="ok" role="status">${done}</p>` : null}
    <button type="submit" disabled=${busy || target === ''}>${busy ? t('sending') : t('commands.submit')}</button>
  </form>`;
}
