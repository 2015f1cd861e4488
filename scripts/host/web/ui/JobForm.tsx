import Form from '@rjsf/core';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, call, localTime, query, type JobSummary, type JsonSchema, type Level, type Problem, type TaskTypeInfo } from './api.js';
import { MissingPage } from './Notice.js';
import { ProblemList } from './ProblemList.js';

const LEVELS: Level[] = ['Verbose', 'Info', 'Warning', 'Error'];
const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The schema as the form renderer takes it: its identifiers dropped (each form compiles its own copy). */
function formSchema(schema: JsonSchema, options: { requiredKept: boolean }): RJSFSchema {
  const { $id: _id, $schema: _schema, title: _title, ...rest } = schema;
  return (options.requiredKept ? rest : { ...rest, required: [] }) as RJSFSchema;
}

/** A secret's examples are placeholders ("XXXXXXXXX"), not values to offer in a list. */
function withoutExamples(schema: RJSFSchema): RJSFSchema {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, property]) => {
      if (typeof property !== 'object') return [name, property];
      const { examples: _examples, ...rest } = property;
      return [name, rest];
    }),
  );
  return { ...schema, properties };
}

/** Secrets are write-only: password fields, never filled from the server; on Edit, blank keeps what is stored. */
function secretsUi(schema: JsonSchema, editing: boolean): UiSchema {
  const ui: UiSchema = {};
  for (const name of Object.keys(schema.properties ?? {})) {
    ui[name] = {
      'ui:widget': 'password',
      'ui:autocomplete': 'new-password',
      ...(editing ? { 'ui:placeholder': 'Stored: leave blank to keep' } : {}),
    };
  }
  return ui;
}

/** The task's coded entries about fields of this schema, as the form renderer shows them beside each field. */
function fieldErrors(problems: Problem[], schema: JsonSchema): ErrorSchema {
  const errors: Record<string, { __errors: string[] }> = {};
  for (const p of problems) {
    if (!p.field || !(p.field in (schema.properties ?? {}))) continue;
    (errors[p.field] ??= { __errors: [] }).__errors.push(`${p.code ? `${p.code}: ` : ''}${p.message}`);
  }
  return errors as ErrorSchema;
}

function CronPreview({ cron, timeZone }: { cron: string; timeZone: string }) {
  const [preview, setPreview] = useState<{ words?: string; next?: string[]; problem?: string }>({});
  useEffect(() => {
    const timer = setTimeout(() => {
      call<{ words?: string; next?: string[]; problem?: string }>('GET', `/api/cron${query({ expression: cron, timeZone })}`).then(
        setPreview,
        (e: Error) => setPreview({ problem: e.message }),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [cron, timeZone]);
  return (
    <div id="cron-preview" className="hint" aria-live="polite">
      {preview.problem ? (
        <span className="problem">{preview.problem}</span>
      ) : preview.next ? (
        <>
          <span>{preview.words}.</span> Next runs (your local time):
          <ol className="next-runs">
            {preview.next.map((time) => (
              <li key={time}>
                <time dateTime={time}>{localTime(time)}</time>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  );
}

export function JobForm({ jobId }: { jobId?: string }) {
  const editing = jobId !== undefined;
  const [types, setTypes] = useState<TaskTypeInfo[] | null>(null);
  const [typeKey, setTypeKey] = useState('');
  const [name, setName] = useState('');
  const [logLevel, setLogLevel] = useState<Level>('Info');
  const [cron, setCron] = useState('');
  const [timeZone, setTimeZone] = useState(browserTimeZone());
  const [parameters, setParameters] = useState<Record<string, unknown>>({});
  const [secrets, setSecrets] = useState<Record<string, unknown>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState('');
  const [pasted, setPasted] = useState('');
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    void (async () => {
      try {
        const all = await call<TaskTypeInfo[]>('GET', '/api/task-types');
        if (editing) {
          let job: JobSummary;
          try {
            job = await call<JobSummary>('GET', `/api/jobs/${jobId}`);
          } catch (error) {
            // A mistyped or deleted job's address: a page that says so, not a form with a schema message.
            if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return setMissing(true);
            throw error;
          }
          setTypes(all);
          setTypeKey(job.taskTypeKey ?? all.find((t) => t.displayName === job.taskType)?.key ?? '');
          setName(job.name);
          setLogLevel(job.logLevel);
          setCron(job.cron);
          setTimeZone(job.timeZone);
          setParameters(job.parameters && typeof job.parameters === 'object' ? (job.parameters as Record<string, unknown>) : {});
        } else {
          setTypes(all);
          if (all[0]) {
            setTypeKey(all[0].key);
            setCron(all[0].defaultSchedule);
          }
        }
      } catch (error) {
        setMessage((error as Error).message);
      }
    })();
  }, [jobId, editing]);

  const taskType = types?.find((t) => t.key === typeKey);
  const parametersSchema = useMemo(
    () => (taskType ? formSchema(taskType.parametersSchema, { requiredKept: true }) : undefined),
    [taskType],
  );
  const secretsSchema = useMemo(
    () => (taskType ? withoutExamples(formSchema(taskType.secretsSchema, { requiredKept: !editing })) : undefined),
    [taskType, editing],
  );
  const byField = (field: string) => problems.filter((p) => p.field === field);
  const unplaced = problems.filter(
    (p) =>
      !p.field ||
      ![
        'name',
        'cron',
        'timeZone',
        'taskType',
        ...Object.keys(taskType?.parametersSchema.properties ?? {}),
        ...Object.keys(taskType?.secretsSchema.properties ?? {}),
      ].includes(p.field),
  );

  const pickType = (key: string) => {
    setTypeKey(key);
    setParameters({});
    setSecrets({});
    const picked = types?.find((t) => t.key === key);
    if (picked && !editing) setCron(picked.defaultSchedule);
  };

  const applyPasted = () => {
    try {
      const value = JSON.parse(pasted.replace(/,(\s*[}\]])/g, '$1')) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the parameters must be a JSON object');
      setParameters(value as Record<string, unknown>);
      setMessage('Parameters filled from the pasted JSON: check them below, then save.');
    } catch (error) {
      setMessage(`The pasted text is not a JSON object: ${(error as Error).message}`);
    }
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage('');
    setProblems([]);
    const body = { ...(editing ? {} : { taskType: typeKey }), name, logLevel, cron, timeZone, parameters, secrets };
    try {
      await call(editing ? 'PUT' : 'POST', editing ? `/api/jobs/${jobId}` : '/api/jobs', body);
      window.location.hash = '#/jobs';
    } catch (error) {
      if (error instanceof ApiError && error.problems.length) {
        setProblems(error.problems);
        setMessage(`The job was not saved: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} to fix.`);
      } else setMessage(`The job was not saved: ${(error as Error).message}`);
    }
  };

  if (missing) return <MissingPage what="job" id={jobId ?? ''} />;
  if (types === null)
    return (
      <main id="main">
        <h1 tabIndex={-1}>{editing ? 'Edit job' : 'Add job'}</h1>
        <p role="status">{message || 'Loading…'}</p>
      </main>
    );
  return (
    <main id="main">
      <h1 tabIndex={-1}>{editing ? `Edit job ${name}` : 'Add job'}</h1>
      <form className="job-form" onSubmit={save} noValidate aria-describedby="form-status">
        <p id="form-status" className="status" role="status" aria-live="polite">
          {message}
        </p>
        {unplaced.length > 0 && <ProblemList problems={unplaced} />}
        <fieldset>
          <legend>Job</legend>
          <label htmlFor="job-type">Job type</label>
          <select id="job-type" value={typeKey} disabled={editing} onChange={(e) => pickType(e.target.value)}>
            {types.map((t) => (
              <option key={t.key} value={t.key}>
                {t.displayName}
              </option>
            ))}
          </select>
          {taskType && (
            <p className="hint">
              {taskType.description} ({taskType.extension})
            </p>
          )}
          <Field id="job-name" label="Name" problems={byField('name')}>
            <input id="job-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={byField('name').length > 0} />
          </Field>
          <label htmlFor="job-log-level">Log level</label>
          <select id="job-log-level" value={logLevel} onChange={(e) => setLogLevel(e.target.value as Level)}>
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
          <Field id="job-cron" label="CRON" problems={byField('cron')}>
            <input
              id="job-cron"
              value={cron}
              onChange={(e) => setCron(e.target.value)}
              aria-describedby="cron-preview"
              spellCheck={false}
              aria-invalid={byField('cron').length > 0}
            />
          </Field>
          <CronPreview cron={cron} timeZone={timeZone} />
          <Field id="job-time-zone" label="Time zone" problems={byField('timeZone')}>
            <input
              id="job-time-zone"
              value={timeZone}
              onChange={(e) => setTimeZone(e.target.value)}
              aria-invalid={byField('timeZone').length > 0}
            />
          </Field>
        </fieldset>
        {taskType && parametersSchema && secretsSchema && (
          <>
            <fieldset>
              <legend>Parameters</legend>
              <details className="paste">
                <summary>Paste parameters as JSON</summary>
                <label htmlFor="paste-parameters">Parameters JSON</label>
                <textarea id="paste-parameters" rows={6} value={pasted} onChange={(e) => setPasted(e.target.value)} spellCheck={false} />
                <button type="button" onClick={applyPasted}>
                  Fill the form
                </button>
              </details>
              <SchemaFields
                id="parameters"
                schema={parametersSchema}
                ui={{}}
                value={parameters}
                errors={fieldErrors(problems, taskType.parametersSchema)}
                onChange={setParameters}
              />
            </fieldset>
            <fieldset>
              <legend>Secrets</legend>
              <p className="hint">
                {editing
                  ? 'Stored encrypted and never shown. Leave a field blank to keep what is stored.'
                  : 'Stored encrypted by the host; never shown again, only replaced.'}
              </p>
              <SchemaFields
                id="secrets"
                schema={secretsSchema}
                ui={secretsUi(taskType.secretsSchema, editing)}
                value={secrets}
                errors={fieldErrors(problems, taskType.secretsSchema)}
                onChange={setSecrets}
              />
            </fieldset>
          </>
        )}
        <div className="form-actions">
          <button type="submit" className="primary">
            Save
          </button>
          <a className="button" href="#/jobs">
            Cancel
          </a>
        </div>
      </form>
    </main>
  );
}

/**
 * A schema's fields inside the job form (no form or submit button of their own). The task's
 * `validate` on save is the one judge of the values; the renderer's validator only reads the schema.
 */
function SchemaFields({
  id,
  schema,
  ui,
  value,
  errors,
  onChange,
}: {
  id: string;
  schema: RJSFSchema;
  ui: UiSchema;
  value: Record<string, unknown>;
  errors: ErrorSchema;
  onChange: (value: Record<string, unknown>) => void;
}) {
  return (
    <Form
      tagName="div"
      idPrefix={id}
      schema={schema}
      uiSchema={{ ...ui, 'ui:submitButtonOptions': { norender: true } }}
      formData={value}
      validator={validator}
      noValidate
      noHtml5Validate
      showErrorList={false}
      extraErrors={errors}
      onChange={(e) => onChange((e.formData ?? {}) as Record<string, unknown>)}
    />
  );
}

function Field({ id, label, problems, children }: { id: string; label: string; problems: Problem[]; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {problems.map((p) => (
        <p key={p.message} className="problem">
          {p.message}
        </p>
      ))}
    </div>
  );
}
