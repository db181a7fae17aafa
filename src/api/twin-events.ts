// What a live twin reports as it changes: kernel log lines, uevents as udev sees them, trace
// steps and one state-change notice per change. Consumers (the server's event stream, a
// test) subscribe; a listener that throws is dropped, never the twin's operation.

import type { LogEntry } from '../kernel/printk.js';

export interface LogEvent {
  type: 'log';
  /** Position in the kernel log since boot (the dmesg cursor). */
  seq: number;
  usec: number;
  text: string;
  /** The line as dmesg prints it. */
  line: string;
}

/** models what a udev monitor sees of kobject_uevent: action, devpath (below /sys), subsystem and the environment. */
export interface UeventEvent {
  type: 'uevent';
  action: 'add' | 'remove' | 'bind' | 'unbind' | 'change';
  devpath: string;
  subsystem: string;
  properties: Record<string, string>;
}

export interface TraceStepEvent {
  type: 'trace';
  seq: number;
  vm: string;
  event: string;
  detail: string;
}

export interface ChangeEvent {
  type: 'change';
  /** Counts every change of the twin since this process loaded it. */
  generation: number;
  /** What changed it, e.g. `write /sys/bus/ap/apmask`, `cli mdev start`, `restore`. */
  cause: string;
}

export type TwinEvent = LogEvent | UeventEvent | TraceStepEvent | ChangeEvent;

export type TwinListener = (event: TwinEvent) => void;

export function logEvent(seq: number, e: LogEntry, line: string): LogEvent {
  return { type: 'log', seq, usec: e.usec, text: e.text, line };
}

export class TwinEvents {
  private readonly listeners = new Set<TwinListener>();

  /** Subscribes; returns the unsubscribe function. */
  on(listener: TwinListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  emit(event: TwinEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}
