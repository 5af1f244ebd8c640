// --vip: the floating addresses follow leadership. On taking office they are added (and
// announced) on the election NIC; on leaving office (any state change away from 'leader'), on
// fault and on stop they are removed first, before anything else reacts (this listener is
// registered before the ones that print lines and run hooks). A NIC that was re-created has a new
// index: the addresses go on the new one at the next taking of office.
import type { Participant } from '../participant';
import type { Logger } from '../participant/logger';

/** What the wiring needs of lib/cli/vip.ts's VipManager (a stand-in in unit tests). */
export interface VipControl {
  acquire(): void;
  release(): void;
  setInterface(index: number, name: string): void;
  close(): void;
  readonly held: boolean;
}

export type VipParticipant = Pick<Participant, 'on' | 'interface'>;

export function followLeadership(participant: VipParticipant, vip: VipControl, logger: Logger): void {
  let index = participant.interface.index;
  // A listener's exception would surface as an uncaught exception: a VIP failure must not end the election.
  const guarded = (what: string, run: () => void): void => {
    try {
      run();
    } catch (error) {
      logger.error({ err: error }, `floating address: ${what} failed`);
    }
  };
  participant.on('state', ({ from, to }) => {
    if (from === 'leader' || to === 'fault' || to === 'stopped') guarded('release', () => vip.release());
  });
  participant.on('leader', () => {
    const nic = participant.interface;
    if (nic.index !== index) {
      index = nic.index;
      guarded('moving to the re-created interface', () => vip.setInterface(nic.index, nic.name));
    }
    guarded('acquire', () => vip.acquire());
  });
}
