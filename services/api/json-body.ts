import { FmsError } from '../shared/errors.ts';

/** No FMS body is nested deeper than a few levels; a rule or a plan is under 10. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deeply a JSON text nests its objects and arrays, counted without parsing it, stopping as soon
 * as it passes `limit`: 100,000 nested brackets must be a clear 400, not a stack overflow in the
 * parser or the validator.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Refuses a JSON body nested deeper than MAX_JSON_DEPTH, before it is parsed. */
export function checkJsonDepth(text: string): void {
  if (jsonDepthExceeds(text)) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
}
