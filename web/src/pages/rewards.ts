/**
 * Khen thưởng: a period's reward proposal (đề xuất khen thưởng). The teams by thi đua rank with their figures and the
 * reasons, their members under them, the ones the board removed kept with the reason; an approver adds or removes
 * a team or a member with a reason and edits the criteria of the period's kind; CSV / DOCX for the internal-affairs
 * office.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApp, useLoad } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import {
  criteriaForm,
  criteriaOfForm,
  groupCandidates,
  parsePeriodId,
  rewardsDocPath,
  type CriteriaAnswer,
  type CriteriaForm,
  type MemberItem,
  type RewardCandidate,
  type RewardProposal,
  type TeamItem,
} from '../lib/board.js';
import { fmtDateTime, fmtNumber, vnDay } from '../lib/format.js';
import { periodId, periodOfDay } from '../lib/period.js';
import { can } from '../lib/roles.js';
import { PeriodPicker, periodWords } from '../components/period-picker.js';

type Adjust = { kind: 'team' | 'member'; id: string; action: 'add' | 'remove'; reason: string };

export function RewardsPage(): VNode {
  const { api, t, lang, user, now } = useApp();
  const today = vnDay(now());
  const [period, setPeriod] = useState(() => periodId('month', periodOfDay('month', today).year, periodOfDay('month', today).index));
  const proposal = useLoad(() => api.get<{ proposal: RewardProposal }>(`/api/rewards?period=${encodeURIComponent(period)}`), [period]);
  const [shown, setShown] = useState<RewardProposal | null>(null);
  useEffect(() => setShown(proposal.data?.proposal ?? null), [proposal.data]);
  const approver = can(user.role, 'approve');

  const adjust = async (a: Adjust): Promise<void> => {
    const r = await api.send<{ proposal: RewardProposal }>('POST', '/api/rewards/adjustments', { period, ...a });
    setShown(r.proposal);
  };

  return html`<div class="page rewards">
    <h1>${t('rewards.title')}</h1>
    <form class="card" aria-label=${t('reviews.pick')} onSubmit=${(e: Event) => (e.preventDefault(), proposal.reload())}>
      <${PeriodPicker} period=${period} onChange=${setPeriod}><button type="submit">${t('refresh')}</button><//>
    </form>
    <nav class="downloads" aria-label=${t('rewards.downloads')}>
      <a class="button" href=${rewardsDocPath(period, 'csv', lang)} download>${t('reports.csv')}</a>
      <a class="button" href=${rewardsDocPath(period, 'docx', lang)} download>${t('reports.docx')}</a>
    </nav>
    <${ErrorNote} error=${proposal.error} />
    <${Loading} when=${proposal.loading && shown === null} />
    ${shown
      ? html`<section aria-labelledby="proposal-title">
          <h2 id="proposal-title">${t('rewards.proposal', { p: periodWords(shown.period, t) })}</h2>
          <p class="muted small">${t('reports.generated', { at: fmtDateTime(shown.computedAt, lang) })}</p>
          <${ProposalTable} candidates=${shown.candidates} onAdjust=${approver ? adjust : null} />
          ${approver ? html`<${AddForm} onAdjust=${adjust} />` : null}
        </section>`
      : null}
    <${CriteriaCard} period=${period} onSaved=${proposal.reload} />
  </div>`;
}

function ProposalTable({ candidates, onAdjust }: { candidates: readonly RewardCandidate[]; onAdjust: ((a: Adjust) => Promise<void>) | null }): VNode {
  const { t } = useApp();
  const groups = groupCandidates(candidates);
  if (groups.length === 0) return html`<p class="muted">${t('rewards.none')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('rewards.list')}><table class="proposal">
    <thead><tr>
      <th scope="col">${t('reports.rank')}</th><th scope="col">${t('rewards.name')}</th><th scope="col">${t('units.commune')}</th>
      <th scope="col">${t('reports.hours')}</th><th scope="col">${t('reports.activeDays')}</th><th scope="col">${t('rewards.communesReached')}</th>
      <th scope="col">${t('rewards.activities')}</th><th scope="col">${t('activities.people')}</th><th scope="col">${t('reports.faults')}</th>
      <th scope="col">${t('rewards.reasons')}</th>${onAdjust ? html`<th scope="col"><span class="sr-only">${t('rewards.change')}</span></th>` : null}
    </tr></thead>
    <tbody>${groups.flatMap((g) => [
      g.team ? html`<${CandidateRow} key=${`t-${g.teamId}`} c=${g.team} onAdjust=${onAdjust} />` : null,
      ...g.members.map((m) => html`<${CandidateRow} key=${`m-${m.id}`} c=${m} onAdjust=${onAdjust} />`),
    ])}</tbody>
  </table></div>`;
}

function CandidateRow({ c, onAdjust }: { c: RewardCandidate; onAdjust: ((a: Adjust) => Promise<void>) | null }): VNode {
  const { t, lang } = useApp();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const f = c.figures;
  const n = (v: number, d = 0): string => fmtNumber(v, lang, d);
  const member = c.kind === 'member';
  const action = c.removed ? 'add' : 'remove';
  const send = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setError(null);
    try {
      await onAdjust!({ kind: c.kind, id: c.id, action, reason: reason.trim() });
      setAsking(false);
      setReason('');
    } catch (e) {
      setError(e);
    }
  };
  const cols = onAdjust ? 11 : 10;
  return html`<tr class=${`${member ? 'member' : 'team'}${c.removed ? ' removed' : ''}`}>
      <td class="num">${member ? '' : (f.rank ?? '—')}</td>
      <th scope="row">${member ? html`<span class="indent">↳ </span>` : null}${c.name}${member ? html` <span class="muted small">${t('rewards.memberOf', { team: c.teamName })}</span>` : null}
        ${c.removed ? html`<br /><${Badge} tone="offline">${t('rewards.removed')}<//> <span class="small">${c.removed.reason} (${c.removed.by})</span>` : null}
        ${c.added ? html`<br /><${Badge} tone="playing">${t('rewards.added')}<//> <span class="small">${c.added.reason} (${c.added.by})</span>` : null}
      </th>
      <td>${c.communeName}</td>
      <td class="num">${member ? '' : n(f.broadcastHours, 1)}</td>
      <td class="num">${member ? '' : `${f.activeDays}/${f.daysElapsed}`}</td>
      <td class="num">${member ? '' : n(f.communesReached)}</td>
      <td class="num">${n(f.activities)}</td>
      <td class="num">${n(f.peopleReached)}</td>
      <td class="num">${member ? '' : n(f.faults)}</td>
      <td>${c.reasons.length > 0 ? html`<ul class="reasons">${c.reasons.map((r) => html`<li>${r[lang]}</li>`)}</ul>` : '—'}</td>
      ${onAdjust
        ? html`<td><button type="button" aria-expanded=${asking} aria-label=${t(`rewards.${action}N`, { name: c.name })} onClick=${() => setAsking(!asking)}>${t(`rewards.${action}`)}</button></td>`
        : null}
    </tr>
    ${asking
      ? html`<tr class="adjust"><td colspan=${cols}>
          <form class="inline" onSubmit=${send}>
            <label>${t('rewards.reasonFor', { name: c.name })}<input required maxlength="500" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} /></label>
            <button type="submit">${t(`rewards.${action}Confirm`)}</button>
            <button type="button" class="link" onClick=${() => setAsking(false)}>${t('cancel')}</button>
          </form>
          <${ErrorNote} error=${error} />
        </td></tr>`
      : null}`;
}

/** An approver proposes a team or a member the criteria left out. */
function AddForm({ onAdjust }: { onAdjust: (a: Adjust) => Promise<void> }): VNode {
  const { api, t } = useApp();
  const teams = useLoad(() => api.get<{ teams: TeamItem[] }>('/api/teams'), []);
  const [kind, setKind] = useState<'team' | 'member'>('team');
  const [team, setTeam] = useState('');
  const [member, setMember] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const members = useLoad(
    () => (kind === 'member' && team ? api.get<{ members: MemberItem[] }>(`/api/members?team=${encodeURIComponent(team)}`) : Promise.resolve({ members: [] as MemberItem[] })),
    [kind, team],
  );
  const value = (e: Event): string => (e.target as HTMLSelectElement).value;
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onAdjust({ kind, id: kind === 'team' ? team : member, action: 'add', reason: reason.trim() });
      setReason('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="reward-add">
    <h3 id="reward-add">${t('rewards.addTitle')}</h3>
    <fieldset>
      <legend>${t('rewards.addWhat')}</legend>
      <label class="choice"><input type="radio" name="reward-kind" checked=${kind === 'team'} onChange=${() => setKind('team')} /> ${t('rewards.team')}</label>
      <label class="choice"><input type="radio" name="reward-kind" checked=${kind === 'member'} onChange=${() => setKind('member')} /> ${t('rewards.member')}</label>
    </fieldset>
    <div class="row">
      <label>${t('units.team')}
        <select required value=${team} onChange=${(e: Event) => (setTeam(value(e)), setMember(''))}>
          <option value="">${t('choose')}</option>
          ${(teams.data?.teams ?? []).map((x) => html`<option value=${x.id}>${x.name} (${x.communeName})</option>`)}
        </select>
      </label>
      ${kind === 'member'
        ? html`<label>${t('rewards.member')}
            <select required value=${member} onChange=${(e: Event) => setMember(value(e))}>
              <option value="">${t('choose')}</option>
              ${(members.data?.members ?? []).map((m) => html`<option value=${String(m.id)}>${m.name}</option>`)}
            </select>
          </label>`
        : null}
      <label>${t('rewards.reason')}<input required maxlength="500" value=${reason} onInput=${(e: Event) => setReason(value(e))} /></label>
      <button type="submit" disabled=${busy}>${busy ? t('sending') : t('rewards.addConfirm')}</button>
    </div>
    <${ErrorNote} error=${error ?? teams.error ?? members.error} />
  </form>`;
}

const CRITERIA_FIELDS = ['minHours', 'minActiveRatio', 'minCommunesReached', 'minActivities', 'topRanks', 'minMemberActivities'] as const;

/** The criteria of the period's kind; an approver edits them (they apply to every period of that kind). */
function CriteriaCard({ period, onSaved }: { period: string; onSaved: () => void }): VNode {
  const { api, t, lang, user } = useApp();
  const kind = parsePeriodId(period)?.kind ?? 'month';
  const answer = useLoad(() => api.get<CriteriaAnswer>(`/api/rewards/criteria?kind=${kind}`), [kind]);
  const [form, setForm] = useState<CriteriaForm | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setForm(answer.data ? criteriaForm(answer.data.criteria) : null), [answer.data]);
  const approver = can(user.role, 'approve');
  const save = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (!form) return;
    setError(null);
    const made = criteriaOfForm(form);
    if ('field' in made) return setError(new Error(t('rewards.badCriterion', { name: t(`rewards.crit.${made.field}`) })));
    setBusy(true);
    try {
      await api.send<CriteriaAnswer>('POST', '/api/rewards/criteria', { kind, criteria: made.criteria });
      answer.reload();
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const a = answer.data;
  return html`<section class="card" aria-labelledby="criteria-title">
    <h2 id="criteria-title">${t('rewards.criteria', { kind: t(`period.${kind}`) })}</h2>
    <${ErrorNote} error=${answer.error} />
    ${a?.setBy ? html`<p class="muted small">${t('rewards.criteriaSet', { by: a.setBy, at: a.setAt ? fmtDateTime(a.setAt, lang) : '' })}</p>` : null}
    ${form
      ? html`<form onSubmit=${save}>
          <div class="row">
            ${CRITERIA_FIELDS.map(
              (k) => html`<label>${t(`rewards.crit.${k}`)}
                <input inputmode="decimal" readonly=${!approver} required=${k === 'minMemberActivities'} value=${form[k]} placeholder=${t('rewards.notApplied')}
                  onInput=${(e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value })} />
              </label>`,
            )}
          </div>
          <label class="choice"><input type="checkbox" disabled=${!approver} checked=${form.noFaults} onChange=${(e: Event) => setForm({ ...form, noFaults: (e.target as HTMLInputElement).checked })} /> ${t('rewards.crit.noFaults')}</label>
          <p class="muted small">${t('rewards.criteriaHelp')}</p>
          <${ErrorNote} error=${error} />
          ${approver ? html`<button type="submit" disabled=${busy}>${busy ? t('sending') : t('rewards.saveCriteria')}</button>` : null}
        </form>`
      : null}
  </section>`;
}
