/** An expected failure: HTTP status, a stable code the desktop translates, and optional field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: { path: string; code: string }[],
  ) {
    super(message);
  }
}
