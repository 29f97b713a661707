/** The content page's forms: a new clip (an audio file, or text for Vietnamese speech) and the targets picker. */
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { useApp } from '../app.js';
import { ErrorNote } from '../components/common.js';
import { html } from '../html.js';
import { PRIORITIES, type Clip, type Priority } from '../lib/types.js';
import { audioTypeOf, MAX_UPLOAD_BYTES } from '../lib/upload.js';

/**
 * Where a clip may play: communes ticked from the list the fleet gives, or (for a submitter, who may not read the
 * fleet) typed as `commune:ID`. None = the whole district.
 */
export function TargetsField({ value, onChange, communes }: { value: string[]; onChange: (v: string[]) => void; communes: [string, string][] }): VNode {
  const { t } = useApp();
  if (communes.length === 0) {
    return html`<label>${t('content.targets')} <span class="muted small">${t('content.targetsHint')}</span>
      <input value=${value.join(', ')} placeholder="commune:xa-an-binh, team:to-1" onChange=${(e: Event) =>
        onChange((e.target as HTMLInputElement).value.split(/[,\s]+/).filter((s) => s !== ''))} />
    </label>`;
  }
  const toggle = (id: string, on: boolean): void => onChange(on ? [...value, id] : value.filter((v) => v !== id));
  return html`<fieldset class="targets">
    <legend>${t('content.targets')} <span class="muted small">${t('content.targetsNone')}</span></legend>
    ${communes.map(
      ([id, name]) => html`<label class="choice"><input type="checkbox" checked=${value.includes(`commune:${id}`)} onChange=${(e: Event) => toggle(`commune:${id}`, (e.target as HTMLInputElement).checked)} /> ${name}</label>`,
    )}
  </fieldset>`;
}

export function PrioritySelect({ value, onChange, label }: { value: Priority; onChange: (p: Priority) => void; label: string }): VNode {
  const { t } = useApp();
  return html`<label>${label}
    <select value=${value} onChange=${(e: Event) => onChange((e.target as HTMLSelectElement).value as Priority)}>
      ${PRIORITIES.map((p) => html`<option value=${p}>${t(`priority.${p}`)}</option>`)}
    </select>
  </label>`;
}

const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;

export function NewClipForm({ communes, onCreated }: { communes: [string, string][]; onCreated: (c: Clip) => void }): VNode {
  const { api, t } = useApp();
  const [mode, setMode] = useState<'file' | 'speech'>('file');
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [category, setCategory] = useState('chung');
  const [priority, setPriority] = useState<Priority>('ordinary');
  const [targets, setTargets] = useState<string[]>([]);
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setError(null);
    setBusy(true);
    try {
      let r: { clip: Clip };
      if (mode === 'file') {
        const type = file ? audioTypeOf(file) : null;
        if (!file || !type) throw new Error(t('content.fileType'));
        const q = new URLSearchParams({ title, priority, category });
        if (summary) q.set('summary', summary);
        for (const target of targets) q.append('target', target);
        if (from) q.set('from', from);
        if (until) q.set('until', until);
        r = await api.send<{ clip: Clip }>('POST', `/api/content?${q}`, new Blob([file], { type }));
      } else {
        r = await api.send<{ clip: Clip }>('POST', '/api/content/speech', {
          title,
          text,
          priority,
          category,
          ...(summary ? { summary } : {}),
          ...(targets.length > 0 ? { targets } : {}),
          ...(from ? { validFrom: from } : {}),
          ...(until ? { validUntil: until } : {}),
        });
      }
      setTitle('');
      setSummary('');
      setText('');
      setFile(null);
      onCreated(r.clip);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const pickFile = (e: Event): void => {
    const f = (e.target as HTMLInputElement).files?.[0] ?? null;
    setFileProblem(f === null ? null : !audioTypeOf(f) ? t('content.fileType') : f.size > MAX_UPLOAD_BYTES ? t('content.fileSize') : null);
    setFile(f);
  };

  return html`<form class="card" onSubmit=${submit} aria-labelledby="new-clip-title">
    <h2 id="new-clip-title">${t('content.new')}</h2>
    <fieldset>
      <legend>${t('content.source')}</legend>
      <label class="choice"><input type="radio" name="mode" checked=${mode === 'file'} onChange=${() => setMode('file')} /> ${t('content.upload')}</label>
      <label class="choice"><input type="radio" name="mode" checked=${mode === 'speech'} onChange=${() => setMode('speech')} /> ${t('content.speech')}</label>
    </fieldset>
    <label>${t('content.titleField')}<input required maxlength="200" value=${title} onInput=${(e: Event) => setTitle(inputValue(e))} /></label>
    ${mode === 'file'
      ? html`<label>${t('content.file')}<input type="file" required accept=".wav,.mp3,audio/wav,audio/mpeg" onChange=${pickFile} /></label>
          ${fileProblem ? html`<p class="error" role="alert">${fileProblem}</p>` : null}`
      : html`<label>${t('content.text')}<textarea required rows="5" value=${text} onInput=${(e: Event) => setText(inputValue(e))}></textarea></label>`}
    <label>${t('content.summary')}<textarea rows="2" maxlength="2000" value=${summary} onInput=${(e: Event) => setSummary(inputValue(e))}></textarea></label>
    <div class="row">
      <${PrioritySelect} value=${priority} onChange=${setPriority} label=${t('content.priorityRequested')} />
      <label>${t('content.category')}<input pattern="[a-z0-9][a-z0-9\\-]{0,31}" value=${category} onInput=${(e: Event) => setCategory(inputValue(e))} /></label>
      <label>${t('content.from')}<input type="date" value=${from} onChange=${(e: Event) => setFrom(inputValue(e))} /></label>
      <label>${t('content.until')}<input type="date" value=${until} onChange=${(e: Event) => setUntil(inputValue(e))} /></label>
    </div>
    <${TargetsField} value=${targets} onChange=${setTargets} communes=${communes} />
    <${ErrorNote} error=${error} />
    <button type="submit" disabled=${busy || fileProblem !== null}>${busy ? t('sending') : t('content.submit')}</button>
  </form>`;
}
