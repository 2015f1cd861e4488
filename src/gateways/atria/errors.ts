import { CodedError } from '../../errors.js';

/** Atria could not be reached or refused us (CW03), or answered with something unreadable (CW13). */
export class AtriaError extends CodedError {
  constructor(
    code: 'CW03' | 'CW13',
    detail: string,
    readonly status?: number,
  ) {
    super(code, { error: detail }, detail);
  }
}
