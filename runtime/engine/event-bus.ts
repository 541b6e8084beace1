/**
 * Delivers the engine's EventBridge-shaped events to in-process subscribers and appends them to
 * an NDJSON log, one envelope per line.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ArnScope } from '../model/arns';
import { BATCH_EVENT_SOURCE, BatchEventEnvelope } from '../model/events';

/** Log lines kept before a write: one write per scheduling pass, or per this many events in a burst. */
const MAX_PENDING_LINES = 256;

/** Receives every event the engine emits. */
export type EventListener = (event: BatchEventEnvelope) => void;

/** Subscribers plus an optional NDJSON file. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly logFd?: number;
  private pendingLines: string[] = [];

  constructor(private readonly scope: ArnScope, private readonly now: () => number, eventLogFile?: string) {
    if (eventLogFile) {
      fs.mkdirSync(path.dirname(eventLogFile), { recursive: true });
      this.logFd = fs.openSync(eventLogFile, 'a');
    }
  }

  /** Whether anyone would see an event: rendering a JobDetail is skipped otherwise (100,000-child arrays). */
  public get active(): boolean {
    return this.listeners.size > 0 || this.logFd !== undefined;
  }

  /** Adds a listener; returns the function that removes it. */
  public subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wraps `detail` in the envelope and delivers it; a throwing listener does not stop the others. */
  public emit(detailType: string, resources: string[], detail: object): void {
    const event: BatchEventEnvelope = {
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
    if (this.logFd !== undefined) {
      this.pendingLines.push(JSON.stringify(event) + '\n');
      // Bounded, so admitting a 10,000-child array does not hold megabytes of lines.
      if (this.pendingLines.length >= MAX_PENDING_LINES) {
        this.flushLog();
      }
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`batchkit local engine: an event listener threw: ${(error as Error).message}`);
      }
    }
  }

  /** Appends the events emitted since the last call to the log file (the engine calls it once per scheduling pass). */
  public flushLog(): void {
    if (this.logFd !== undefined && this.pendingLines.length > 0) {
      fs.writeSync(this.logFd, this.pendingLines.join(''));
      this.pendingLines = [];
    }
  }

  /** Writes what is pending and closes the log file; later events reach no one. */
  public close(): void {
    this.listeners.clear();
    if (this.logFd !== undefined) {
      this.flushLog();
      fs.closeSync(this.logFd);
    }
  }
}
