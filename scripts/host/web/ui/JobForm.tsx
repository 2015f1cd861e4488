import Form from '@rjsf/core';
import type { ErrorSchema, IconButtonProps, RJSFSchema, UiSchema, WidgetProps } from '@rjsf/utils';
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
  // Closed: the form offers only the fields the schema defines, never an "add a field" of its own.
  const closed = { ...rest, additionalProperties: false };
  return (options.requiredKept ? closed : { ...closed, required: [] }) as RJSFSchema;
}

/** The schema with only some of its properties (the essential ones, or the Advanced ones). */
function pick(schema: RJSFSchema, names: (name: string) => boolean): RJSFSchema {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([name]) => names(name)));
  const required = (schema.required ?? []).filter((name) => names(name));
  return { ...schema, properties, required };
}

/** The fields whose values differ between two forms' data: their old errors no longer apply. */
const changedFields = (before: Record<string, unknown>, after: Record<string, unknown>): string[] =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));

/** Array buttons with their names written on them (the renderer's default icons need a font this page does not load). */
function textButton(label: string) {
  return function TextButton(props: IconButtonProps) {
    const { onClick, disabled, className } = props;
    return (
      <button type="button" className={`array-button ${className ?? ''}`} onClick={onClick} disabled={disabled}>
        {label}
      </button>
    );
  };
}
const TEMPLATES = {
  ButtonTemplates: {
    AddButton: textButton('Add an item'),
    MoveUpButton: textButton('Move up'),
    MoveDownButton: textButton('Move down'),
    RemoveButton: textButton('Remove'),
    CopyButton: textButton('Copy'),
  },
};

/** A field that takes Previous, Current or a date (YYYY-MM-DD): two choices and a date picker. */
function PeriodWidget(props: WidgetProps) {
  const { id, value, onChange, label } = props;
  const text = typeof value === 'string' ? value : '';
  const kind = text === 'Previous' || text === 'Current' ? text : text ? 'date' : 'Previous';
  return (
    <div role="radiogroup" aria-label={label} className="period">
      {(['Previous', 'Current'] as const).map((option) => (
        <label key={option} className="inline">
          <input type="radio" name={id} checked={kind === option} onChange={() => onChange(option)} /> {option} period
        </label>
      ))}
      <label className="inline">
        <input type="radio" name={id} checked={kind === 'date'} onChange={() => onChange(new Date().toISOString().slice(0, 10))} /> The
        period ending on
      </label>
      <input
        id={id}
        type="date"
        aria-label={`${label}: period end date`}
        value={kind === 'date' ? text : ''}
        disabled={kind !== 'date'}
        onChange={(e) => onChange(e.target.value || 'Previous')}
      />
    </div>
  );
}
const WIDGETS = { period: PeriodWidget };

/** Every IANA time zone the browser knows, for the searchable picker. */
const TIME_ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf: (key: string) => string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

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
  const [requireApproval, setRequireApproval] = useState(false);
  const [notifyEmails, setNotifyEmails] = useState('');
  const [webhookUrl, setWebhookUrl] = useState('');
  const [webhookSet, setWebhookSet] = useState(false);
  const [removeWebhook, setRemoveWebhook] = useState(false);
  const [parameters, setParameters] = useState<Record<string, unknown>>({});
  const [secrets, setSecrets] = useState<Record<string, unknown>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState('');
  const [pasted, setPasted] = useState('');
  const [missing, setMissing] = useState(false);
  const [check, setCheck] = useState<CheckAnswer | 'running' | null>(null);

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
          setRequireApproval(job.requireApproval === true);
          setNotifyEmails((job.notify?.emails ?? []).join(', '));
          setWebhookSet(job.notify?.webhookSet === true);
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
  const advanced = useMemo(
    () => (taskType?.form.advanced ?? []).filter((n) => n in (taskType?.parametersSchema.properties ?? {})),
    [taskType],
  );
  const parametersUi = useMemo(
    () => Object.fromEntries((taskType?.form.period ?? []).map((n) => [n, { 'ui:widget': 'period' }])) as UiSchema,
    [taskType],
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
        'notifyEmails',
        'notifyWebhook',
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

  // A field's old errors go the moment it is changed: what stays is what is still to fix.
  const clearing =
    <T,>(field: string, set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setProblems((list) => list.filter((p) => p.field !== field));
    };
  const changeSchemaValues =
    (before: Record<string, unknown>, set: (value: Record<string, unknown>) => void) => (next: Record<string, unknown>) => {
      const changed = changedFields(before, next);
      set(next);
      if (changed.length) setProblems((list) => list.filter((p) => !changed.includes(p.field ?? '')));
    };
  // Every problem fixed: the refusal no longer stands.
  useEffect(() => {
    if (problems.length === 0) setMessage((text) => (text.startsWith('The job was not saved:') && text.includes('to fix') ? '' : text));
  }, [problems]);
  const showStatus = () => {
    // After a refused save the summary is where the eye goes: scrolled into view and focused.
    const status = document.getElementById('form-status');
    status?.scrollIntoView({ block: 'center' });
    status?.focus();
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage('');
    setProblems([]);
    const notify = {
      emails: notifyEmails,
      ...(webhookUrl.trim() ? { webhookUrl: webhookUrl.trim() } : {}),
      ...(removeWebhook ? { removeWebhook } : {}),
    };
    const body = {
      ...(editing ? {} : { taskType: typeKey }),
      name,
      logLevel,
      cron,
      timeZone,
      requireApproval,
      notify,
      parameters,
      secrets,
    };
    try {
      const saved = await call<JobSummary>(editing ? 'PUT' : 'POST', editing ? `/api/jobs/${jobId}` : '/api/jobs', body);
      window.sessionStorage.setItem('flash', `Job "${saved.name}" saved.`);
      window.location.hash = '#/jobs';
    } catch (error) {
      if (error instanceof ApiError && error.problems.length) {
        setProblems(error.problems);
        setMessage(`The job was not saved: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} to fix.`);
      } else setMessage(`The job was not saved: ${(error as Error).message}`);
      setTimeout(showStatus, 0);
    }
  };

  const testConnection = async () => {
    setCheck('running');
    try {
      setCheck(
        await call<CheckAnswer>('POST', '/api/check', {
          ...(editing ? { jobId } : { taskType: typeKey }),
          parameters,
          secrets,
        }),
      );
    } catch (error) {
      setCheck({ ok: false, status: 'Failed', entries: [{ level: 'Error', code: '', message: (error as Error).message }] });
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
        <p id="form-status" className={problems.length ? 'problems' : 'status'} role="status" aria-live="polite" tabIndex={-1}>
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
            <input
              id="job-name"
              value={name}
              onChange={(e) => clearing('name', setName)(e.target.value)}
              aria-invalid={byField('name').length > 0}
            />
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
              onChange={(e) => clearing('cron', setCron)(e.target.value)}
              aria-describedby="cron-preview"
              spellCheck={false}
              aria-invalid={byField('cron').length > 0}
            />
          </Field>
          <CronPreview cron={cron} timeZone={timeZone} />
          <Field id="job-time-zone" label="Time zone" problems={byField('timeZone')}>
            <>
              <input
                id="job-time-zone"
                list="time-zone-list"
                value={timeZone}
                onChange={(e) => clearing('timeZone', setTimeZone)(e.target.value)}
                aria-invalid={byField('timeZone').length > 0}
                aria-describedby="time-zone-hint"
                autoComplete="off"
                spellCheck={false}
              />
              <datalist id="time-zone-list">
                {TIME_ZONES.map((zone) => (
                  <option key={zone} value={zone} />
                ))}
              </datalist>
              <p id="time-zone-hint" className="hint">
                Type to search (London, New_York, Sydney…); the CRON&apos;s times are in this zone.
              </p>
            </>
          </Field>
          <Checkbox
            id="job-require-approval"
            label="Require approval"
            checked={requireApproval}
            onChange={setRequireApproval}
            hint="require-approval-hint"
          />
          <p id="require-approval-hint" className="hint">
            Scheduled runs plan only and wait: someone approves their changes (in money) before anything is written, or rejects them.
          </p>
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
                schema={pick(parametersSchema, (n) => !advanced.includes(n))}
                ui={parametersUi}
                value={parameters}
                errors={fieldErrors(problems, taskType.parametersSchema)}
                onChange={changeSchemaValues(parameters, setParameters)}
              />
              {advanced.length > 0 && (
                <details className="advanced" open={problems.some((p) => advanced.includes(p.field ?? ''))}>
                  <summary>Advanced: tuning most jobs leave at their defaults ({advanced.length})</summary>
                  <SchemaFields
                    id="advanced"
                    schema={{ ...pick(parametersSchema, (n) => advanced.includes(n)), description: undefined }}
                    ui={parametersUi}
                    value={parameters}
                    errors={fieldErrors(problems, taskType.parametersSchema)}
                    onChange={changeSchemaValues(parameters, setParameters)}
                  />
                </details>
              )}
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
                onChange={changeSchemaValues(secrets, setSecrets)}
              />
            </fieldset>
          </>
        )}
        <fieldset>
          <legend>Notifications</legend>
          <p className="hint">
            A message when a run fails, ends with errors, awaits approval or has new warnings: its status, the money change, the top
            warnings with their fixes and a link to the run. E-mail goes through the host&apos;s SMTP server (
            <a href="#/settings">Settings</a>).
          </p>
          <Field id="notify-emails" label="E-mail recipients" problems={byField('notifyEmails')}>
            <input
              id="notify-emails"
              value={notifyEmails}
              onChange={(e) => clearing('notifyEmails', setNotifyEmails)(e.target.value)}
              placeholder="billing@msp.example, finance@msp.example"
              aria-invalid={byField('notifyEmails').length > 0}
              autoComplete="off"
            />
          </Field>
          <Field id="notify-webhook" label="Webhook URL (Teams or Slack incoming webhook)" problems={byField('notifyWebhook')}>
            <input
              id="notify-webhook"
              type="password"
              value={webhookUrl}
              onChange={(e) => clearing('notifyWebhook', setWebhookUrl)(e.target.value)}
              placeholder={webhookSet ? 'Stored: leave blank to keep' : 'https://…'}
              aria-invalid={byField('notifyWebhook').length > 0}
              autoComplete="new-password"
              spellCheck={false}
            />
          </Field>
          {webhookSet && (
            <Checkbox id="notify-remove-webhook" label="Remove the stored webhook" checked={removeWebhook} onChange={setRemoveWebhook} />
          )}
          {editing && <SendTest jobId={jobId} />}
        </fieldset>
        {taskType && <CheckResultView check={check} />}
        <div className="form-actions">
          <button type="submit" className="primary">
            Save
          </button>
          {taskType && (
            <button type="button" onClick={() => void testConnection()} disabled={check === 'running'}>
              Test connection
            </button>
          )}
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
      templates={TEMPLATES}
      widgets={WIDGETS}
      onChange={(e) => onChange((e.formData ?? {}) as Record<string, unknown>)}
    />
  );
}

function Checkbox({
  id,
  label,
  checked,
  onChange,
  hint,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
}) {
  return (
    <div className="checkbox">
      <label htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint} />
        {label}
      </label>
    </div>
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

interface CheckAnswer {
  ok: boolean;
  status: string;
  period?: { startDate: string; endDate: string; status: string };
  entries: { level: string; code: string; message: string; fix?: string }[];
}

/** The task's connection test, as typed: passed (and the period it resolved to), or each coded reason with its fix. */
function CheckResultView({ check }: { check: CheckAnswer | 'running' | null }) {
  if (check === null) return null;
  if (check === 'running')
    return (
      <p className="hint" role="status">
        Testing the connection to ConnectWise and Atria…
      </p>
    );
  if (check.ok)
    return (
      <p className="banner-info" role="status">
        Connection test passed: ConnectWise accepted the credentials and has the agreement type; Atria answered
        {check.period ? `; the billing period is ${check.period.startDate} to ${check.period.endDate}` : ''}. Nothing was written.
      </p>
    );
  return (
    <div className="problems" role="alert">
      <p>The connection test failed:</p>
      <ul>
        {check.entries
          .filter((e) => e.level === 'Error' || e.level === 'Warning')
          .map((e, i) => (
            <li key={i}>
              {e.code && <code>{e.code}</code>} {e.message}
              {e.fix ? <div className="hint">Fix: {e.fix}</div> : null}
            </li>
          ))}
      </ul>
    </div>
  );
}

interface DeliveryOutcome {
  channel: 'email' | 'webhook';
  target: string;
  ok: boolean;
  error?: string;
}

/** Send test: one message on each of the job's saved channels, and how each went. */
function SendTest({ jobId }: { jobId: string }) {
  const [outcome, setOutcome] = useState<DeliveryOutcome[] | string | null>(null);
  const send = async () => {
    setOutcome('Sending…');
    try {
      setOutcome((await call<{ outcomes: DeliveryOutcome[] }>('POST', `/api/jobs/${jobId}/notify-test`, {})).outcomes);
    } catch (error) {
      setOutcome((error as Error).message);
    }
  };
  return (
    <div className="send-test">
      <button type="button" onClick={() => void send()}>
        Send test
      </button>{' '}
      <span className="hint">uses the saved recipients and webhook</span>
      <div role="status" aria-live="polite">
        {typeof outcome === 'string' && <p>{outcome}</p>}
        {Array.isArray(outcome) && (
          <ul className="send-outcomes">
            {outcome.map((o) => (
              <li key={o.channel} className={o.ok ? 'ok' : 'problem'}>
                {o.channel === 'email' ? 'E-mail' : 'Webhook'} to {o.target}: {o.ok ? 'sent' : `not sent: ${o.error}`}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
