declare module 'linebreak' {
  /** The Unicode line breaking algorithm (UAX #14), as pdfkit uses it. */
  export default class LineBreaker {
    constructor(text: string);
    /** The next place a line may (or, after a line feed, must) end; null at the end of the text. */
    nextBreak(): { position: number; required: boolean } | null;
  }
}
