/**
 * Hoạt động: the teams' activities other than the cart (oral propaganda, meetings, leaflets, tips to the police,
 * training). The list with its filters, a form to record one (photos uploaded once the record is made), an
 * activity's detail with its photos, members and audit trail, the board's confirm / return steps (shown only to
 * whom the API allows them), and the training records of a team's members.
 */
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import {
  ACTIVITY_STATUSES,
  activitiesQuery,
  activityLabel,
  activitySteps,
  communesOfTeams,
  mayAddPhotos,
  photoPath,
  type ActivityAuditEntry,
  type ActivityRecord,
  type ActivityStatus,
  type ActivityStep,
  type TeamItem,
} from '../lib/board.js';
import { fmtDate, fmtDateTime, fmtNumber, fmtTime, vnDay } from '../lib/format.js';
import { can } from '../lib/roles.js';
import { NewActivityForm, PhotoUpload, TrainingSection } from './activity-forms.js';

const STATUS_TONE: Record<ActivityStatus, string> = { submitted: 'idle', returned: 'blocked', confirmed: 'playing', withdrawn: 'offline' };

/** The last 24 months, newest first, as period ids (YYYY-MM) from today's Vietnam day. */
function recentMonths(today: string): string[] {
  let y = Number(today.slice(0, 4));
  let m = Number(today.slice(5, 7));
  const out: string[] = [];
  for (let k = 0; k < 24; k++) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (--m === 0) (m = 12), y--;
  }
  return out;
}

export function ActivitiesPage(): VNode {
  const { api, t, user, now } = useApp();
  const today = vnDay(now());
  const months = useMemo(() => recentMonths(today), [today]);
  const [period, setPeriod] = useState(months[0]!);
  const [commune, setCommune] = useState('');
  const [status, setStatus] = useState<ActivityStatus | ''>('');
  const [selected, setSelected] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const query = activitiesQuery({ period, commune, status });
  const list = useLoad(() => api.get<{ activities: ActivityRecord[] }>(`/api/activities?${query}`), [query]);
  const teams = useLoad(() => api.get<{ teams: TeamItem[] }>('/api/teams'), []);
  const communes = useMemo(() => communesOfTeams(teams.data?.teams ?? []), [teams.data]);
  const select = (e: Event): string => (e.target as HTMLSelectElement).value;

  return html`<div class="page activities">
    <h1>${t('activities.title')}</h1>
    ${can(user.role, 'submit')
      ? adding
        ? html`<${NewActivityForm}
            teams=${teams.data?.teams ?? []}
            communes=${communes}
            onCancel=${() => setAdding(false)}
            onCreated=${(id: number) => (setAdding(false), setStatus(''), setSelected(id), list.reload())}
          />`
        : html`<p><button type="button" onClick=${() => setAdding(true)}>${t('activities.new')}</button></p>`
      : null}
    <${ErrorNote} error=${teams.error} />
    <section aria-labelledby="activities-list">
      <h2 id="activities-list">${t('activities.list')}</h2>
      <form class="row" aria-label=${t('activities.filters')} onSubmit=${(e: Event) => (e.preventDefault(), list.reload())}>
        <label>${t('activities.month')}
          <select value=${period} onChange=${(e: Event) => setPeriod(select(e))}>
            <option value="">${t('activities.allMonths')}</option>
            ${months.map((m) => html`<option value=${m}>${m.slice(5)}/${m.slice(0, 4)}</option>`)}
          </select>
        </label>
        <label>${t('units.commune')}
          <select value=${commune} onChange=${(e: Event) => setCommune(select(e))}>
            <option value="">${t('reports.allCommunes')}</option>
            ${communes.map(([id, name]) => html`<option value=${id}>${name}</option>`)}
          </select>
        </label>
        <label>${t('col.status')}
          <select value=${status} onChange=${(e: Event) => setStatus(select(e) as ActivityStatus | '')}>
            <option value="">${t('content.all')}</option>
            ${ACTIVITY_STATUSES.map((s) => html`<option value=${s}>${t(`activity.status.${s}`)}</option>`)}
          </select>
        </label>
        <button type="submit">${t('refresh')}</button>
      </form>
      <${ErrorNote} error=${list.error} />
      <${Loading} when=${list.loading && list.data === undefined} />
      <${ActivityTable} items=${list.data?.activities ?? []} selected=${selected} onSelect=${setSelected} />
    </section>
    ${selected !== null
      ? html`<${ActivityDetail} key=${selected} id=${selected} teams=${teams.data?.teams ?? []} onChanged=${list.reload} onClose=${() => setSelected(null)} />`
      : null}
    <${TrainingSection} teams=${teams.data?.teams ?? []} />
  </div>`;
}

function ActivityTable({ items, selected, onSelect }: { items: readonly ActivityRecord[]; selected: number | null; onSelect: (id: number) => void }): VNode {
  const { t, lang } = useApp();
  if (items.length === 0) return html`<p class="muted">${t('activities.none')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('activities.list')}><table>
    <thead><tr>
      <th scope="col">${t('activities.number')}</th><th scope="col">${t('activities.when')}</th><th scope="col">${t('activities.kind')}</th>
      <th scope="col">${t('units.commune')}</th><th scope="col">${t('units.team')}</th><th scope="col">${t('activities.people')}</th>
      <th scope="col">${t('col.status')}</th><th scope="col"><span class="sr-only">${t('activities.open')}</span></th>
    </tr></thead>
    <tbody>${items.map(
      (a) => html`<tr class=${a.id === selected ? 'selected' : ''}>
        <td>${activityLabel(a.id)}</td>
        <td>${fmtDateTime(a.at, lang)}</td>
        <td>${t(`activity.kind.${a.kind}`, {}, a.kind)}</td>
        <td>${a.communeName}${a.place ? html`<br /><span class="muted small">${a.place}</span>` : null}</td>
        <td>${a.teamName}</td>
        <td class="num">${fmtNumber(a.peopleReached, lang)}</td>
        <td><${Badge} tone=${STATUS_TONE[a.status]}>${t(`activity.status.${a.status}`)}<//></td>
        <td><button type="button" aria-label=${t('activities.openN', { n: activityLabel(a.id) })} onClick=${() => onSelect(a.id)}>${t('activities.open')}</button></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function ActivityDetail({ id, teams, onChanged, onClose }: { id: number; teams: readonly TeamItem[]; onChanged: () => void; onClose: () => void }): VNode {
  const { api, t, lang, user } = useApp();
  const detail = useLoad(() => api.get<{ activity: ActivityRecord; audit: ActivityAuditEntry[] }>(`/api/activities/${id}`), [id]);
  const [step, setStep] = useState<ActivityStep | null>(null);
  const a = detail.data?.activity;
  const steps = a ? activitySteps(user.role, user.name, a) : [];
  const photosAllowed = a !== undefined && mayAddPhotos(user.role, user.name, a);
  const done = (): void => {
    setStep(null);
    detail.reload();
    onChanged();
  };

  return html`<section class="card detail" aria-labelledby="activity-title">
    <div class="row spread">
      <h2 id="activity-title">${a ? `${activityLabel(a.id)} — ${t(`activity.kind.${a.kind}`, {}, a.kind)}` : activityLabel(id)}</h2>
      <button type="button" onClick=${onClose}>${t('close')}</button>
    </div>
    <${ErrorNote} error=${detail.error} />
    <${Loading} when=${detail.loading && !a} />
    ${a
      ? html`<dl class="facts">
          <div><dt>${t('col.status')}</dt><dd><${Badge} tone=${STATUS_TONE[a.status]}>${t(`activity.status.${a.status}`)}<//></dd></div>
          <div><dt>${t('activities.when')}</dt><dd>${fmtTime(a.at, lang)} ${fmtDate(a.at, lang)}</dd></div>
          <div><dt>${t('units.commune')}</dt><dd>${a.communeName}</dd></div>
          <div><dt>${t('activities.place')}</dt><dd>${a.place || '—'}${a.lat !== null && a.lon !== null ? html`<br /><span class="muted small">${a.lat.toFixed(5)}, ${a.lon.toFixed(5)}</span>` : null}</dd></div>
          <div><dt>${t('units.team')}</dt><dd>${a.teamName}</dd></div>
          <div><dt>${t('activities.people')}</dt><dd>${fmtNumber(a.peopleReached, lang)}</dd></div>
          <div><dt>${t('col.submitter')}</dt><dd>${a.submitter} <span class="muted small">${fmtDateTime(a.submittedAt, lang)}</span></dd></div>
          ${a.decidedBy ? html`<div><dt>${t('activities.decidedBy')}</dt><dd>${a.decidedBy} <span class="muted small">${a.decidedAt ? fmtDateTime(a.decidedAt, lang) : ''}</span></dd></div>` : null}
          <div class="wide"><dt>${t('activities.members')}</dt><dd>${a.members.length > 0 ? a.members.map((m) => m.name).join(', ') : '—'}</dd></div>
          ${a.note ? html`<div class="wide"><dt>${t('activities.note')}</dt><dd class="pre">${a.note}</dd></div>` : null}
          ${a.reason ? html`<div class="wide"><dt>${t('activities.returnReason')}</dt><dd>${a.reason}</dd></div>` : null}
        </dl>
        <h3>${t('activities.photos')}</h3>
        ${a.photos.length > 0
          ? html`<ul class="photos">${a.photos.map(
              (p, k) => html`<li><a href=${photoPath(a.id, p.sha256)} target="_blank" rel="noopener"><img src=${photoPath(a.id, p.sha256)} alt=${t('activities.photoN', { n: k + 1, id: activityLabel(a.id) })} loading="lazy" /></a></li>`,
            )}</ul>`
          : html`<p class="muted">${t('activities.noPhotos')}</p>`}
        ${photosAllowed ? html`<${PhotoUpload} activityId=${a.id} onDone=${done} />` : null}
        ${steps.length > 0
          ? html`<div class="row" role="group" aria-label=${t('activities.steps')}>
              ${steps.map((s) => html`<button type="button" class=${step === s ? 'active' : ''} aria-pressed=${step === s} onClick=${() => setStep(step === s ? null : s)}>${t(`activity.step.${s}`)}</button>`)}
            </div>`
          : null}
        ${step === 'resubmit'
          ? html`<${NewActivityForm} teams=${teams} communes=${communesOfTeams(teams)} editing=${a} onCreated=${done} onCancel=${() => setStep(null)} />`
          : step
            ? html`<${StepForm} key=${step} step=${step} id=${a.id} reasonNeeded=${step === 'return' || a.status === 'confirmed'} onDone=${done} />`
            : null}
        <h3>${t('content.audit')}</h3>
        <${AuditTable} audit=${detail.data!.audit} />`
      : null}
  </section>`;
}

/** Confirm (asked once more), return (a reason is required) or withdraw (a reason required once confirmed). */
function StepForm({ step, id, reasonNeeded, onDone }: { step: ActivityStep; id: number; reasonNeeded: boolean; onDone: () => void }): VNode {
  const { api, t } = useApp();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = step === 'confirm' ? {} : step === 'return' ? { reason } : reason.trim() ? { reason } : {};
      await api.send('POST', `/api/activities/${id}/${step}`, body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="step" onSubmit=${submit}>
    ${step === 'confirm'
      ? html`<p>${t('activities.confirmHelp')}</p>`
      : html`<label>${step === 'return' ? t('activities.reason') : reasonNeeded ? t('activities.withdrawReason') : t('content.reasonOptional')}
          <textarea rows="3" required=${reasonNeeded} maxlength="2000" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLTextAreaElement).value)}></textarea>
        </label>`}
    <${ErrorNote} error=${error} />
    <button type="submit" disabled=${busy}>${busy ? t('sending') : t(`activity.step.${step}.confirm`)}</button>
  </form>`;
}

function AuditTable({ audit }: { audit: readonly ActivityAuditEntry[] }): VNode {
  const { t, lang } = useApp();
  if (audit.length === 0) return html`<p class="muted">${t('content.noAudit')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('content.audit')}><table>
    <thead><tr><th scope="col">${t('col.time')}</th><th scope="col">${t('col.by')}</th><th scope="col">${t('col.action')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('col.detail')}</th></tr></thead>
    <tbody>${audit.map(
      (x) => html`<tr>
        <td>${fmtDateTime(x.time, lang)}</td>
        <td>${x.actor} <span class="muted small">${t(`role.${x.actorRole}`, {}, x.actorRole)}</span></td>
        <td>${t(`activity.audit.${x.action}`, {}, x.action)}</td>
        <td>${x.from ? `${t(`activity.status.${x.from}`, {}, x.from)} → ` : ''}${t(`activity.status.${x.to}`, {}, x.to)}</td>
        <td>${x.detail ?? ''}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}
