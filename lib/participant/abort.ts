// What an aborted signal rejects with: its reason (a DOMException 'AbortError' unless the caller
// gave one), as fetch() and Node's promise APIs that take a signal do.

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}
