import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, call, type Problem } from './api.js';
import { ErrorNotice } from './Notice.js';

interface NotifySettings {
  smtp: { host: string; port: number; security: 'tls' | 'starttls' | 'none'; user: string; from: string; passwordSet: boolean } | null;
  consoleUrl: string;
}

const SECURITY: { value: 'tls' | 'starttls' | 'none'; label: string }[] = [
  { value: 'starttls', label: 'STARTTLS (usually port 587)' },
  { value: 'tls', label: 'TLS (usually port 465)' },
  { value: 'none', label: 'None (a relay on this machine, port 25)' },
];

/** The host's notification settings: the SMTP server e-mail goes through, and the console's address messages link to. */
export function SettingsPage() {
  const [loaded, setLoaded] = useState(false);
  const [failure, setFailure] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('587');
  const [security, setSecurity] = useState<'tls' | 'starttls' | 'none'>('starttls');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [passwordSet, setPasswordSet] = useState(false);
  const [from, setFrom] = useState('');
  const [consoleUrl, setConsoleUrl] = useState(window.location.origin);
  const [message, setMessage] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);

  useEffect(() => {
    call<NotifySettings>('GET', '/api/settings/notifications').then(
      (settings) => {
        if (settings.smtp) {
          setHost(settings.smtp.host);
          setPort(String(settings.smtp.port));
          setSecurity(settings.smtp.security);
          setUser(settings.smtp.user);
          setFrom(settings.smtp.from);
          setPasswordSet(settings.smtp.passwordSet);
        }
        if (settings.consoleUrl) setConsoleUrl(settings.consoleUrl);
        setLoaded(true);
      },
      (error: Error) => setFailure(error.message),
    );
  }, []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage('');
    setProblems([]);
    const smtp = host.trim()
      ? { host: host.trim(), port: Number(port), security, user: user.trim(), ...(password ? { password } : {}), from: from.trim() }
      : null;
    if (smtp && (!Number.isInteger(smtp.port) || smtp.port < 1 || smtp.port > 65535)) {
      setProblems([{ field: 'port', level: 'Error', message: 'The port is a whole number from 1 to 65535.' }]);
      return;
    }
    if (smtp && !smtp.from) {
      setProblems([{ field: 'from', level: 'Error', message: 'Give the sender address messages come from.' }]);
      return;
    }
    try {
      await call('PUT', '/api/settings/notifications', { smtp, consoleUrl });
      setPassword('');
      if (smtp?.password) setPasswordSet(true);
      setMessage(smtp ? 'Settings saved. Use Send test on a job to try them.' : 'Settings saved: no SMTP server, so no e-mail is sent.');
    } catch (error) {
      if (error instanceof ApiError && error.problems.length) setProblems(error.problems);
      else setMessage(`The settings were not saved: ${(error as Error).message}`);
    }
  };
  return (
    <main id="main">
      <h1 tabIndex={-1}>Settings</h1>
      {failure && <ErrorNotice message={failure} />}
      {loaded && (
        <form className="job-form" onSubmit={save} noValidate>
          <p className="status" role="status" aria-live="polite">
            {message}
          </p>
          <fieldset>
            <legend>E-mail (SMTP)</legend>
            <p className="hint">
              Notifications go through this server to each job&apos;s recipients. Leave the server blank to send no e-mail.
            </p>
            <TextField id="smtp-host" label="Server" value={host} onChange={setHost} placeholder="smtp.office365.com" problems={problems} />
            <TextField id="smtp-port" label="Port" value={port} onChange={setPort} inputMode="numeric" problems={problems} field="port" />
            <label htmlFor="smtp-security">Security</label>
            <select id="smtp-security" value={security} onChange={(e) => setSecurity(e.target.value as typeof security)}>
              {SECURITY.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
            <TextField id="smtp-user" label="User name (if the server asks for one)" value={user} onChange={setUser} problems={problems} />
            <TextField
              id="smtp-password"
              label="Password"
              type="password"
              value={password}
              onChange={setPassword}
              placeholder={passwordSet ? 'Stored: leave blank to keep' : ''}
              autoComplete="new-password"
              problems={problems}
            />
            <TextField
              id="smtp-from"
              label="Sender"
              value={from}
              onChange={setFrom}
              placeholder="Billing <billing@msp.example>"
              problems={problems}
              field="from"
            />
          </fieldset>
          <fieldset>
            <legend>Links in messages</legend>
            <TextField
              id="console-url"
              label="The console's address, as people reach it"
              value={consoleUrl}
              onChange={setConsoleUrl}
              problems={problems}
              field="consoleUrl"
            />
            <p className="hint">Each message links to its run here. Blank: messages name the command to see the run instead.</p>
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="primary">
              Save
            </button>
          </div>
        </form>
      )}
    </main>
  );
}

/** A labelled text input with the problems about its field under it. */
function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  problems: Problem[];
  field?: string;
  type?: 'password';
  placeholder?: string;
  autoComplete?: string;
  inputMode?: 'numeric';
}) {
  const own = props.field ? props.problems.filter((p) => p.field === props.field) : [];
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        inputMode={props.inputMode}
        aria-invalid={own.length > 0}
      />
      {own.map((p) => (
        <p key={p.message} className="problem">
          {p.message}
        </p>
      ))}
    </>
  );
}
