/**
 * Hoạt động's forms: recording (or correcting and resubmitting) an activity with its members and photos, uploading
 * the photos once the record is made, and a team's training records. Apart from the list and the detail
 * (activities.ts), as content-forms.ts is from content.ts.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApp, useLoad } from '../app.js';
import { ErrorNote } from '../components/common.js';
import { html } from '../html.js';
import {
  ACTIVITY_KINDS,
  activityBody,
  activityFormOf,
  activityLabel,
  imageTypeOf,
  MAX_PHOTO_BYTES,
  MAX_PHOTOS,
  type ActivityForm,
  type ActivityKind,
  type ActivityRecord,
  type MemberItem,
  type TeamItem,
  type TrainingRecord,
} from '../lib/board.js';
import { fmtDate, fmtTime, vnDay } from '../lib/format.js';
import { can } from '../lib/roles.js';

const value = (e: Event): string => (e.target as HTMLInputElement).value;

/** The members of a team, loaded when the team changes (none before a team is chosen). */
function useMembers(team: string): { members: MemberItem[]; error: unknown } {
  const { api } = useApp();
  const loaded = useLoad(() => (team ? api.get<{ members: MemberItem[] }>(`/api/members?team=${encodeURIComponent(team)}`) : Promise.resolve({ members: [] })), [team]);
  return { members: loaded.data?.members ?? [], error: loaded.error };
}

/** The photos a submitter picked: the ones the API would refuse are named before anything is sent. */
function photoProblems(files: readonly File[], t: (k: string, v?: Record<string, string | number>) => string): string[] {
  const out: string[] = [];
  if (files.length > MAX_PHOTOS) out.push(t('activities.tooManyPhotos', { n: MAX_PHOTOS }));
  for (const f of files) {
    if (imageTypeOf(f) === null) out.push(t('activities.photoType', { name: f.name }));
    else if (f.size > MAX_PHOTO_BYTES) out.push(t('activities.photoSize', { name: f.name }));
  }
  return out;
}

/** Uploads the photos one after the other (each is its own request); stops at the first refusal. */
async function uploadPhotos(api: ReturnType<typeof useApp>['api'], id: number, files: readonly File[]): Promise<void> {
  for (const f of files) await api.send('POST', `/api/activities/${id}/photos`, new Blob([f], { type: imageTypeOf(f)! }));
}

function PhotoPicker({ files, onChange, label }: { files: readonly File[]; onChange: (f: File[]) => void; label: string }): VNode {
  const { t } = useApp();
  const problems = photoProblems(files, t);
  return html`<label>${label} <span class="muted small">${t('activities.photosHint', { n: MAX_PHOTOS })}</span>
      <input type="file" multiple accept="image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp" onChange=${(e: Event) => onChange([...((e.target as HTMLInputElement).files ?? [])])} />
    </label>
    ${problems.map((p) => html`<p class="error" role="alert">${p}</p>`)}`;
}

export function PhotoUpload({ activityId, onDone }: { activityId: number; onDone: () => void }): VNode {
  const { api, t } = useApp();
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await uploadPhotos(api, activityId, files);
      setFiles([]);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="step" onSubmit=${submit}>
    <${PhotoPicker} files=${files} onChange=${setFiles} label=${t('activities.addPhotos')} />
    <${ErrorNote} error=${error} />
    <button type="submit" disabled=${busy || files.length === 0 || photoProblems(files, t).length > 0}>${busy ? t('sending') : t('activities.upload')}</button>
  </form>`;
}

/**
 * A new activity, or (`editing`) a returned one corrected and resubmitted; the photos chosen are uploaded once the
 * record is accepted.
 */
export function NewActivityForm(p: { teams: readonly TeamItem[]; communes: [string, string][]; editing?: ActivityRecord; onCreated: (id: number) => void; onCancel: () => void }): VNode {
  const { api, t, lang, now } = useApp();
  const editing = p.editing;
  const [f, setF] = useState<ActivityForm>(() => editing ? activityFormOf(editing) : ({
    kind: 'oral',
    date: vnDay(now()),
    time: fmtTime(Math.floor(now() / 1000), lang),
    commune: p.communes.length === 1 ? p.communes[0]![0] : '',
    team: '',
    place: '',
    lat: '',
    lon: '',
    members: [],
    peopleReached: '',
    note: '',
  }));
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** The record was made but a photo was refused: the page says so and offers to open the record. */
  const [madeId, setMadeId] = useState<number | null>(null);
  const teams = p.teams.filter((x) => f.commune === '' || x.communeId === f.commune);
  const { members, error: membersError } = useMembers(f.team);
  const set = <K extends keyof ActivityForm>(k: K, v: ActivityForm[K]): void => setF((old) => ({ ...old, [k]: v }));
  useEffect(() => {
    // A team of another commune is not this form's team any more.
    if (f.team !== '' && !teams.some((x) => x.id === f.team)) setF((old) => ({ ...old, team: '', members: [] }));
  }, [f.commune]);

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setError(null);
    const made = activityBody(f);
    if ('problem' in made) return setError(new Error(t(made.problem)));
    setBusy(true);
    let id: number | null = null;
    try {
      const path = editing ? `/api/activities/${editing.id}/resubmit` : '/api/activities';
      id = (await api.send<{ activity: ActivityRecord }>('POST', path, { ...made.body })).activity.id;
      await uploadPhotos(api, id, files);
      p.onCreated(id);
    } catch (e) {
      setError(e);
      if (id !== null) setMadeId(id);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (id: number, on: boolean): void => set('members', on ? [...f.members, id] : f.members.filter((m) => m !== id));

  const title = editing ? t('activities.resubmitTitle', { n: activityLabel(editing.id) }) : t('activities.new');
  const titleId = editing ? 'resubmit-title' : 'new-activity-title';
  return html`<form class=${editing ? 'step' : 'card'} onSubmit=${submit} aria-labelledby=${titleId}>
    ${editing ? html`<h3 id=${titleId}>${title}</h3>` : html`<h2 id=${titleId}>${title}</h2>`}
    <div class="row">
      <label>${t('activities.kind')}
        <select value=${f.kind} onChange=${(e: Event) => set('kind', value(e) as ActivityKind)}>
          ${ACTIVITY_KINDS.map((k) => html`<option value=${k}>${t(`activity.kind.${k}`)}</option>`)}
        </select>
      </label>
      <label>${t('activities.date')}<input type="date" required value=${f.date} onChange=${(e: Event) => set('date', value(e))} /></label>
      <label>${t('activities.time')}<input type="time" required value=${f.time} onChange=${(e: Event) => set('time', value(e))} /></label>
    </div>
    <div class="row">
      <label>${t('units.commune')}
        <select required value=${f.commune} onChange=${(e: Event) => set('commune', value(e))}>
          <option value="">${t('choose')}</option>
          ${p.communes.map(([id, name]) => html`<option value=${id}>${name}</option>`)}
        </select>
      </label>
      <label>${t('units.team')}
        <select required value=${f.team} onChange=${(e: Event) => setF((old) => ({ ...old, team: value(e), members: [] }))}>
          <option value="">${t('choose')}</option>
          ${teams.map((x) => html`<option value=${x.id}>${x.name}</option>`)}
        </select>
      </label>
      <label>${t('activities.place')}<input maxlength="200" value=${f.place} onInput=${(e: Event) => set('place', value(e))} /></label>
    </div>
    ${f.team
      ? html`<fieldset class="targets">
          <legend>${t('activities.membersPresent')}</legend>
          ${members.length === 0 ? html`<p class="muted small">${t('activities.noMembers')}</p>` : null}
          ${members.map(
            (m) => html`<label class="choice"><input type="checkbox" checked=${f.members.includes(m.id)} onChange=${(e: Event) => toggle(m.id, (e.target as HTMLInputElement).checked)} /> ${m.name}</label>`,
          )}
        </fieldset>`
      : null}
    <${ErrorNote} error=${membersError} />
    <div class="row">
      <label>${t('activities.people')}<input inputmode="numeric" pattern="[0-9]*" required value=${f.peopleReached} onInput=${(e: Event) => set('peopleReached', value(e))} /></label>
      <label>${t('activities.lat')}<input inputmode="decimal" value=${f.lat} onInput=${(e: Event) => set('lat', value(e))} /></label>
      <label>${t('activities.lon')}<input inputmode="decimal" value=${f.lon} onInput=${(e: Event) => set('lon', value(e))} /></label>
    </div>
    <label>${t('activities.note')}<textarea rows="3" maxlength="2000" value=${f.note} onInput=${(e: Event) => set('note', value(e))}></textarea></label>
    <${PhotoPicker} files=${files} onChange=${setFiles} label=${t('activities.photos')} />
    <${ErrorNote} error=${error} />
    ${madeId !== null
      ? html`<p class="warn" role="status">${t('activities.madeWithoutPhotos', { n: activityLabel(madeId) })}
          <button type="button" class="link" onClick=${() => p.onCreated(madeId)}>${t('activities.openN', { n: activityLabel(madeId) })}</button></p>`
      : null}
    <div class="row">
      <button type="submit" disabled=${busy || madeId !== null || photoProblems(files, t).length > 0}>${busy ? t('sending') : editing ? t('activity.step.resubmit.confirm') : t('activities.submit')}</button>
      <button type="button" class="link" onClick=${p.onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}

/** Training records of a team's members: the list, and (a submitter or approver) a new record. */
export function TrainingSection({ teams }: { teams: readonly TeamItem[] }): VNode {
  const { api, t, lang, user, now } = useApp();
  const [team, setTeam] = useState('');
  const { members, error: membersError } = useMembers(team);
  const records = useLoad(
    () => (team ? api.get<{ training: TrainingRecord[] }>(`/api/training?team=${encodeURIComponent(team)}`) : Promise.resolve({ training: [] as TrainingRecord[] })),
    [team],
  );
  const [member, setMember] = useState('');
  const [course, setCourse] = useState('');
  const [day, setDay] = useState(vnDay(now()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const add = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.send('POST', '/api/training', { member: Number(member), course: course.trim(), day });
      setCourse('');
      records.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const list = records.data?.training ?? [];
  return html`<section class="card" aria-labelledby="training-title">
    <h2 id="training-title">${t('training.title')}</h2>
    <label class="inline">${t('units.team')}
      <select value=${team} onChange=${(e: Event) => (setTeam(value(e)), setMember(''))}>
        <option value="">${t('choose')}</option>
        ${teams.map((x) => html`<option value=${x.id}>${x.name} (${x.communeName})</option>`)}
      </select>
    </label>
    <${ErrorNote} error=${membersError ?? records.error} />
    ${team && members.length > 0 ? html`<p class="small">${t('training.members')}: ${members.map((m) => m.name + (m.role === 'leader' ? ` (${t('training.leader')})` : '')).join(', ')}</p>` : null}
    ${team
      ? list.length === 0
        ? html`<p class="muted">${t('training.none')}</p>`
        : html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('training.title')}><table>
            <thead><tr><th scope="col">${t('training.member')}</th><th scope="col">${t('training.course')}</th><th scope="col">${t('training.day')}</th><th scope="col">${t('col.by')}</th></tr></thead>
            <tbody>${list.map((r) => html`<tr><td>${r.memberName}</td><td>${r.course}</td><td>${r.day.split('-').reverse().join('/')}</td><td>${r.recordedBy} <span class="muted small">${fmtDate(r.recordedAt, lang)}</span></td></tr>`)}</tbody>
          </table></div>`
      : null}
    ${team && can(user.role, 'submit')
      ? html`<form class="step" onSubmit=${add} aria-labelledby="training-add">
          <h3 id="training-add">${t('training.add')}</h3>
          <div class="row">
            <label>${t('training.member')}
              <select required value=${member} onChange=${(e: Event) => setMember(value(e))}>
                <option value="">${t('choose')}</option>
                ${members.map((m) => html`<option value=${m.id}>${m.name}</option>`)}
              </select>
            </label>
            <label>${t('training.course')}<input required maxlength="200" value=${course} onInput=${(e: Event) => setCourse(value(e))} /></label>
            <label>${t('training.day')}<input type="date" required value=${day} onChange=${(e: Event) => setDay(value(e))} /></label>
            <button type="submit" disabled=${busy}>${busy ? t('sending') : t('training.save')}</button>
          </div>
          <${ErrorNote} error=${error} />
        </form>`
      : null}
  </section>`;
}
