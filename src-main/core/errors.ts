import type { ErrorCode, FieldIssue } from '../../src-preload/contract';

/** An expected failure with a code the renderer translates. Anything else thrown is reported as 'internal'. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}
