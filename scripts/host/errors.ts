/** What went wrong, as callers decide on it: the exit status of the command line, the console's answer. */
export type HostErrorCode = 'usage' | 'damaged-file' | 'key-file' | 'job-busy' | 'install' | 'console-setup' | 'disk-full';

/** Exit status for a command line used wrongly (sysexits EX_USAGE); every other host error exits 1. */
export const EXIT_USAGE = 64;

/** The base of the host's own errors, as CodedError is the extension's: a code to decide on, never a message to match. */
export abstract class HostError extends Error {
  abstract readonly code: HostErrorCode;
  get exitCode(): number {
    return this.code === 'usage' ? EXIT_USAGE : 1;
  }
}

export class UsageError extends HostError {
  readonly code = 'usage';
}
/** The key file cannot serve: missing while secrets are stored, too short, readable by others, or not the key they were sealed with. */
export class KeyFileError extends HostError {
  readonly code = 'key-file';
}
export class JobBusyError extends HostError {
  readonly code = 'job-busy';
}
export class InstallError extends HostError {
  readonly code = 'install';
}
export class ConsoleSetupError extends HostError {
  readonly code = 'console-setup';
}

/** A state file that cannot be read as JSON (truncated, overwritten): named, so it can be skipped and reported. */
export class DamagedFileError extends HostError {
  readonly code = 'damaged-file';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`the file ${file} is damaged (${reason}); it was skipped`);
    this.name = 'DamagedFileError';
  }
}

/** No room under the host's home when a run would start: it does not start, so nothing reaches ConnectWise unlogged. */
export class DiskFullError extends HostError {
  readonly code = 'disk-full';
  constructor(
    readonly folder: string,
    readonly reason: string,
  ) {
    super(
      `no room to keep a run's log under ${folder} (${reason}): the run did not start and nothing was written to ConnectWise; free some space and run it again`,
    );
    this.name = 'DiskFullError';
  }
}
