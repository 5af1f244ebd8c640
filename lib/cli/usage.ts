// The CLI's help text and its usage error (exit status 2).

export const USAGE = `Usage:
  multibully --interface IFACE --address GROUP:PORT --id N [options]
  multibully interfaces [--json]
  multibully demo

Run a participant and print one JSON line per state change on stdout.

Options:
  -i, --interface IFACE    NIC to elect on: name, index or one of its addresses (required)
  -a, --address GROUP:PORT multicast group and port, e.g. 239.77.0.1:9999 or [ff02::77]:9999 (required)
      --id N               priority, unsigned 64-bit integer; the highest wins (required)
      --cluster NAME       cluster name; several clusters can share one group:port (default "default")
      --heartbeat MS       leader heartbeat period in ms
      --misses K           heartbeats missed before the leader is suspected
      --secret-file FILE   shared secret for HMAC authentication (one trailing newline is ignored)
      --wire v1|go         wire format; "go" talks to the Go MultiBully library (default v1)
      --no-preempt         a higher node that joins follows a healthy leader instead of taking over
      --metadata TEXT      text sent with the leader's heartbeats
      --ttl N              multicast TTL / hop limit (default 1)
      --on-leader CMD      run CMD (via /bin/sh -c) on becoming leader
      --on-follower CMD    run CMD (via /bin/sh -c) on following a new leader
      --hook-timeout MS    kill a hook that runs longer than this (default 30000)
      --log-level LEVEL    trace|debug|info|warn|error|silent, logs go to stderr (default warn)
  -h, --help               show this help

Output: one JSON line per transition, e.g.
  {"time":1795690000123.456,"event":"follower","id":"1","term":3,"leader":{"id":"5","address":"10.0.0.5"}}
"event" is candidate, waiting, leader, follower, fault, conflict or stopped. A "fault" line
(the NIC is down, has no address or is gone, or sends keep failing) has "leader":null and a
"reason" (nic-down, nic-no-address, nic-gone, send-failing); leaving fault prints "candidate".
A "conflict" line (another instance uses our id and address; repeated while it lasts) names it
in "other":{"id","address","nonce"}. A leader raising its term keeps office: no line.

Hooks run once per transition (taking office, following a new leader or term), one at a
time; when transitions come faster than hooks finish, only the latest state is hooked. They
get MULTIBULLY_STATE, MULTIBULLY_ID, MULTIBULLY_TERM, MULTIBULLY_LEADER_ID and
MULTIBULLY_LEADER_ADDRESS in their environment. SIGTERM or SIGINT resigns leadership,
prints a final "stopped" event and exits 0.
`;

export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
