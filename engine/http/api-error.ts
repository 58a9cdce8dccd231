/** An API failure: HTTP status, a stable code, a message naming the field or the cause. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: {
      field?: string;
      /** More members for the JSON body (e.g. the rows of a refused import). */
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get field(): string | undefined {
    return this.options.field;
  }

  /** `{ error, code, field?, ...details }`. */
  body(): Record<string, unknown> {
    const out: Record<string, unknown> = { error: this.message, code: this.code };
    if (this.options.field !== undefined) out.field = this.options.field;
    return { ...out, ...this.options.details };
  }
}
