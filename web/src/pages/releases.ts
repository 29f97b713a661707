/**
 * Phiên bản phần mềm: the stored releases, the rollouts with their state, and each cart's running version with its
 * order in the latest rollout (`GET /api/releases`, `GET /api/releases/:version/rollout`, as
 * controller/api/release-routes.ts answers). Approvers stop or roll back a rollout from here; starting one stays
 * a deliberate act on the office machine (`loa release rollout`) or through the API. Refreshes every 10 s.
 */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { useApp, useLoad, useTick } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import { fmtDateTime } from '../lib/format.js';
import { can } from '../lib/roles.js';
import { unitPath } from '../lib/routes.js';

interface Release {
  version: string;
  arch: string;
  payload: { bytes: number };
  addedAt: number;
  addedBy: string;
}

interface Rollout {
  version: string;
  canary: string[];
  then: string | null;
  state: string;
  reason: string | null;
  createdAt: number;
  createdBy: string;
  healthySeconds: number;
  pause: boolean;
}

interface RolloutUnit {
  unitId: string;
  stage: string;
  previous: string | null;
  state: string;
  detail: string | null;
}

interface Overview {
  releases: Release[];
  rollouts: Rollout[];
  units: { id: string; firmware: string | null }[];
}

const REFRESH_MS = 10_000;
const ACTIVE = ['canary', 'waiting', 'paused', 'rest'];

const tone = (state: string): string =>
  state === 'done' || state === 'healthy' || state === 'up-to-date' ? 'playing' : state === 'failed' || state === 'refused' || state === 'rolled-back' ? 'blocked' : state === 'stopped' ? 'offline' : 'idle';

export function ReleasesPage(): VNode {
  const { api, t, lang } = useApp();
  const tick = useTick(REFRESH_MS);
  const [changed, setChanged] = useState(0);
  const list = useLoad(() => api.get<Overview>('/api/releases'), [tick, changed]);
  const latest = list.data?.rollouts[0];
  const detail = useLoad(
    () => (latest ? api.get<{ units: RolloutUnit[] }>(`/api/releases/${encodeURIComponent(latest.version)}/rollout`) : Promise.resolve({ units: [] as RolloutUnit[] })),
    [latest?.version, latest?.state, tick, changed],
  );
  const byUnit = new Map((detail.data?.units ?? []).map((u) => [u.unitId, u]));
  return html`<div class="page releases">
    <h1>${t('releases.title')}</h1>
    <${ErrorNote} error=${list.error} />
    <${Loading} when=${list.loading && list.data === undefined} />
    <section aria-labelledby="rollout-title">
      <h2 id="rollout-title">${t('releases.rollout')}</h2>
      ${latest ? html`<${RolloutCard} rollout=${latest} onChanged=${() => setChanged((n) => n + 1)} />` : html`<p class="muted">${t('releases.noRollout')}</p>`}
    </section>
    <section aria-labelledby="carts-title">
      <h2 id="carts-title">${t('releases.carts')}</h2>
      <${ErrorNote} error=${detail.error} />
      <div class="table-wrap" tabindex="0"><table>
        <thead><tr><th scope="col">${t('col.unit')}</th><th scope="col">${t('releases.running')}</th><th scope="col">${t('releases.order')}</th><th scope="col">${t('releases.before')}</th><th scope="col">${t('col.detail')}</th></tr></thead>
        <tbody>${(list.data?.units ?? []).map((u) => {
          const o = byUnit.get(u.id);
          return html`<tr>
            <td><a href=${unitPath(u.id)}>${u.id}</a></td>
            <td>${u.firmware ?? '—'}</td>
            <td>${o ? html`${t(`releases.stage.${o.stage}`, {}, o.stage)}: <${Badge} tone=${tone(o.state)}>${t(`releases.unit.${o.state}`, {}, o.state)}<//>` : '—'}</td>
            <td>${o?.previous ?? '—'}</td>
            <td>${o?.detail ?? ''}</td>
          </tr>`;
        })}</tbody>
      </table></div>
    </section>
    <section aria-labelledby="stored-title">
      <h2 id="stored-title">${t('releases.stored')}</h2>
      ${(list.data?.releases.length ?? 0) === 0
        ? html`<p class="muted">${t('releases.none')}</p>`
        : html`<div class="table-wrap" tabindex="0"><table>
            <thead><tr><th scope="col">${t('releases.version')}</th><th scope="col">${t('releases.arch')}</th><th scope="col">MB</th><th scope="col">${t('col.time')}</th><th scope="col">${t('col.by')}</th></tr></thead>
            <tbody>${list.data!.releases.map(
              (r) => html`<tr><td>${r.version}</td><td>${r.arch}</td><td>${(r.payload.bytes / 1e6).toFixed(1)}</td><td>${fmtDateTime(r.addedAt, lang)}</td><td>${r.addedBy}</td></tr>`,
            )}</tbody>
          </table></div>`}
    </section>
  </div>`;
}

function RolloutCard({ rollout: r, onChanged }: { rollout: Rollout; onChanged: () => void }): VNode {
  const { api, t, lang, user } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (step: 'resume' | 'stop' | 'rollback'): Promise<void> => {
    if (step === 'rollback' && !window.confirm(t('releases.confirmRollback', { version: r.version }))) return;
    setBusy(true);
    setError(null);
    try {
      await api.send('POST', `/api/releases/${encodeURIComponent(r.version)}/rollout/${step}`, {});
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const may = can(user.role, 'approve');
  return html`<div class="card" data-rollout-state=${r.state}>
    <p><strong>${r.version}</strong> · <${Badge} tone=${tone(r.state)}>${t(`releases.state.${r.state}`, {}, r.state)}<//>${r.reason ? html` <span class="muted small">${r.reason}</span>` : null}</p>
    <p class="small">${t('releases.plan', { canary: r.canary.join(', '), then: r.then ?? '—', minutes: r.healthySeconds / 60 })}${r.pause ? ` · ${t('releases.pauses')}` : ''}</p>
    <p class="small muted">${t('releases.started', { by: r.createdBy, time: fmtDateTime(r.createdAt, lang) })}</p>
    ${may
      ? html`<p>
          ${r.state === 'paused' || (r.pause && (r.state === 'canary' || r.state === 'waiting')) ? html`<button type="button" disabled=${busy} onClick=${() => void act('resume')}>${t('releases.resume')}</button> ` : null}
          ${ACTIVE.includes(r.state) ? html`<button type="button" disabled=${busy} onClick=${() => void act('stop')}>${t('releases.stop')}</button> ` : null}
          ${r.state !== 'rolling-back' && r.state !== 'rolled-back' ? html`<button type="button" class="danger" disabled=${busy} onClick=${() => void act('rollback')}>${t('releases.rollback')}</button>` : null}
        </p>`
      : null}
    <${ErrorNote} error=${error} />
  </div>`;
}
