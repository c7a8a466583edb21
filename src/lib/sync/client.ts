// One sync run against the /api routes: link a workspace (created on first use where the server allows
// it), push the outbox in order and in batches, upload exports in resumable chunks checked with SHA-256,
// then pull every page after the cursor. Runs in the data worker (and in the service worker for
// Background Sync); storage goes through SyncRepo, the network through an injected fetch.
import * as v from 'valibot';
import type { OutgoingMutation, SyncRepo, WorkspaceLink } from '$lib/storage/sync-repo';
import type { OutboxEntry } from '$lib/storage/db';
import {
  apiPath,
  CHUNK_HASH_HEADER,
  CreateWorkspaceResponse,
  ExportMeta,
  LIMITS,
  Mutation,
  PATHS,
  PullResponse,
  PushResponse,
  SessionResponse,
  StartUploadResponse
} from './protocol';
import { jsonReader, request, textReader, type Fetch, type HttpOutcome } from './http';

export interface SyncClientOptions {
  readonly repo: SyncRepo;
  readonly fetch: Fetch;
  /** Where the API lives (the app's origin). */
  readonly origin: string;
  readonly now: () => number;
  /** Shown in conflict copies made from this device's versions. */
  readonly deviceName: string;
  /** Create a workspace when none is linked (the embedded default; the server says no otherwise). */
  readonly autoCreate: boolean;
  /** Runs a sync exclusively (across tabs and the service worker); by default it just runs. */
  readonly exclusive?: <T>(run: () => Promise<T>) => Promise<T>;
}

export interface SyncCounts {
  readonly pushed: number;
  readonly rejected: number;
  readonly uploaded: number;
  readonly pulled: number;
  /** Local segments changed by this run (pulled changes, deletes resolved by the server). */
  readonly segmentsChanged: boolean;
  readonly exportsChanged: boolean;
}

export type SyncRun =
  | ({ readonly ok: true } & SyncCounts)
  | ({
      readonly ok: false;
      /** retry: try again later; unauthorized/disconnected: wait for the user to (re)connect. */
      readonly reason: 'retry' | 'unauthorized' | 'disconnected';
      readonly message: string;
      readonly retryAfterMs?: number;
    } & SyncCounts);

export type ConnectOutcome =
  | { readonly ok: true; readonly workspace: WorkspaceLink }
  | { readonly ok: false; readonly message: string };

const hex = (buffer: ArrayBuffer): string =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

class Counts {
  pushed = 0;
  rejected = 0;
  uploaded = 0;
  pulled = 0;
  segmentsChanged = false;
  exportsChanged = false;
  get value(): SyncCounts {
    return {
      pushed: this.pushed,
      rejected: this.rejected,
      uploaded: this.uploaded,
      pulled: this.pulled,
      segmentsChanged: this.segmentsChanged,
      exportsChanged: this.exportsChanged
    };
  }
}

type Failure = Extract<HttpOutcome<unknown>, { kind: 'retry' | 'unauthorized' }>;

/** An upload's outcome; a refusal says at which step (refused at the start: the file is not wanted). */
type UploadOutcome =
  | Exclude<HttpOutcome<true>, { kind: 'refused' }>
  | (Extract<HttpOutcome<true>, { kind: 'refused' }> & { readonly step?: 'start' | 'chunks' });

/** How many times an upload whose bytes the server found wrong is started again before giving up. */
const MAX_UPLOAD_TRIES = 5;

export class SyncClient {
  constructor(private readonly options: SyncClientOptions) {}

  get repo(): SyncRepo {
    return this.options.repo;
  }

  #url(path: string, query = ''): string {
    return `${this.options.origin}${path}${query}`;
  }

  /** One full run: push, upload, pull. Records the outcome in the sync status. */
  run(): Promise<SyncRun> {
    const exclusive = this.options.exclusive ?? ((run) => run());
    return exclusive(() => this.#run());
  }

  async #run(): Promise<SyncRun> {
    const { repo, now } = this.options;
    const counts = new Counts();
    await repo.setStatus({ state: 'syncing', lastAttemptAt: now() });
    const fail = async (
      reason: 'retry' | 'unauthorized' | 'disconnected',
      message: string,
      retryAfterMs?: number
    ): Promise<SyncRun> => {
      await repo.setStatus({
        state: reason === 'retry' ? 'retrying' : reason,
        message
      });
      return { ok: false, reason, message, retryAfterMs, ...counts.value };
    };
    const failed = (outcome: Failure): Promise<SyncRun> =>
      outcome.kind === 'unauthorized'
        ? fail(
            'unauthorized',
            `The server no longer accepts this device's access token (${outcome.message}). Connect again in Sync settings.`
          )
        : fail('retry', outcome.message, outcome.retryAfterMs);

    let workspace = await repo.workspace();
    if (!workspace) {
      if (!this.options.autoCreate) {
        return fail('disconnected', 'This device is not connected to a workspace yet.');
      }
      const created = await this.createWorkspace();
      if (created.kind === 'retry') return failed(created);
      if (created.kind !== 'ok') {
        return fail(
          'disconnected',
          `The server does not create workspaces on its own (${created.message}). Paste an access token in Sync settings.`
        );
      }
      workspace = created.value;
    }
    const device = await repo.device(this.options.deviceName);

    // Push, in order and in batches.
    let limit: number = LIMITS.maxMutationsPerPush;
    for (;;) {
      const batch = await this.#sendable(await repo.nextBatch(limit), counts);
      if (batch === null) break;
      if (batch.length === 0) continue;
      const body = {
        deviceId: device.deviceId,
        deviceName: device.deviceName.slice(0, 100),
        mutations: batch.map(toMutation)
      };
      if (batch.length > 1 && JSON.stringify(body).length > LIMITS.maxBodyBytes) {
        limit = Math.max(1, Math.floor(batch.length / 2));
        continue;
      }
      const outcome = await request(
        this.options.fetch,
        this.#url(PATHS.push),
        { method: 'POST', token: workspace.token, json: body },
        jsonReader(PushResponse)
      );
      if (outcome.kind === 'ok') {
        const done = await repo.acknowledge(batch, outcome.value.results, now());
        if (done.acknowledged + done.rejected === 0) {
          await repo.noteFailure(seqs(batch), 'The server answered none of the changes sent.');
          return fail('retry', 'The server answered none of the changes sent.');
        }
        counts.pushed += done.acknowledged;
        counts.rejected += done.rejected;
        counts.segmentsChanged ||= done.segmentsChanged;
        limit = LIMITS.maxMutationsPerPush;
      } else if (outcome.kind === 'refused') {
        // The request as a whole was refused: find the change at fault by sending them one at a time.
        if (batch.length > 1) {
          limit = 1;
          continue;
        }
        await repo.reject(batch[0].entry.seq, refusal(outcome));
        counts.rejected++;
      } else {
        await repo.noteFailure(seqs(batch), outcome.message);
        return failed(outcome);
      }
    }

    // Exports, each resumable.
    for (const entry of await repo.pendingUploads()) {
      const outcome = await this.#upload(entry, workspace.token, device.deviceId);
      if (outcome.kind === 'ok') {
        await repo.uploaded(entry.seq, entry.recordId, now());
        counts.uploaded++;
      } else if (outcome.kind === 'refused' && outcome.step !== 'start') {
        // A chunk or the whole file did not match its hash, or chunks went missing: upload it again
        // on the next run (the server keeps the good chunks), a few times before giving up.
        if (entry.attempts + 1 < MAX_UPLOAD_TRIES)
          await repo.noteFailure([entry.seq], refusal(outcome));
        else {
          await repo.reject(entry.seq, refusal(outcome));
          counts.rejected++;
        }
      } else if (outcome.kind === 'refused') {
        await repo.reject(entry.seq, refusal(outcome));
        counts.rejected++;
      } else {
        await repo.noteFailure([entry.seq], outcome.message);
        return failed(outcome);
      }
    }

    // Pull every page after the cursor.
    for (;;) {
      const after = await repo.cursor();
      const outcome = await request(
        this.options.fetch,
        this.#url(PATHS.pull, `?after=${after}&limit=${LIMITS.maxPullPage}`),
        { token: workspace.token },
        jsonReader(PullResponse)
      );
      if (outcome.kind === 'refused') {
        return fail('retry', `The server refused to send changes: ${outcome.message}`);
      }
      if (outcome.kind !== 'ok') return failed(outcome);
      const page = outcome.value;
      const applied = await repo.applyPage(page.changes, page.cursor, now());
      counts.pulled += page.changes.length;
      counts.segmentsChanged ||= applied.segmentsChanged;
      counts.exportsChanged ||= applied.exportsChanged;
      if (!page.more || page.cursor <= after) break;
    }

    await repo.setStatus({
      state: 'idle',
      lastSuccessAt: now(),
      message: undefined,
      nextAttemptAt: undefined
    });
    return { ok: true, ...counts.value };
  }

  /**
   * Checks each change against the protocol before it leaves: one the server would refuse is marked
   * rejected here. null: nothing is waiting.
   */
  async #sendable(
    batch: readonly OutgoingMutation[],
    counts: Counts
  ): Promise<OutgoingMutation[] | null> {
    if (batch.length === 0) return null;
    const valid: OutgoingMutation[] = [];
    for (const item of batch) {
      const checked = v.safeParse(Mutation, toMutation(item));
      if (checked.success) valid.push(item);
      else {
        await this.options.repo.reject(
          item.entry.seq,
          `This change cannot be synced: ${v.summarize(checked.issues)}`
        );
        counts.rejected++;
      }
    }
    return valid;
  }

  async #upload(
    entry: OutboxEntry & { seq: number },
    token: string,
    deviceId: string
  ): Promise<UploadOutcome> {
    const found = await this.options.repo.exportWithFile(entry.recordId);
    if (!found) {
      return {
        kind: 'refused',
        status: 0,
        message: 'The export file is no longer on this device.'
      };
    }
    const bytes = new TextEncoder().encode(found.csv);
    const { record } = found;
    const meta = v.safeParse(ExportMeta, {
      id: record.id,
      segmentId: record.segmentId,
      segmentName: record.segmentName,
      fileName: record.fileName,
      at: record.at,
      rows: record.rows,
      columns: [...record.columns],
      bytes: bytes.length,
      sha256: await sha256Hex(bytes)
    });
    if (!meta.success) {
      return {
        kind: 'refused',
        status: 0,
        step: 'start',
        message: `This export cannot be synced: ${v.summarize(meta.issues)}`
      };
    }
    const started = await request(
      this.options.fetch,
      this.#url(PATHS.exports),
      { method: 'POST', token, json: { deviceId, export: meta.output } },
      jsonReader(StartUploadResponse)
    );
    if (started.kind !== 'ok')
      return started.kind === 'refused' ? { ...started, step: 'start' } : started;
    const later = (outcome: Exclude<HttpOutcome<string>, { kind: 'ok' }>): UploadOutcome =>
      outcome.kind === 'refused' ? { ...outcome, step: 'chunks' } : outcome;
    if (!started.value.complete) {
      const size = started.value.chunkBytes;
      const have = new Set(started.value.received);
      for (let index = 0; index < started.value.chunks; index++) {
        if (have.has(index)) continue;
        const chunk = bytes.subarray(index * size, Math.min(bytes.length, (index + 1) * size));
        const put = await request(
          this.options.fetch,
          this.#url(apiPath(PATHS.exportChunk, { id: record.id, index })),
          {
            method: 'PUT',
            token,
            body: chunk as Uint8Array<ArrayBuffer>,
            headers: {
              'content-type': 'application/octet-stream',
              [CHUNK_HASH_HEADER]: await sha256Hex(chunk)
            }
          },
          textReader
        );
        if (put.kind !== 'ok') return later(put);
      }
      const completed = await request(
        this.options.fetch,
        this.#url(apiPath(PATHS.exportComplete, { id: record.id })),
        { method: 'POST', token },
        textReader
      );
      if (completed.kind !== 'ok') return later(completed);
    }
    return { kind: 'ok', value: true };
  }

  /** Creates a workspace on the server (embedded default only) and links this device to it. */
  async createWorkspace(name?: string): Promise<HttpOutcome<WorkspaceLink>> {
    const outcome = await request(
      this.options.fetch,
      this.#url(PATHS.workspaces),
      { method: 'POST', json: name ? { name } : {} },
      jsonReader(CreateWorkspaceResponse)
    );
    if (outcome.kind !== 'ok') return outcome;
    const link = {
      workspaceId: outcome.value.workspaceId,
      name: outcome.value.name,
      token: outcome.value.token
    };
    await this.options.repo.setWorkspace(link, this.options.now());
    return { kind: 'ok', value: link };
  }

  /** Checks a token with the server and links this device to its workspace. */
  async connect(token: string): Promise<ConnectOutcome> {
    const outcome = await request(
      this.options.fetch,
      this.#url(PATHS.session),
      { token },
      jsonReader(SessionResponse)
    );
    switch (outcome.kind) {
      case 'ok': {
        const link = { workspaceId: outcome.value.workspaceId, name: outcome.value.name, token };
        const exclusive = this.options.exclusive ?? ((run) => run());
        await exclusive(() => this.options.repo.setWorkspace(link, this.options.now()));
        return { ok: true, workspace: link };
      }
      case 'unauthorized':
        return { ok: false, message: 'The server does not know this access token.' };
      case 'refused':
        return { ok: false, message: `The server refused the token: ${outcome.message}` };
      default:
        return { ok: false, message: `${outcome.message} Connect when the server is reachable.` };
    }
  }

  /** The file of an export made on another device of the workspace. */
  async downloadExport(id: string): Promise<HttpOutcome<string>> {
    const workspace = await this.options.repo.workspace();
    if (!workspace) {
      return { kind: 'unauthorized', message: 'This device is not connected to a workspace.' };
    }
    return request(
      this.options.fetch,
      this.#url(apiPath(PATHS.exportFile, { id })),
      { token: workspace.token },
      textReader
    );
  }
}

function toMutation({ entry, baseVersion }: OutgoingMutation): Mutation {
  const common = {
    mutationId: entry.mutationId,
    recordType: 'segment' as const,
    recordId: entry.recordId,
    baseVersion,
    at: entry.at
  };
  return entry.op === 'delete'
    ? { ...common, op: 'delete' }
    : ({ ...common, op: 'put', segment: entry.segment } as Mutation);
}

const seqs = (batch: readonly OutgoingMutation[]): number[] => batch.map((b) => b.entry.seq);

const refusal = (outcome: { message: string; path?: string }): string =>
  outcome.path ? `${outcome.message} (at ${outcome.path})` : outcome.message;
