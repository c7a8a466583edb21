// The sentences of the engine's compile issues, in one place (codes stay stable; wording may change).
const list = (xs: readonly string[]): string => xs.map((x) => `\`${x}\``).join(', ');

export const messages = {
  unknownAttribute: (key: string) => `There is no attribute \`${key}\`.`,
  unknownProperty: (key: string, event: string) =>
    `\`${event}\` events have no property \`${key}\`.`,
  unknownEvent: (name: string) =>
    `No \`${name}\` events have been imported yet; the rule will match as if none happened.`,
  unknownSegment: (name: string) => `There is no segment named “${name}”.`,
  invalidSegment: (name: string) => `The segment “${name}” has errors of its own.`,
  segmentCycle: (path: readonly string[]) =>
    `Segments refer to each other in a loop: ${path.join(' → ')}.`,
  operatorType: (op: string, type: string, key: string) =>
    `\`${op}\` does not apply to ${type} field \`${key}\`.`,
  allowedOperators: (ops: readonly string[]) => `use one of ${list(ops)}`,
  typeMismatch: (key: string, type: string) =>
    `\`${key}\` holds ${type} values; this value is not one.`,
  notNumeric: (key: string) => `\`${key}\` is not a number, so it cannot be summed or averaged.`,
  didYouMean: (s: string) => `did you mean \`${s}\`?`,
  existedNeedsWindow: () =>
    '“for whole window” needs a time window with a start, such as “in last 3 months” or “since 2026-01-01”.',
  existedNeedsStart: () =>
    '“for whole window” needs a window with a start; “before …” windows reach back to the beginning of time.',
  existedNeedsNot: () =>
    '“for whole window” applies to “not performed”: it keeps out customers who did not exist yet when the window began.',
  badStartAttribute: (key: string) =>
    `\`${key}\` cannot say when customers started: it is not a date attribute.`
};
