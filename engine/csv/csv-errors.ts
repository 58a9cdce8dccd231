/** The text is not well-formed CSV; `row` counts records (a quoted value may span lines), `line` counts lines. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly row: number,
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}
