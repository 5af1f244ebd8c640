import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onStatusSignal, onTerminationSignals, type TerminationSignal } from '../../lib/cli/signals';

describe('termination signals', () => {
  it('shut down once on the first signal and keep handling repeats (no fallback to the default action)', () => {
    const source = new EventEmitter();
    const shutdowns: TerminationSignal[] = [];
    const repeats: TerminationSignal[] = [];
    onTerminationSignals((signal) => shutdowns.push(signal), (signal) => repeats.push(signal), source);
    source.emit('SIGTERM');
    // Still handled after the first one: a real repeated SIGTERM cannot kill the process.
    expect(source.listenerCount('SIGTERM')).toBe(1);
    expect(source.listenerCount('SIGINT')).toBe(1);
    source.emit('SIGTERM');
    source.emit('SIGINT');
    expect(shutdowns).toEqual(['SIGTERM']);
    expect(repeats).toEqual(['SIGTERM', 'SIGINT']);
  });

  it('SIGHUP resigns like SIGTERM (it used to kill the process with status 129)', () => {
    const source = new EventEmitter();
    const shutdowns: TerminationSignal[] = [];
    const repeats: TerminationSignal[] = [];
    onTerminationSignals((signal) => shutdowns.push(signal), (signal) => repeats.push(signal), source);
    source.emit('SIGHUP');
    source.emit('SIGHUP');
    expect(shutdowns).toEqual(['SIGHUP']);
    expect(repeats).toEqual(['SIGHUP']);
  });

  it('SIGUSR1 reports on every signal and never shuts down', () => {
    const source = new EventEmitter();
    let reports = 0;
    const shutdowns: TerminationSignal[] = [];
    onTerminationSignals((signal) => shutdowns.push(signal), () => {}, source);
    onStatusSignal(() => reports++, source);
    source.emit('SIGUSR1');
    source.emit('SIGUSR1');
    expect(reports).toBe(2);
    expect(shutdowns).toEqual([]);
  });
});
