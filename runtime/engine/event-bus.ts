/**
 * Delivers the engine's EventBridge-shaped events to in-process subscribers and appends them to
 * the event log (format and reader: event-log.ts).
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createPrivateDirs, openPrivateFile } from '../files/private-files';
import type { ArnScope } from '../model/arns';
import { BATCH_EVENT_SOURCE, BatchEventEnvelope, JOB_STATE_CHANGE } from '../model/events';
import { memberEventLine, rotatedLogFile, sharedRecordLine } from './event-log';
import { JobDetailPart, joinDetailParts, renderJobDetail, renderStatePart, renderSubmitPart, submitPartVariant, tagSource } from './job-detail';
import type { JobRecord, JobSpec } from './job-record';

/** Log lines kept before a write: one write per scheduling pass, or per this many events in a burst. */
const MAX_PENDING_LINES = 256;

/** Receives every event the engine emits. */
export type EventListener = (event: BatchEventEnvelope) => void;

/** Where the event log goes and when it rotates. */
export interface EventLogSettings {
  /** The NDJSON file. */
  readonly file: string;
  /** Size the file may reach before it is renamed `<file>.1` and a new one started. */
  readonly maxBytes: number;
}

/** Subscribers plus an optional event log. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly log?: EventLogWriter;

  constructor(private readonly scope: ArnScope, private readonly now: () => number, log?: EventLogSettings) {
    if (log) {
      this.log = new EventLogWriter(log, scope);
    }
  }

  /** Whether anyone would see an event: rendering a JobDetail is skipped otherwise (100,000-child arrays). */
  public get active(): boolean {
    return this.listeners.size > 0 || this.log !== undefined;
  }

  /** Adds a listener; returns the function that removes it. */
  public subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Emits a "Batch Job State Change" for `job`. An array child's or node's goes to the log as its
   * state part only, and its full detail is rendered only when a subscriber will receive it.
   */
  public jobStateChanged(job: JobRecord): void {
    const member = job.kind === 'child' || job.kind === 'node';
    if (!this.log || !member) {
      if (this.active) {
        const detail = renderJobDetail(this.scope, job);
        this.emit(JOB_STATE_CHANGE, [detail.jobArn!], detail);
      }
      return;
    }
    const statePart = renderStatePart(this.scope, job);
    const event = this.envelope(JOB_STATE_CHANGE, [statePart.jobArn!], statePart);
    this.log.appendMember(job, event.id, event.time, statePart);
    if (this.listeners.size > 0) {
      this.deliver({ ...event, detail: joinDetailParts(renderSubmitPart(this.scope, job), statePart) as unknown as Record<string, unknown> });
    }
  }

  /** Wraps `detail` in the envelope and delivers it; a throwing listener does not stop the others. */
  public emit(detailType: string, resources: string[], detail: object): void {
    const event = this.envelope(detailType, resources, detail);
    this.log?.appendEnvelope(event);
    this.deliver(event);
  }

  /** Appends the events emitted since the last call to the log file (the engine calls it once per scheduling pass). */
  public flushLog(): void {
    this.log?.flush();
  }

  /** Sets who is told when the event log cannot be written (a full disk): those events are left out of the log and the engine goes on. */
  public onLogWriteError(report: (error: unknown) => void): void {
    if (this.log) {
      this.log.onWriteError = report;
    }
  }

  /** Writes what is pending and closes the log file; later events reach no one. */
  public close(): void {
    this.listeners.clear();
    this.log?.close();
  }

  private envelope(detailType: string, resources: string[], detail: object): BatchEventEnvelope {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: BATCH_EVENT_SOURCE,
      account: this.scope.accountId,
      time: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.scope.region,
      resources,
      detail: detail as Record<string, unknown>,
    };
  }

  private deliver(event: BatchEventEnvelope): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`batchkit local engine: an event listener threw: ${(error as Error).message}`);
      }
    }
  }
}

/** The shared record a member's events name: its id, and the tags it was rendered with. */
interface SharedPart {
  readonly id: string;
  readonly tags: Record<string, string>;
}

/** Appends log lines in batches, stores members' common detail once per file, and rotates at the size cap. */
class EventLogWriter {
  private fd: number;
  /** Bytes of the current file, counting pending lines. */
  private bytes: number;
  private pending: string[] = [];
  /** Shared records already in the current file (or pending for it). */
  private readonly inFile = new Set<string>();
  private readonly sharedParts = new WeakMap<JobSpec, Map<string, SharedPart>>();
  private nextSharedId = 1;
  /** Told when a write fails. */
  public onWriteError?: (error: unknown) => void;

  constructor(private readonly settings: EventLogSettings, private readonly scope: ArnScope) {
    createPrivateDirs(path.dirname(settings.file));
    this.fd = openPrivateFile(settings.file, 'a');
    this.bytes = fs.fstatSync(this.fd).size;
    if (this.bytes > 0 && !endsWithNewline(settings.file, this.bytes)) {
      // A crash tore the last line: end it, so the next record starts a line of its own.
      this.pending.push('\n');
      this.bytes += 1;
    }
  }

  /** Logs a full envelope. */
  public appendEnvelope(event: BatchEventEnvelope): void {
    this.appendEvent(() => `${JSON.stringify(event)}\n`);
  }

  /** Logs a member's event as its state part, writing its shared record first where this file lacks it. */
  public appendMember(job: JobRecord, eventId: string, time: string, statePart: JobDetailPart): void {
    const shared = this.sharedPartOf(job);
    this.appendEvent(() => {
      const line = memberEventLine(shared.id, eventId, time, statePart);
      return this.inFile.has(shared.id) ? line : sharedRecordLine(shared.id, this.scope, renderSubmitPart(this.scope, job)) + line;
    }, shared.id);
  }

  /** Writes the pending lines. */
  public flush(): void {
    if (this.pending.length > 0) {
      const text = this.pending.join('');
      this.pending = [];
      this.writeToLog(text);
    }
  }

  /** Writes what is pending and closes the file. */
  public close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  /** The one place log bytes reach the disk. */
  private writeToLog(text: string): void {
    try {
      fs.writeSync(this.fd, text);
    } catch (error) {
      // Losing log lines beats stopping the engine; shared records are written again for the events that follow.
      this.inFile.clear();
      this.onWriteError?.(error);
    }
  }

  /**
   * Adds one event's lines, rotating first when they would take the file past its cap (a file
   * holding nothing yet takes them anyway). `lines` is asked again after a rotation: the new file
   * needs the shared record.
   */
  private appendEvent(lines: () => string, sharedId?: string): void {
    let text = lines();
    let size = Buffer.byteLength(text);
    if (this.bytes > 0 && this.bytes + size > this.settings.maxBytes) {
      this.rotate();
      text = lines();
      size = Buffer.byteLength(text);
    }
    this.pending.push(text);
    this.bytes += size;
    if (sharedId !== undefined) {
      this.inFile.add(sharedId);
    }
    // Bounded, so admitting a 10,000-child array does not hold megabytes of lines.
    if (this.pending.length >= MAX_PENDING_LINES) {
      this.flush();
    }
  }

  /** Pending lines go to the old file before it is renamed, so no event is lost or split from its shared record. */
  private rotate(): void {
    this.flush();
    fs.closeSync(this.fd);
    fs.renameSync(this.settings.file, rotatedLogFile(this.settings.file));
    this.fd = openPrivateFile(this.settings.file, 'a');
    this.bytes = 0;
    this.inFile.clear();
  }

  /** The job's shared record, a new one when its tags changed since the last (cheap: no detail is rendered). */
  private sharedPartOf(job: JobRecord): SharedPart {
    let variants = this.sharedParts.get(job.spec);
    if (!variants) {
      variants = new Map();
      this.sharedParts.set(job.spec, variants);
    }
    const variant = submitPartVariant(job);
    const tags = tagSource(job);
    let shared = variants.get(variant);
    if (shared?.tags !== tags) {
      shared = { id: `${job.parent!.jobId}/${this.nextSharedId++}`, tags };
      variants.set(variant, shared);
    }
    return shared;
  }
}

function endsWithNewline(file: string, size: number): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}
