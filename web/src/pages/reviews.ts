/**
 * Sơ kết: a period's review (month, quarter, six months, year; one commune or the whole area). The figures beside
 * the previous period and the same period last year, per commune too; the seven narrative sections, which an
 * approver edits and saves as a new version (someone else's newer save is reported, never overwritten); the older
 * versions; a fresh draft from today's figures; finalising (then read-only); the late notes; DOCX / HTML downloads.
 */
import type { VNode } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { useApp, useLoad } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { html } from '../html.js';
import {
  changedSections,
  communesOfTeams,
  figureDecimals,
  percentText,
  REVIEW_FIGURES,
  REVIEW_SECTIONS,
  reviewDocPath,
  signed,
  type ReviewFigureSet,
  type ReviewRecord,
  type ReviewSections,
  type TeamItem,
} from '../lib/board.js';
import { fmtDate, fmtDateTime, fmtNumber, vnDay } from '../lib/format.js';
import { periodId, periodOfDay } from '../lib/period.js';
import { can } from '../lib/roles.js';
import { PeriodPicker, periodWords } from '../components/period-picker.js';

export function ReviewsPage(): VNode {
  const { api, t, lang, user, now } = useApp();
  const today = vnDay(now());
  const [period, setPeriod] = useState(() => periodId('month', periodOfDay('month', today).year, periodOfDay('month', today).index));
  const [commune, setCommune] = useState('');
  const [openId, setOpenId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [absent, setAbsent] = useState(false);
  const teams = useLoad(() => api.get<{ teams: TeamItem[] }>('/api/teams'), []);
  const communes = useMemo(() => communesOfTeams(teams.data?.teams ?? []), [teams.data]);
  const list = useLoad(() => api.get<{ reviews: ReviewSummary[] }>('/api/reviews'), []);
  const approver = can(user.role, 'approve');

  /** An approver gets the review made if there is none yet; a viewer can only find an existing one. */
  const open = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    setAbsent(false);
    try {
      if (approver) {
        const r = await api.send<{ review: ReviewRecord }>('POST', '/api/reviews', { period, commune: commune || null, lang });
        setOpenId(r.review.id);
        list.reload();
      } else {
        const q = new URLSearchParams({ period, ...(commune ? { commune } : {}) });
        const found = (await api.get<{ reviews: ReviewSummary[] }>(`/api/reviews?${q}`)).reviews.find((r) => r.period === period && (r.commune ?? '') === commune);
        setOpenId(found?.id ?? null);
        setAbsent(found === undefined);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return html`<div class="page reviews">
    <h1>${t('reviews.title')}</h1>
    <form class="card" onSubmit=${open} aria-label=${t('reviews.pick')}>
      <${PeriodPicker} period=${period} onChange=${setPeriod}>
        <label>${t('units.commune')}
          <select value=${commune} onChange=${(e: Event) => setCommune((e.target as HTMLSelectElement).value)}>
            <option value="">${t('reviews.wholeArea')}</option>
            ${communes.map(([id, name]) => html`<option value=${id}>${name}</option>`)}
          </select>
        </label>
        <button type="submit" disabled=${busy}>${busy ? t('sending') : t('reviews.open')}</button>
      <//>
      <${ErrorNote} error=${error ?? teams.error} />
      ${absent ? html`<p class="muted" role="status">${t('reviews.absent')}</p>` : null}
    </form>
    ${openId !== null ? html`<${ReviewView} key=${openId} id=${openId} onChanged=${list.reload} />` : null}
    <section aria-labelledby="reviews-list">
      <h2 id="reviews-list">${t('reviews.list')}</h2>
      <${ErrorNote} error=${list.error} />
      ${(list.data?.reviews.length ?? 0) === 0
        ? html`<p class="muted">${t('reviews.none')}</p>`
        : html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('reviews.list')}><table>
            <thead><tr><th scope="col">${t('reviews.period')}</th><th scope="col">${t('units.commune')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('reviews.version')}</th><th scope="col"><span class="sr-only">${t('reviews.open')}</span></th></tr></thead>
            <tbody>${list.data!.reviews.map(
              (r) => html`<tr class=${r.id === openId ? 'selected' : ''}>
                <td>${periodWords(r.period, t)}</td>
                <td>${r.commune === null ? t('reviews.wholeArea') : (communes.find(([id]) => id === r.commune)?.[1] ?? r.commune)}</td>
                <td><${Badge} tone=${r.status === 'final' ? 'playing' : 'idle'}>${t(`review.status.${r.status}`)}<//>${r.finalisedAt ? html` <span class="muted small">${fmtDate(r.finalisedAt, lang)}</span>` : null}</td>
                <td class="num">${r.version}</td>
                <td><button type="button" aria-label=${t('reviews.openN', { p: periodWords(r.period, t) })} onClick=${() => setOpenId(r.id)}>${t('reviews.open')}</button></td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    </section>
  </div>`;
}

/** `GET /api/reviews` items: a review without its text, versions and figures. */
type ReviewSummary = Omit<ReviewRecord, 'sections' | 'versions' | 'data'>;

function ReviewView({ id, onChanged }: { id: number; onChanged: () => void }): VNode {
  const { api, t, lang, user } = useApp();
  const loaded = useLoad(() => api.get<{ review: ReviewRecord }>(`/api/reviews/${id}`), [id]);
  const [review, setReview] = useState<ReviewRecord | null>(null);
  useEffect(() => setReview(loaded.data?.review ?? null), [loaded.data]);
  const r = review;
  if (!r) return html`<section class="card"><${ErrorNote} error=${loaded.error} /><${Loading} when=${loaded.loading} /></section>`;
  const editable = r.status === 'draft' && can(user.role, 'approve');
  const changed = (next: ReviewRecord): void => {
    setReview(next);
    onChanged();
  };
  const scope = r.data.communeName ?? t('reviews.wholeArea');

  return html`<section class="card detail" aria-labelledby="review-title">
    <h2 id="review-title">${t('reviews.heading', { p: periodWords(r.period, t), scope })}</h2>
    <p>
      <${Badge} tone=${r.status === 'final' ? 'playing' : 'idle'}>${t(`review.status.${r.status}`)}<//>
      ${' '}<span>${r.status === 'final' && r.finalisedAt
        ? t('reviews.finalisedAt', { at: fmtDateTime(r.finalisedAt, lang), by: r.finalisedBy ?? '' })
        : t('reviews.computedAt', { at: fmtDateTime(r.data.computedAt, lang) })}</span>
    </p>
    <nav class="downloads" aria-label=${t('reviews.downloads')}>
      <a class="button" href=${reviewDocPath(r.id, 'docx', lang)} download>${t('reports.docx')}</a>
      <a class="button" href=${reviewDocPath(r.id, 'html', lang)} target="_blank" rel="noopener">${t('reports.html')}</a>
    </nav>
    ${r.data.regroupedAcrossMerger ? html`<p class="muted small">${t('reviews.regrouped')}</p>` : null}
    <h3>${t('reviews.figures', { prev: periodWords(r.data.previousPeriod, t), last: periodWords(r.data.lastYearPeriod, t) })}</h3>
    <${FigureTable} set=${r.data.totals} caption=${scope} />
    ${r.data.communes.length > 0
      ? html`<h3>${t('reviews.perCommune')}</h3>
          ${r.data.communes.map(
            (c) => html`<details class="commune-figures"><summary>${c.name}</summary><${FigureTable} set=${c.figures} caption=${c.name} /></details>`,
          )}`
      : null}
    ${r.data.activityTotals.awaitingConfirmation > 0 ? html`<p class="warn">${t('reviews.awaiting', { n: r.data.activityTotals.awaitingConfirmation })}</p>` : null}
    ${r.data.lateNotes.length > 0
      ? html`<h3>${t('reviews.lateNotes')}</h3>
          <ul class="notes">${r.data.lateNotes.map(
            (n) => html`<li>${t('reviews.lateNote', {
              p: periodWords(n.period, t),
              at: fmtDate(n.finalisedAt, lang),
              plays: signed(n.plays, (v) => fmtNumber(v, lang)),
              hours: signed(n.broadcastHours, (v) => fmtNumber(v, lang, 1)),
              activities: signed(n.activities, (v) => fmtNumber(v, lang)),
              people: signed(n.peopleReached, (v) => fmtNumber(v, lang)),
            })}</li>`,
          )}</ul>`
      : null}
    ${editable
      ? html`<${SectionsEditor} review=${r} onSaved=${changed} onReload=${loaded.reload} />
          <${ReviewSteps} review=${r} onDone=${changed} />`
      : html`<${SectionsText} sections=${r.sections} />`}
    <${Versions} review=${r} />
  </section>`;
}

function FigureTable({ set, caption }: { set: ReviewFigureSet; caption: string }): VNode {
  const { t, lang } = useApp();
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('reviews.figuresOf', { scope: caption })}><table class="figures">
    <thead><tr>
      <th scope="col">${t('reviews.figure')}</th><th scope="col">${t('reviews.thisPeriod')}</th><th scope="col">${t('reviews.previous')}</th>
      <th scope="col">Δ</th><th scope="col">%</th><th scope="col">${t('reviews.lastYear')}</th><th scope="col">Δ</th><th scope="col">%</th>
    </tr></thead>
    <tbody>${REVIEW_FIGURES.map((f) => {
      const c = set[f];
      const n = (v: number): string => fmtNumber(v, lang, figureDecimals(f));
      const p = (v: number): string => fmtNumber(v, lang, 1);
      return html`<tr>
        <th scope="row">${t(`review.fig.${f}`)}</th><td class="num">${n(c.value)}</td><td class="num">${n(c.previous)}</td>
        <td class="num">${signed(c.deltaPrevious, n)}</td><td class="num">${percentText(c.percentPrevious, p)}</td>
        <td class="num">${n(c.lastYear)}</td><td class="num">${signed(c.deltaLastYear, n)}</td><td class="num">${percentText(c.percentLastYear, p)}</td>
      </tr>`;
    })}</tbody>
  </table></div>`;
}

function SectionsText({ sections }: { sections: ReviewSections }): VNode {
  const { t } = useApp();
  return html`<div class="sections">${REVIEW_SECTIONS.map(
    (s) => html`<section aria-labelledby=${`sec-${s}`}><h3 id=${`sec-${s}`}>${t(`review.section.${s}`)}</h3><p class="pre">${sections[s] || '—'}</p></section>`,
  )}</div>`;
}

function SectionsEditor({ review, onSaved, onReload }: { review: ReviewRecord; onSaved: (r: ReviewRecord) => void; onReload: () => void }): VNode {
  const { api, t } = useApp();
  const [edited, setEdited] = useState<ReviewSections>(review.sections);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [stale, setStale] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    // A newer version (saved here, redrafted, or reloaded after someone else's save) replaces the text being edited.
    setEdited(review.sections);
    setStale(false);
  }, [review.id, review.version]);
  const changes = changedSections(review.sections, edited);
  const dirty = Object.keys(changes).length > 0;
  const save = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const r = await api.send<{ review: ReviewRecord }>('POST', `/api/reviews/${review.id}/versions`, { sections: changes, baseVersion: review.version });
      setSaved(true);
      onSaved(r.review);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 409 || e.code === 'stale-version')) setStale(true);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="sections" onSubmit=${save} aria-labelledby="sections-title">
    <h3 id="sections-title">${t('reviews.narrative', { v: review.version })}</h3>
    ${REVIEW_SECTIONS.map(
      (s) => html`<label>${t(`review.section.${s}`)}
        <textarea rows="6" maxlength="20000" value=${edited[s]} onInput=${(e: Event) => setEdited({ ...edited, [s]: (e.target as HTMLTextAreaElement).value })}></textarea>
      </label>`,
    )}
    ${stale
      ? html`<div class="error" role="alert">${t('reviews.stale')} <button type="button" onClick=${onReload}>${t('reviews.reload')}</button></div>`
      : null}
    <${ErrorNote} error=${error} />
    ${saved && !dirty ? html`<p class="ok" role="status">${t('reviews.saved', { v: review.version })}</p>` : null}
    <button type="submit" disabled=${busy || !dirty}>${busy ? t('sending') : t('reviews.save')}</button>
  </form>`;
}

/** Redraft and finalise, each asked once more in the page before it is sent (finalising cannot be undone). */
function ReviewSteps({ review, onDone }: { review: ReviewRecord; onDone: (r: ReviewRecord) => void }): VNode {
  const { api, t, lang } = useApp();
  const [asking, setAsking] = useState<'redraft' | 'finalise' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const go = async (step: 'redraft' | 'finalise'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.send<{ review: ReviewRecord }>('POST', `/api/reviews/${review.id}/${step}`, step === 'redraft' ? { lang } : {});
      setAsking(null);
      onDone(r.review);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="step">
    <div class="row" role="group" aria-label=${t('reviews.steps')}>
      <button type="button" aria-pressed=${asking === 'redraft'} onClick=${() => setAsking(asking === 'redraft' ? null : 'redraft')}>${t('reviews.redraft')}</button>
      <button type="button" aria-pressed=${asking === 'finalise'} onClick=${() => setAsking(asking === 'finalise' ? null : 'finalise')}>${t('reviews.finalise')}</button>
    </div>
    ${asking
      ? html`<div class="confirm" role="group" aria-labelledby="confirm-text">
          <p id="confirm-text">${t(`reviews.${asking}Ask`)}</p>
          <div class="row">
            <button type="button" disabled=${busy} onClick=${() => void go(asking)}>${busy ? t('sending') : t(`reviews.${asking}Confirm`)}</button>
            <button type="button" class="link" onClick=${() => setAsking(null)}>${t('cancel')}</button>
          </div>
        </div>`
      : null}
    <${ErrorNote} error=${error} />
  </div>`;
}

function Versions({ review }: { review: ReviewRecord }): VNode {
  const { api, t, lang } = useApp();
  const [shown, setShown] = useState<number | null>(null);
  const text = useLoad(
    () => (shown === null ? Promise.resolve(null) : api.get<{ sections: ReviewSections }>(`/api/reviews/${review.id}/versions/${shown}`)),
    [review.id, shown],
  );
  const versions = [...review.versions].sort((a, b) => b.version - a.version);
  return html`<section aria-labelledby="versions-title">
    <h3 id="versions-title">${t('reviews.versions')}</h3>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${t('reviews.versions')}><table>
      <thead><tr><th scope="col">${t('reviews.version')}</th><th scope="col">${t('col.by')}</th><th scope="col">${t('col.time')}</th><th scope="col"><span class="sr-only">${t('reviews.view')}</span></th></tr></thead>
      <tbody>${versions.map(
        (v) => html`<tr class=${v.version === shown ? 'selected' : ''}>
          <td class="num">${v.version}${v.version === review.version ? html` <span class="muted small">(${t('reviews.current')})</span>` : null}</td>
          <td>${v.savedBy}</td><td>${fmtDateTime(v.savedAt, lang)}</td>
          <td><button type="button" aria-pressed=${v.version === shown} aria-label=${t('reviews.viewN', { v: v.version })} onClick=${() => setShown(v.version === shown ? null : v.version)}>${t('reviews.view')}</button></td>
        </tr>`,
      )}</tbody>
    </table></div>
    ${shown !== null
      ? html`<div class="card old-version" aria-live="polite">
          <h4>${t('reviews.versionN', { v: shown })}</h4>
          <${ErrorNote} error=${text.error} />
          <${Loading} when=${text.loading} />
          ${text.data ? html`<${SectionsText} sections=${text.data.sections} />` : null}
        </div>`
      : null}
  </section>`;
}
