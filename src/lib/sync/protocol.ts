// The sync protocol between the app and the `/api` routes: the payload schemas (valibot) that both the
// client and the server validate with, the limits, and the endpoint paths. Pure: no DOM, Dexie or server
// imports, so the worker, the server and the tests share it.
import * as v from 'valibot';

/** Limits the server enforces (and the client respects so that it never sends what will be refused). */
export const LIMITS = {
  /** Largest JSON request body, in bytes. */
  maxBodyBytes: 16 * 1024 * 1024,
  /** Mutations per push request. */
  maxMutationsPerPush: 100,
  /** Changes per pull page. */
  maxPullPage: 500,
  /** Members of one static segment. */
  maxStaticMembers: 500_000,
  maxIdLength: 200,
  maxNameLength: 200,
  /** Length of a dynamic segment's rule text. */
  maxRuleLength: 20_000,
  /** Export uploads: bytes per chunk and per file. */
  exportChunkBytes: 1024 * 1024,
  maxExportBytes: 512 * 1024 * 1024
} as const;

/** API paths, relative to the origin. `:id` and `:index` are filled in with encodeURIComponent. */
export const PATHS = {
  /** POST: create a workspace on the embedded default (first visit); GET is not allowed. */
  workspaces: '/api/workspaces',
  /** GET: the workspace the token belongs to (checks a token). */
  session: '/api/session',
  push: '/api/sync/push',
  /** GET `?after=SEQ&limit=N`. */
  pull: '/api/sync/pull',
  /** GET: list; POST: start (or resume) an upload. */
  exports: '/api/exports',
  /** PUT: one chunk, raw bytes, header `x-chunk-sha256`. */
  exportChunk: '/api/exports/:id/chunks/:index',
  /** POST: finish an upload (the server checks the whole file's SHA-256). */
  exportComplete: '/api/exports/:id/complete',
  /** GET: the file's bytes (text/csv). */
  exportFile: '/api/exports/:id/file'
} as const;

/** Every request but `POST /api/workspaces` carries `Authorization: Bearer <token>`. */
export const AUTH_HEADER = 'authorization';
export const CHUNK_HASH_HEADER = 'x-chunk-sha256';

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxIdLength));
const Uuid = v.pipe(v.string(), v.uuid());
const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(LIMITS.maxNameLength));
/** Epoch milliseconds (UTC). */
const Instant = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15));
const Version = v.pipe(v.number(), v.integer(), v.minValue(0));
const Sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));

/**
 * A segment as it travels: dynamic segments carry their rule as canonical query text (the engine's
 * `print`), which the server re-parses with the engine; static segments carry their member ids.
 */
export const SegmentPayload = v.variant('kind', [
  v.object({
    id: Uuid,
    kind: v.literal('dynamic'),
    name: Name,
    rule: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxRuleLength)),
    createdAt: Instant,
    updatedAt: Instant,
    /** Set on a conflict copy: the id of the segment it lost to. */
    conflictOf: v.optional(Uuid)
  }),
  v.object({
    id: Uuid,
    kind: v.literal('static'),
    name: Name,
    members: v.pipe(v.array(Id), v.maxLength(LIMITS.maxStaticMembers)),
    createdAt: Instant,
    updatedAt: Instant,
    conflictOf: v.optional(Uuid)
  })
]);
export type SegmentPayload = v.InferOutput<typeof SegmentPayload>;

/**
 * One local change, queued in the outbox in the same transaction as the change itself. `baseVersion`
 * is the server version the device last saw of this record (0 for a record the server has never seen):
 * when the server's version differs, the edit was made apart from another one and the server resolves
 * the conflict (the later arrival wins; the other version becomes a visible conflict copy).
 */
export const Mutation = v.variant('op', [
  v.object({
    mutationId: Uuid,
    op: v.literal('put'),
    recordType: v.literal('segment'),
    recordId: Uuid,
    baseVersion: Version,
    at: Instant,
    segment: SegmentPayload
  }),
  v.object({
    mutationId: Uuid,
    op: v.literal('delete'),
    recordType: v.literal('segment'),
    recordId: Uuid,
    baseVersion: Version,
    at: Instant
  })
]);
export type Mutation = v.InferOutput<typeof Mutation>;

export const PushRequest = v.object({
  /** A random id per device (browser profile), shown in conflict copies' names. */
  deviceId: Uuid,
  /** A human name for the device ("Chrome on Linux"), for conflict copies. */
  deviceName: v.optional(v.pipe(v.string(), v.maxLength(100))),
  mutations: v.pipe(v.array(Mutation), v.minLength(1), v.maxLength(LIMITS.maxMutationsPerPush))
});
export type PushRequest = v.InferOutput<typeof PushRequest>;

/**
 * What became of one mutation: `applied` (now at `version`, change `seq`), `duplicate` (this mutation id
 * was applied before: acknowledged, not applied again), `conflict` (applied, but another device's version
 * was kept as the conflict copy `conflictCopyId`; or the edit itself became the copy `conflictCopyId`
 * and there is no `version`: the record stays as it was, deleted, or the workspace's version of a record
 * a joining device sent with `baseVersion` 0), `rejected` (invalid: the client shows `error` and stops
 * retrying it).
 */
export const MutationResult = v.object({
  mutationId: Uuid,
  status: v.picklist(['applied', 'duplicate', 'conflict', 'rejected']),
  version: v.optional(Version),
  seq: v.optional(v.number()),
  conflictCopyId: v.optional(Uuid),
  /**
   * Another segment of the workspace already had the name sent (names are compared with spaces
   * collapsed, ignoring case): the server stored this one as `renamedTo` ("VIP (2)"), which pulls bring.
   */
  renamedTo: v.optional(v.string()),
  error: v.optional(v.string())
});
export type MutationResult = v.InferOutput<typeof MutationResult>;

export const PushResponse = v.object({ results: v.array(MutationResult) });
export type PushResponse = v.InferOutput<typeof PushResponse>;

/** One applied change, in the workspace's order (`seq`). Deletes are tombstones: `deleted` with no body. */
export const Change = v.variant('recordType', [
  v.object({
    seq: v.number(),
    recordType: v.literal('segment'),
    recordId: Uuid,
    version: Version,
    deleted: v.boolean(),
    segment: v.optional(SegmentPayload),
    /** The device that made the change, so a device can recognise its own. */
    deviceId: v.optional(v.string()),
    at: Instant
  }),
  v.object({
    seq: v.number(),
    recordType: v.literal('export'),
    recordId: Uuid,
    version: Version,
    deleted: v.boolean(),
    export: v.optional(v.lazy(() => ExportMeta)),
    deviceId: v.optional(v.string()),
    at: Instant
  })
]);
export type Change = v.InferOutput<typeof Change>;

export const PullQuery = v.object({
  after: v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(LIMITS.maxPullPage)
    )
  )
});

export const PullResponse = v.object({
  changes: v.array(Change),
  /** The cursor to send next time (the last change's seq, or `after` when there was nothing). */
  cursor: v.number(),
  /** More changes are waiting: pull again at once. */
  more: v.boolean()
});
export type PullResponse = v.InferOutput<typeof PullResponse>;

/** An export file's description: what the Exports page lists on every device. */
export const ExportMeta = v.object({
  id: Uuid,
  segmentId: Uuid,
  segmentName: Name,
  fileName: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  at: Instant,
  rows: v.pipe(v.number(), v.integer(), v.minValue(0)),
  columns: v.pipe(
    v.array(v.pipe(v.string(), v.maxLength(LIMITS.maxNameLength))),
    v.maxLength(1000)
  ),
  bytes: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(LIMITS.maxExportBytes)),
  sha256: Sha256
});
export type ExportMeta = v.InferOutput<typeof ExportMeta>;

/** `POST /api/exports`: starts an upload, or resumes it (the response lists the chunks already held). */
export const StartUploadRequest = v.object({ deviceId: Uuid, export: ExportMeta });
export type StartUploadRequest = v.InferOutput<typeof StartUploadRequest>;

export const StartUploadResponse = v.object({
  chunkBytes: v.number(),
  chunks: v.number(),
  /** Indexes of the chunks the server already has (verified). */
  received: v.array(v.number()),
  complete: v.boolean()
});
export type StartUploadResponse = v.InferOutput<typeof StartUploadResponse>;

export const ExportList = v.object({ exports: v.array(ExportMeta) });
export type ExportList = v.InferOutput<typeof ExportList>;

export const CreateWorkspaceRequest = v.object({ name: v.optional(Name) });
export const CreateWorkspaceResponse = v.object({
  workspaceId: Uuid,
  name: v.string(),
  token: v.string()
});
export type CreateWorkspaceResponse = v.InferOutput<typeof CreateWorkspaceResponse>;

export const SessionResponse = v.object({ workspaceId: Uuid, name: v.string() });
export type SessionResponse = v.InferOutput<typeof SessionResponse>;

/** Every 4xx/5xx answer: a stable code and a sentence for people. */
export const ApiError = v.object({
  error: v.object({
    code: v.string(),
    message: v.string(),
    /** For validation errors: where in the payload. */
    path: v.optional(v.string())
  })
});
export type ApiError = v.InferOutput<typeof ApiError>;

/** Fills `:name` placeholders of a PATHS entry. */
export function apiPath(
  template: string,
  params: Readonly<Record<string, string | number>>
): string {
  return template.replace(/:([a-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`Missing path parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}
