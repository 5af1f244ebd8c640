// The CLI's help text, the defaults it shows, and its usage error (exit status 2, one line on stderr).
import { DEFAULT_HEARTBEAT_MS, DEFAULT_MISSES } from '../core';

/** The CLI's defaults, as --help shows them; the heartbeat and misses are the core's. */
export const DEFAULTS = {
  heartbeatMs: DEFAULT_HEARTBEAT_MS.v1,
  goHeartbeatMs: DEFAULT_HEARTBEAT_MS.go,
  misses: DEFAULT_MISSES,
  ttl: 1,
  hookTimeoutMs: 30_000,
  logLevel: 'warn',
} as const;

export const USAGE = `Usage:
  multibully --interface IFACE --address GROUP:PORT --id N [options]
  multibully interfaces [--json]
  multibully demo
  multibully --version

Run a participant and print one JSON line per state change on stdout.

Options:
  -i, --interface IFACE    NIC to elect on: name, index or one of its addresses (required)
  -a, --address GROUP:PORT multicast group and port, e.g. 239.77.0.1:9999 or [ff02::77]:9999; with
                           peers only the local port, e.g. 9999 (required)
      --peer ADDR[:PORT]   a unicast peer instead of a multicast group, e.g. 10.0.1.5 or
                           [fd00::5]:9999 (repeatable; the port defaults to ours; our own address may
                           be listed). Packets from any other address are dropped
      --peers-file PATH    the peers, one address a line (# comments), re-read when the file changes
      --id N               unsigned 64-bit integer (0 to 2^64-1); among equal priorities the highest
                           id wins (required)
      --priority N         base priority, 1 to 254 (default 100); the election orders by (priority
                           + the checks' weights, id, address)
      --cluster NAME       cluster name; several clusters can share one group:port (default "default")
      --heartbeat MS       leader heartbeat period in ms (default ${DEFAULTS.heartbeatMs}; ${DEFAULTS.goHeartbeatMs} with --wire go)
      --misses K           heartbeats missed before the leader is suspected (default ${DEFAULTS.misses})
      --secret-file FILE   shared secret for HMAC authentication (one trailing newline is ignored)
      --wire v1|go         wire format; "go" talks to the Go MultiBully library (default v1)
      --no-preempt         a higher node that joins follows a healthy leader instead of taking over
      --preempt-delay MS   a node that outranks the leader follows it this long before taking over
                           (default 0; keepalived's preempt_delay)
      --check CMD          health check, run via /bin/sh -c; exit status 0 is healthy (repeatable).
                           Each --check may be followed by its own settings:
        --check-name NAME      in logs, status and metrics (default check1, check2, …)
        --check-interval MS    between runs (default 1000)
        --check-timeout MS     a run that takes longer is killed and fails (default: the interval)
        --check-rise N         successes in a row that make it healthy again (default 1)
        --check-fall N         failures in a row that make it unhealthy (default 1)
        --check-weight W       -253..253: subtracted while unhealthy (W < 0), added while healthy
                               (W > 0); 0 (default): unhealthy puts the node in fault
        --check-init-fail      start unhealthy
      --priority-file PATH an integer added to the priority, re-read when the file changes; a
                           missing or garbage file puts the node in fault (keepalived's track_file)
      --no-probe           do not probe the leader's port (by default the follower next in line does,
                           to give up a leader whose process died in 1.5 heartbeats)
      --metadata TEXT      text sent with the leader's heartbeats
      --ttl N              multicast TTL / hop limit (default ${DEFAULTS.ttl}); with peers the unicast TTL
                           (default the OS's)
      --vip ADDR/PREFIX    floating address held while leading, e.g. 10.0.0.100/24 (repeatable;
                           IPv4 or IPv6; needs CAP_NET_ADMIN and CAP_NET_RAW)
      --on-leader CMD      run CMD (via /bin/sh -c) on becoming leader
      --on-follower CMD    run CMD on following a new leader
      --on-fault CMD       run CMD on entering fault (the NIC is down, gone or cannot send)
      --on-stop CMD        run CMD once the participant has stopped (SIGTERM, SIGINT, SIGHUP)
      --notify CMD         run "CMD STATE" on every transition, STATE being leader, follower,
                           fault or stopped (after the on-STATE command, if any)
      --hook-timeout MS    kill a hook that runs longer than this (default ${DEFAULTS.hookTimeoutMs})
      --status-file PATH   JSON status, rewritten atomically on every transition
      --metrics [HOST:]PORT  serve Prometheus metrics at http://HOST:PORT/metrics (HOST: an IP
                           address, default 127.0.0.1; 0.0.0.0 for every interface)
      --no-parent-watch    keep running when the parent process exits (default: resign and exit)
      --log-level LEVEL    trace|debug|info|warn|error|silent, logs go to stderr (default ${DEFAULTS.logLevel})
  -h, --help               show this help
      --version            print the version
Each flag may be given once; only --peer, --vip, --check and the --check-* settings (once per
check) may be repeated.

Output: one JSON line per transition, e.g.
  {"time":1795690000123.456,"event":"follower","id":"1","term":"3","leader":{"id":"5","address":"10.0.0.5"}}
"event" is candidate, waiting, leader, follower, fault, conflict or stopped; ids and terms are
decimal text. A leader that sends metadata has it in "leader" as "metadata", with
"metadataEncoding" utf8 (text) or base64 (bytes that are not UTF-8); a link-local IPv6 leader
address carries the NIC as its zone (fe80::1%eth0). A "fault" line
(the NIC is down, has no address or is gone, sends keep failing, or a check of weight 0 fails)
has "leader":null and a "reason" (nic-down, nic-no-address, nic-gone, send-failing,
check-failed); leaving fault prints "candidate".
A "conflict" line (another instance uses our id and address; repeated while it lasts) names it
in "other":{"id","address","nonce"}. A leader raising its term keeps office: no line.

Hooks run once per transition (taking office, following a new leader or term, fault, stop),
one at a time; when transitions come faster than hooks finish, only the latest state is
hooked. They get MULTIBULLY_STATE, MULTIBULLY_ID, MULTIBULLY_TERM, MULTIBULLY_LEADER_ID,
MULTIBULLY_LEADER_ADDRESS, MULTIBULLY_LEADER_METADATA and MULTIBULLY_LEADER_METADATA_ENCODING
(as in the lines; empty without a leader or metadata), MULTIBULLY_PRIORITY (this node's effective
priority) and, on fault and on stop,
MULTIBULLY_REASON (the fault's reason; the signal, or parent-exited) in their environment, and
run in their own process group.

Signals: SIGTERM, SIGINT and SIGHUP release the --vip addresses, resign leadership, print a
final "stopped" event, run the stop hooks and exit 0; a hook still running then is killed
with its process group. The parent exiting (npx, a supervisor) does the same. SIGUSR1 prints
one "status" line (state, leader, term, timers, counters, priority, checks) on stdout.
`;

export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one format of every usage error (exit status 2): one line on stderr. */
export function formatUsageError(message: string): string {
  return `multibully: ${message.replace(/\s*\n\s*/g, '; ')} (see multibully --help)\n`;
}
