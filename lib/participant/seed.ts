// Seed-compatible API: the shape of the Go library's NewParticipant / StartElection /
// RunLoop(stop), for code ported from Go. New code should use Participant directly.
import { Participant } from './participant';
import { typeError } from '../errors';

/** State passed to the callback when this node follows another (Go: multibully.Follower). */
export const Follower = 0;
/** State passed to the callback when this node leads (Go: multibully.Leader). */
export const Leader = 1;

export type SeedState = typeof Follower | typeof Leader;
/** Go: func(state int, ip *net.IP). `leaderIp` is the leader's unicast address (own when leading). */
export type SeedCallback = (state: SeedState, leaderIp: string) => void;

export interface SeedParticipant {
  /** Go: p.StartElection(). Joins the group and starts electing; resolves once joined. */
  startElection(): Promise<void>;
  /** Go: p.RunLoop(stop). Runs until `stop` aborts, then resigns and resolves. */
  runLoop(stop?: AbortSignal): Promise<void>;
  /** The underlying Participant, for counters, events and stop(). */
  readonly participant: Participant;
}

/**
 * Go: multibully.NewParticipant(address, iface, pid, callback). Uses the Go library's wire
 * format only if asked (`wire: 'go'`); by default it speaks v1, so every node must be ported.
 */
export function newParticipant(
  address: string,
  interfaceSpec: string | number,
  pid: number | bigint,
  callback: SeedCallback,
  options: { wire?: 'v1' | 'go' } = {},
): SeedParticipant {
  if (typeof callback !== 'function') throw typeError('ERR_INVALID_ARG_TYPE', 'callback must be a function (state, leaderIp) => void');
  const participant = new Participant({ address, interface: interfaceSpec, id: pid, ...(options.wire && { wire: options.wire }) });
  participant.on('leader', () => callback(Leader, participant.self.address));
  participant.on('follower', ({ leader }) => callback(Follower, leader.address));
  let started: Promise<void> | undefined;
  const startElection = (): Promise<void> => (started ??= participant.start());
  return {
    participant,
    startElection,
    async runLoop(stop?: AbortSignal): Promise<void> {
      await startElection();
      if (!stop) return new Promise<void>(() => {});
      if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
      await participant.stop();
    },
  };
}
