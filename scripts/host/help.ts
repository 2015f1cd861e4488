/** `npm run host -- [command] --help`: what each command does and takes. */
export const HOST_HELP: Record<string, string> = {
  '': `npm run host -- <command> [options]      the reference host; state under $HOST_HOME (default ./.host)

Commands:
  install-extension   install or upgrade the extension package (the guide's Install-AtriaExtension)
  config set          the host's own connection to Atria
  job-types           the task types installed extensions provide (the job-type dropdown)
  jobs                add, list, run, enable, disable, delete jobs, or re-enter their secrets
  scheduler           run due jobs by their CRON until stopped (Ctrl-C or SIGTERM)
  runs                a job's run history, and a run's log (filter, search, sort, export)
  web                 the Jobs pages in a browser, on 127.0.0.1 (web set-password first)

npm run host -- <command> --help shows a command's options.
`,
  'install-extension': `npm run host -- install-extension [--path DIR|FILE.tgz] [--restart-services]
npm run host -- install-extension -Extension ConnectWiseManage -RestartServices

  --path P              the built package: a directory or an npm pack .tgz (default: this checkout)
  --restart-services    a running scheduler loads the new version before its next run
An install that fails leaves the previous version in use.
`,
  config: `npm run host -- config set [--atria-url URL] [--atria-token-file F] [--new-key]

  --atria-url URL       Atria's API base: https (plain http only to a loopback address)
  --atria-token-file F  a file holding the Atria token; it is stored encrypted
  --new-key             start again with a new host key (when the old key file is lost)
Or set HOST_ATRIA_URL and HOST_ATRIA_TOKEN in the environment.
`,
  'job-types': `npm run host -- job-types        the installed task types: display name, extension and version, description
`,
  jobs: `npm run host -- jobs add --name N --type "ConnectWise Manage Billing" --cron "0 22 26 * *" --parameters P.json --secrets S.json
                          [--log-level Verbose|Info|Warning|Error] [--time-zone Europe/London]
npm run host -- jobs list
npm run host -- jobs run ID                  run now; the log streams as it is written
npm run host -- jobs enable ID | disable ID
npm run host -- jobs delete ID [--yes]       asks for confirmation unless --yes
npm run host -- jobs set-secrets ID --secrets S.json [--new-key]

CRON: 5 fields, or 6 with seconds ("0 0 21 L * ?"); runs at most once a minute. Its times are in
the job's time zone (--time-zone, an IANA name; default the host's own), so "0 22 26 * *" is
22:00 on the 26th there, summer time included.
`,
  scheduler: `npm run host -- scheduler [--tick-ms N] [--exit-after-runs N]

Runs due jobs until Ctrl-C or SIGTERM, which cancel running jobs (they end Cancelled with a complete
log). Runs a killed host left Running are marked Interrupted and run once more.
`,
  runs: `npm run host -- runs list JOB_ID
npm run host -- runs log RUN_ID [--level L | --min-level L] [--code CWnn] [--search TEXT]
                             [--sort code|level|time] [--format table|csv|json] [--output F]

  --level L       only entries of that level (Verbose, Info, Warning, Error)
  --min-level L   entries of that level and more severe
  --search TEXT   in code and message, any case
  --sort          code (fix all similar issues in one go), level (most severe first) or time
  --format        table (with each code's fix), csv (for Excel, with an Action column) or json
`,
  web: `npm run host -- web set-password        the console's sign-in password (stored as an scrypt hash)
npm run host -- web [--port N]               serve the console on http://127.0.0.1:N (default 8787; 0 picks a free port)

The same jobs, runs and logs as the commands above, in a browser: add and edit jobs from the job
type's own form, Run now with the log live, run history, the log table (filter, search, sort by
code, CSV) and a dry run's plan. HOST_WEB_PASSWORD gives the password instead of set-password.
Listens on 127.0.0.1 only; Ctrl-C stops it (runs it started are cancelled with a complete log).
`,
};

export const helpFor = (command: string | undefined): string => HOST_HELP[command ?? ''] ?? HOST_HELP['']!;
