// The raw config editor: the file as written (inline secrets shown as <redacted:...> markers
// the server puts back on save), validated by the gateway itself as you type, applied with
// one button. Problems carry line and column; clicking one puts the caret there, and their
// lines are marked in the gutter: the live validation's while editing, else those of a reload
// of the file that failed (the file on disk is then not what serves).
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, postText, type ApplyResult, type ConfigFile, type Problem, type Runtime } from './api.js';
import { ProblemList } from './reload.js';

type Validation =
  | { state: 'idle' | 'checking' }
  | { state: 'valid'; warnings: string[] }
  | { state: 'invalid'; problems: Problem[]; error?: string };

const VALIDATE_DELAY_MS = 300;
/** The editor's line height (styles.css `.gutter` and `#editor`). */
const LINE_PX = 18;

function offsetOf(text: string, line: number, col: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, col - 1));
}

/** Asks the gateway whether `text` would load, a moment after the last keystroke. */
function useValidation(text: string, dirty: boolean): [Validation, (v: Validation) => void] {
  const [validation, setValidation] = useState<Validation>({ state: 'idle' });
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    if (!dirty) return setValidation({ state: 'idle' });
    setValidation({ state: 'checking' });
    const timer = setTimeout(async () => {
      const r = await postText<ApplyResult>('/api/config/validate', text);
      if (mine !== seq.current) return; // a newer keystroke is being checked
      setValidation(toValidation(r));
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, dirty]);
  return [validation, setValidation];
}

function toValidation(r: ApplyResult): Validation {
  return r.ok
    ? { state: 'valid', warnings: r.warnings ?? [] }
    : { state: 'invalid', problems: r.problems ?? [], ...(r.error ? { error: r.error } : {}) };
}

/** Problem messages by line (1-based), for the gutter marks. */
function marksOf(problems: readonly Problem[]): Map<number, string[]> {
  const marks = new Map<number, string[]>();
  for (const p of problems)
    if (p.line >= 1) marks.set(p.line, [...(marks.get(p.line) ?? []), `${p.path ? `${p.path}: ` : ''}${p.message}`]);
  return marks;
}

/** A textarea with line numbers that scroll with it; a line with a problem is marked, its messages in the title. */
function LineNumbered({
  text,
  area,
  onInput,
  marks,
}: {
  text: string;
  area: RefObject<HTMLTextAreaElement | null>;
  onInput: (t: string) => void;
  marks: Map<number, string[]>;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  return (
    <div class="editor">
      <div class="gutter mono" ref={gutter}>
        {Array.from({ length: text.split('\n').length }, (_, i) => {
          const m = marks.get(i + 1);
          return m === undefined ? (
            <div>{i + 1}</div>
          ) : (
            <div class="error-line" data-error-line={i + 1} title={m.join('\n')}>
              ⚠ {i + 1}
            </div>
          );
        })}
      </div>
      <textarea
        id="editor"
        ref={area}
        class="mono"
        spellcheck={false}
        value={text}
        onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
        }}
      />
    </div>
  );
}

function ValidationStatus({ v, dirty }: { v: Validation; dirty: boolean }) {
  const label = {
    idle: dirty ? '' : 'unchanged',
    checking: 'checking…',
    valid: 'valid',
    invalid: v.state === 'invalid' ? `invalid: ${v.problems.length} problem(s)` : '',
  }[v.state];
  return (
    <span id="validation" class={`status ${v.state}`}>
      {label}
    </span>
  );
}

export function ConfigEditor({ runtime, onApplied }: { runtime: Runtime; onApplied: () => Promise<void> }) {
  const [file, setFile] = useState<ConfigFile | null>(null);
  const [text, setText] = useState('');
  const [applied, setApplied] = useState<ApplyResult | null>(null);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const dirty = file !== null && text !== file.yaml;
  const [validation, setValidation] = useValidation(text, dirty);

  const load = async () => {
    const f = await api<ConfigFile>('/api/config');
    setFile(f);
    setText(f.yaml);
  };
  useEffect(() => void load(), []);
  // The file changed on the server (a save in an editor, applied or refused) and nothing is being
  // edited here: follow it.
  useEffect(() => {
    if (file !== null && !dirty) void load();
  }, [runtime.version, runtime.lastReload?.at]);
  // A refused reload of the file shown: its problems are this text's.
  const reloadProblems = !dirty && !runtime.synchronized ? (runtime.lastReload?.problems ?? []) : [];
  const problems = validation.state === 'invalid' ? validation.problems : reloadProblems;
  // Bring a refused reload's first marked line into view (the gutter follows the textarea's scroll).
  const firstBad = reloadProblems.find((p) => p.line >= 1)?.line;
  useEffect(() => {
    const el = area.current;
    if (el !== null && firstBad !== undefined) el.scrollTop = Math.max(0, (firstBad - 4) * LINE_PX);
  }, [firstBad, file]);

  const apply = async () => {
    setBusy(true);
    try {
      const r = await postText<ApplyResult>('/api/config', text);
      setApplied(r);
      if (!r.ok) return setValidation(toValidation(r));
      await load();
      await onApplied();
    } finally {
      setBusy(false);
    }
  };

  const pick = (p: Problem) => {
    const el = area.current;
    if (!el || p.line < 1) return;
    const at = offsetOf(text, p.line, p.col);
    const eol = text.indexOf('\n', at);
    el.focus();
    el.setSelectionRange(at, eol < 0 ? text.length : eol);
  };

  if (file === null) return <p class="muted">loading the config…</p>;
  return (
    <div>
      <h1>Config</h1>
      <p class="muted">
        <span class="mono">{file.file}</span> · version {file.version}
        {!file.writable && (
          <span id="read-only"> · read-only{file.readOnly ? ' (config.storage.mode: readOnly or UI_READ_ONLY)' : ' (inline config)'}</span>
        )}
      </p>
      {reloadProblems.length > 0 && validation.state !== 'invalid' && (
        <div class="banner bad" id="reload-refused">
          The last reload of this file was refused ({runtime.lastReload?.trigger}); version {runtime.version} keeps serving. The marked
          lines say why.
        </div>
      )}
      <LineNumbered text={text} area={area} onInput={setText} marks={marksOf(problems)} />
      <div class="toolbar">
        <button
          type="button"
          id="apply"
          disabled={!file.writable || !dirty || validation.state !== 'valid' || busy}
          onClick={() => void apply()}
        >
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" id="revert" disabled={!dirty || busy} onClick={() => void load()}>
          Revert
        </button>
        <ValidationStatus v={validation} dirty={dirty} />
        {applied?.ok && (
          <span id="applied" class="good">
            {applied.unchanged ? 'nothing changed' : `applied: version ${applied.version}`}
          </span>
        )}
      </div>
      {problems.length > 0 && <ProblemList problems={problems} onPick={pick} />}
      {validation.state === 'valid' && validation.warnings.length > 0 && (
        <ul class="warnings">
          {validation.warnings.map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
