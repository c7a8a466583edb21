// The data vocabulary shared by import, storage, the engine and the UI: value types, attribute and event
// schemas, and how a typed value is represented in memory.

export type ValueType = 'string' | 'number' | 'boolean' | 'date';
export const VALUE_TYPES: readonly ValueType[] = ['string', 'number', 'boolean', 'date'];

/**
 * A typed value. Dates are epoch milliseconds (UTC) as numbers; the schema says which numbers are dates.
 * `null` means missing: a blank cell is missing, never "" or 0.
 */
export type Value = string | number | boolean;

/** A customer attribute or an event property. */
export interface FieldDef {
  /** snake_case key used in queries, e.g. `total_spent`. */
  readonly key: string;
  /** The original header, e.g. `Total Spent`. */
  readonly label: string;
  readonly type: ValueType;
}

export interface EventTypeDef {
  readonly name: string;
  readonly properties: readonly FieldDef[];
}

/** Attributes every customer store knows about, whatever the CSV had. */
export const EMAIL_KEY = 'email';
export const PHONE_KEY = 'phone';
/** The phone normalised to E.164 (for matching), derived at import. */
export const PHONE_E164_KEY = 'phone_e164';

/** The schema a query is compiled against. */
export interface DataSchema {
  readonly attributes: readonly FieldDef[];
  readonly events: readonly EventTypeDef[];
}

/** One typed column of a batch: values[i] belongs to row i; null is missing. */
export interface BatchColumn {
  readonly def: FieldDef;
  readonly values: readonly (Value | null)[];
}

/**
 * Customers to upsert by external id. Only the columns present change; a null in a present column
 * clears that attribute (the file says it is blank now). Other attributes stay.
 */
export interface CustomerBatch {
  readonly ids: readonly string[];
  readonly columns: readonly BatchColumn[];
}

/** Events to append. `customerIds` are external customer ids; unknown ids create minimal customers. */
export interface EventBatch {
  readonly customerIds: readonly string[];
  readonly names: readonly string[];
  /** Epoch milliseconds, UTC. */
  readonly timestamps: ArrayLike<number>;
  readonly properties: readonly BatchColumn[];
}
