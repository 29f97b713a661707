/**
 * Nội dung: the clips by status, a new clip (file or speech), listening in the browser, the approval steps each
 * role may take (as the API allows: a submitter never sees approve), each clip's audit trail, publishing the
 * playlist.
 */
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import { fmtDate, fmtDateTime, fmtDuration, vnDay } from '../lib/format.js';
import { can, canWithdraw } from '../lib/roles.js';
import { CLIP_STATUSES, type AuditEntry, type Clip, type ClipStatus, type Priority, type Unit } from '../lib/types.js';
import { placesOf } from '../lib/units.js';
import { NewClipForm, PrioritySelect, TargetsField } from './content-forms.js';

const STATUS_TONE: Record<ClipStatus, string> = { submitted: 'idle', 'changes-requested': 'blocked', approved: 'playing', rejected: 'offline', withdrawn: 'offline' };

export function ContentPage(): VNode {
  const { api, t, user } = useApp();
  const [status, setStatus] = useState<ClipStatus | ''>('submitted');
  const [selected, setSelected] = useState<string | null>(null);
  const clips = useLoad(() => api.get<{ clips: Clip[] }>(`/api/content${status ? `?status=${status}` : ''}`), [status]);
  const units = useLoad(() => (can(user.role, 'units') ? api.get<{ units: Unit[] }>('/api/units') : Promise.resolve({ units: [] as Unit[] })), []);
  const communes = useMemo(() => placesOf(units.data?.units ?? []).communes, [units.data]);

  return html`<div class="page content">
    <h1>${t('content.title')}</h1>
    ${can(user.role, 'approve') ? html`<${PublishBox} />` : null}
    ${can(user.role, 'submit')
      ? html`<${NewClipForm} communes=${communes} onCreated=${(c: Clip) => (setStatus('submitted'), setSelected(c.id), clips.reload())} />`
      : null}
    <section aria-labelledby="clips-title">
      <h2 id="clips-title">${t('content.list')}</h2>
      <label class="inline">${t('content.filter')}
        <select value=${status} onChange=${(e: Event) => setStatus((e.target as HTMLSelectElement).value as ClipStatus | '')}>
          <option value="">${t('content.all')}</option>
          ${CLIP_STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
        </select>
      </label>
      <${ErrorNote} error=${clips.error} />
      <${Loading} when=${clips.loading && clips.data === undefined} />
      <${ClipTable} clips=${clips.data?.clips ?? []} selected=${selected} onSelect=${setSelected} />
    </section>
    ${selected ? html`<${ClipDetail} key=${selected} id=${selected} communes=${communes} onChanged=${clips.reload} onClose=${() => setSelected(null)} />` : null}
  </div>`;
}

function ClipTable({ clips, selected, onSelect }: { clips: readonly Clip[]; selected: string | null; onSelect: (id: string) => void }): VNode {
  const { t, lang } = useApp();
  if (clips.length === 0) return html`<p class="muted">${t('content.none')}</p>`;
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr>
      <th scope="col">${t('col.clip')}</th><th scope="col">${t('content.titleField')}</th><th scope="col">${t('col.priority')}</th>
      <th scope="col">${t('col.status')}</th><th scope="col">${t('col.submitter')}</th><th scope="col">${t('col.duration')}</th><th scope="col"><span class="sr-only">${t('content.open')}</span></th>
    </tr></thead>
    <tbody>${clips.map(
      (c) => html`<tr class=${c.id === selected ? 'selected' : ''}>
        <td>${c.id}</td><td>${c.title}</td>
        <td>${t(`priority.${c.approvedPriority ?? c.requestedPriority}`)}</td>
        <td><${Badge} tone=${STATUS_TONE[c.status]}>${t(`status.${c.status}`)}<//></td>
        <td>${c.submitter}${c.submittedAt ? html` <span class="muted small">${fmtDate(c.submittedAt, lang)}</span>` : null}</td>
        <td>${fmtDuration(c.durationMs / 1000, lang)}</td>
        <td><button type="button" onClick=${() => onSelect(c.id)}>${t('content.open')}</button></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function PublishBox(): VNode {
  const { api, t } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const publish = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await api.send<{ version: number; clips: number | unknown[] }>('POST', '/api/manifests');
      setDone(t('content.published', { v: r.version, n: Array.isArray(r.clips) ? r.clips.length : r.clips }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="publish-title">
    <h2 id="publish-title">${t('content.publishTitle')}</h2>
    <p class="muted">${t('content.publishHelp')}</p>
    <button type="button" onClick=${publish} disabled=${busy}>${busy ? t('sending') : t('content.publish')}</button>
    ${done ? html`<p class="ok" role="status">${done}</p>` : null}
    <${ErrorNote} error=${error} />
  </section>`;
}

type Step = 'approve' | 'reject' | 'request-changes' | 'withdraw';

/** A target as the write API takes it back: `district`, `commune:ID`, `team:ID`, `unit:ID`. */
const targetText = (x: { kind: string; id: string }): string => (x.kind === 'district' ? 'district' : `${x.kind}:${x.id}`);

const dayOf = (unixS: number | undefined): string => (unixS ? vnDay(unixS * 1000) : '');

function ClipDetail({ id, communes, onChanged, onClose }: { id: string; communes: [string, string][]; onChanged: () => void; onClose: () => void }): VNode {
  const { api, t, lang, user } = useApp();
  const detail = useLoad(() => api.get<{ clip: Clip; audit: AuditEntry[] }>(`/api/content/${encodeURIComponent(id)}`), [id]);
  const [step, setStep] = useState<Step | null>(null);
  const clip = detail.data?.clip;
  const steps: Step[] = [];
  if (clip && can(user.role, 'approve')) {
    if (clip.status === 'submitted') steps.push('approve', 'request-changes');
    if (clip.status === 'submitted' || clip.status === 'changes-requested') steps.push('reject');
  }
  if (clip && canWithdraw(user.role, user.name, clip)) steps.push('withdraw');

  return html`<section class="card detail" aria-labelledby="clip-title">
    <div class="row spread">
      <h2 id="clip-title">${clip ? `${clip.id} — ${clip.title}` : id}</h2>
      <button type="button" onClick=${onClose}>${t('close')}</button>
    </div>
    <${ErrorNote} error=${detail.error} />
    <${Loading} when=${detail.loading && !clip} />
    ${clip
      ? html`
        <audio controls preload="none" src=${`/api/content/${encodeURIComponent(clip.id)}/audio`}>${t('content.noAudio')}</audio>
        <dl class="facts">
          <div><dt>${t('col.status')}</dt><dd><${Badge} tone=${STATUS_TONE[clip.status]}>${t(`status.${clip.status}`)}<//></dd></div>
          <div><dt>${t('content.priorityRequested')}</dt><dd>${t(`priority.${clip.requestedPriority}`)}</dd></div>
          ${clip.approvedPriority ? html`<div><dt>${t('content.priorityFinal')}</dt><dd>${t(`priority.${clip.approvedPriority}`)}</dd></div>` : null}
          <div><dt>${t('col.duration')}</dt><dd>${fmtDuration(clip.durationMs / 1000, lang)}</dd></div>
          <div><dt>${t('content.targets')}</dt><dd>${clip.targets && clip.targets.length > 0 ? clip.targets.map(targetText).join(', ') : t('content.wholeDistrict')}</dd></div>
          <div><dt>${t('content.validity')}</dt><dd>${clip.validFrom ? fmtDate(clip.validFrom, lang) : '…'} – ${clip.validUntil ? fmtDate(clip.validUntil, lang) : '…'}</dd></div>
          ${clip.summary ? html`<div class="wide"><dt>${t('content.summary')}</dt><dd>${clip.summary}</dd></div>` : null}
          ${clip.note ? html`<div class="wide"><dt>${t('content.note')}</dt><dd>${clip.note}</dd></div>` : null}
        </dl>
        ${steps.length > 0
          ? html`<div class="row" role="group" aria-label=${t('content.actions')}>
              ${steps.map((s) => html`<button type="button" class=${step === s ? 'active' : ''} aria-pressed=${step === s} onClick=${() => setStep(step === s ? null : s)}>${t(`step.${s}`)}</button>`)}
            </div>`
          : null}
        ${step ? html`<${StepForm} key=${step} step=${step} clip=${clip} communes=${communes} onDone=${() => (setStep(null), detail.reload(), onChanged())} />` : null}
        <h3>${t('content.audit')}</h3>
        <${AuditTable} audit=${detail.data!.audit} />`
      : null}
  </section>`;
}

function StepForm({ step, clip, communes, onDone }: { step: Step; clip: Clip; communes: [string, string][]; onDone: () => void }): VNode {
  const { api, t } = useApp();
  const [priority, setPriority] = useState<Priority>(clip.requestedPriority);
  const initialTargets = (clip.targets ?? []).map(targetText);
  const [targets, setTargets] = useState<string[]>(initialTargets);
  const [from, setFrom] = useState(dayOf(clip.validFrom));
  const [until, setUntil] = useState(dayOf(clip.validUntil));
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const body = (): Record<string, unknown> => {
    switch (step) {
      case 'approve':
        // Only what the approver changed: the clip's own dates shown as days are not exact (an end is the first
        // second after a day), so sending them back untouched could move them.
        return {
          priority,
          ...(targets.join(',') === initialTargets.join(',') ? {} : { targets }),
          ...(from && from !== dayOf(clip.validFrom) ? { validFrom: from } : {}),
          ...(until && until !== dayOf(clip.validUntil) ? { validUntil: until } : {}),
        };
      case 'reject':
        return { reason: text };
      case 'request-changes':
        return { note: text };
      case 'withdraw':
        return text ? { reason: text } : {};
    }
  };
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.send('POST', `/api/content/${encodeURIComponent(clip.id)}/${step}`, body());
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const textLabel = step === 'reject' ? t('content.reason') : step === 'request-changes' ? t('content.changes') : t('content.reasonOptional');
  return html`<form class="step" onSubmit=${submit}>
    ${step === 'approve'
      ? html`<div class="row">
            <${PrioritySelect} value=${priority} onChange=${setPriority} label=${t('content.priorityFinal')} />
            <label>${t('content.from')}<input type="date" value=${from} onChange=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} /></label>
            <label>${t('content.until')}<input type="date" value=${until} onChange=${(e: Event) => setUntil((e.target as HTMLInputElement).value)} /></label>
          </div>
          <${TargetsField} value=${targets} onChange=${setTargets} communes=${communes} />`
      : html`<label>${textLabel}<textarea rows="3" required=${step !== 'withdraw'} value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea></label>`}
    <${ErrorNote} error=${error} />
    <button type="submit" disabled=${busy}>${busy ? t('sending') : t(`step.${step}.confirm`)}</button>
  </form>`;
}

function AuditTable({ audit }: { audit: readonly AuditEntry[] }): VNode {
  const { t, lang } = useApp();
  if (audit.length === 0) return html`<p class="muted">${t('content.noAudit')}</p>`;
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr><th scope="col">${t('col.time')}</th><th scope="col">${t('col.by')}</th><th scope="col">${t('col.action')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('col.detail')}</th></tr></thead>
    <tbody>${audit.map(
      (a) => html`<tr>
        <td>${fmtDateTime(a.time, lang)}</td>
        <td>${a.actor} <span class="muted small">${t(`role.${a.actorRole}`, {}, a.actorRole)}${a.via === 'cli' ? ' · CLI' : ''}</span></td>
        <td>${t(`audit.${a.action}`, {}, a.action)}</td>
        <td>${a.fromStatus ? `${t(`status.${a.fromStatus}`, {}, a.fromStatus)} → ` : ''}${t(`status.${a.toStatus}`, {}, a.toStatus)}</td>
        <td>${a.detail ?? ''}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}
