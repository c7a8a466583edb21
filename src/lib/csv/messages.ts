// Every sentence the CSV layer shows to a user: issue messages for the file and the column plan, and
// the reasons written into the import report. Codes live next to them so callers can match on them.

export const csvMessages = {
  emptyFile: () => 'The file is empty.',
  headerOnly: () => 'The file has a header row but no data rows.',
  binaryFile: (what: string) =>
    `This does not look like a CSV text file (${what}). Export or save it as CSV and try again.`,
  noStructure: () =>
    'No columns could be found: the file does not look like a table with a header row.',
  noIdColumn: (kind: string) =>
    kind === 'customers'
      ? 'Pick the column that identifies each customer (an id or the email).'
      : 'Pick the column that says which customer each event belongs to (a customer id or email).',
  noEventColumn: () => 'Pick the column that holds the event name.',
  noTimestampColumn: () => 'Pick the column that holds when the event happened.',
  duplicateKey: (key: string) => `Two columns would be stored as \`${key}\`; rename one of them.`,
  badKey: (key: string) =>
    `\`${key}\` is not a usable key: use lower-case letters, digits and _ (not starting with a digit).`,
  reservedKey: (key: string) => `\`${key}\` is reserved; rename this column.`,
  keySkipped: () => 'The identifying column is skipped; it is needed for every row.',
  badColumnIndex: (index: number) => `There is no column number ${index + 1}.`
} as const;

/** Reasons written into the rejected-rows report. */
export const rejectReasons = {
  missingId: () => 'missing id',
  missingCustomer: () => 'missing customer id or email',
  invalidEmail: () => 'not an email address',
  missingEvent: () => 'missing event name',
  missingTimestamp: () => 'missing timestamp',
  badTimestamp: () => 'unparseable timestamp',
  badValue: (type: string) => `not a ${type}`,
  fieldCount: (expected: number, found: number) =>
    `wrong number of fields: expected ${expected}, found ${found}`,
  orderMissingTotal: () => 'order has no total',
  orderMissingCustomer: () => 'order has no customer email or id',
  orderBadTime: () => 'order has no usable date',
  orderCancelled: () => 'order was cancelled (not imported as a purchase)'
} as const;
