// A Participant's state and counters as Prometheus metrics, named after Prometheus's conventions
// and keepalived-exporter's choices where they fit (a state gauge per state, counters ending in
// _total, drops and faults labelled by reason). Every series carries the node's id, interface and
// group, so several participants (one per NIC, say) can share one /metrics text.
import { formatGroupAddress } from '../address';
import type { Role } from '../core/types';
import type { CheckStatus } from '../health';
import type { Participant } from '../participant';
import { formatExposition, type Labels, type MetricFamily, type Sample } from './exposition';

/** What the metrics read of a Participant (a stand-in in unit tests). */
export type MetricsSource = Pick<Participant, 'state' | 'term' | 'self' | 'interface' | 'group' | 'counters'> &
  Partial<Pick<Participant, 'priority' | 'checks'>>;

/** Every state, so a dashboard sees 0 for the states a node is not in. */
const STATES: readonly Role[] = ['idle', 'candidate', 'waiting', 'leader', 'follower', 'fault', 'stopped'];

/** The Prometheus text (exposition format 0.0.4) of one participant or several. */
export function prometheusText(participants: MetricsSource | readonly MetricsSource[]): string {
  return formatExposition(participantMetrics(Array.isArray(participants) ? participants : [participants as MetricsSource]));
}

/** Every family with at least one sample (priority and checks only where the nodes have them). */
export function participantMetrics(participants: readonly MetricsSource[]): MetricFamily[] {
  return allFamilies(participants).filter((family) => family.samples.length > 0);
}

function allFamilies(participants: readonly MetricsSource[]): MetricFamily[] {
  // One read per participant, so every family of a scrape describes the same moment.
  const nodes = participants.map((p) => ({
    // With peers there is no group: the label says so, with the local port.
    labels: { id: p.self.id.toString(), interface: p.interface.name, group: p.group ? formatGroupAddress(p.group) : 'peers' } as Labels,
    state: p.state,
    term: p.term,
    counters: p.counters,
    priority: p.priority,
    checks: p.checks ?? [],
  }));
  type Node = (typeof nodes)[number];
  const each = (value: (node: Node) => number | bigint): Sample[] => nodes.map((node) => ({ labels: node.labels, value: value(node) }));
  const by = (label: string, counts: (node: Node) => Readonly<Record<string, number | undefined>>): Sample[] =>
    nodes.flatMap((node) => Object.entries(counts(node)).map(([key, n]) => ({ labels: { ...node.labels, [label]: key }, value: n ?? 0 })));
  const states = (node: Node): Record<string, number> => {
    const known = STATES.includes(node.state) ? STATES : [...STATES, node.state];
    return Object.fromEntries(known.map((state) => [state, state === node.state ? 1 : 0]));
  };
  return [
    { name: 'multibully_state', type: 'gauge', help: "1 for the node's current state, 0 for the others.", samples: by('state', states) },
    { name: 'multibully_is_leader', type: 'gauge', help: '1 while this node leads, else 0.', samples: each((n) => (n.state === 'leader' ? 1 : 0)) },
    { name: 'multibully_term', type: 'gauge', help: 'The election term (fencing token) this node knows.', samples: each((n) => n.term) },
    {
      name: 'multibully_leader_transitions_total', type: 'counter',
      help: 'Times the leader this node knows changed: it took office, or followed a new leader or a new term of one.',
      samples: each((n) => n.counters.leaderTransitions),
    },
    { name: 'multibully_elections_total', type: 'counter', help: 'Election rounds this node started.', samples: each((n) => n.counters.elections) },
    { name: 'multibully_packets_sent_total', type: 'counter', help: 'Datagrams handed to the socket for sending.', samples: each((n) => n.counters.sent) },
    {
      name: 'multibully_packets_received_total', type: 'counter', help: 'Valid messages from other nodes fed to the election.',
      samples: each((n) => n.counters.received),
    },
    {
      name: 'multibully_packets_dropped_total', type: 'counter', help: 'Received datagrams not fed to the election, by reason.',
      samples: by('reason', (n) => n.counters.dropped),
    },
    {
      name: 'multibully_send_failures_total', type: 'counter', help: 'Sends that failed (send buffer full, network down or unreachable).',
      samples: each((n) => n.counters.sendFailures),
    },
    {
      name: 'multibully_peer_unreachable_total', type: 'counter', help: 'With unicast peers: datagrams a peer refused (ICMP port or host unreachable).',
      samples: each((n) => n.counters.peerUnreachable),
    },
    { name: 'multibully_faults_total', type: 'counter', help: 'Times this node entered the fault state, by reason.', samples: by('reason', (n) => n.counters.faults) },
    {
      name: 'multibully_priority', type: 'gauge', help: 'The effective priority the node ranks by: its base plus the weights of its checks, 1..254.',
      samples: nodes.flatMap((n) => (n.priority === undefined ? [] : [{ labels: n.labels, value: n.priority }])),
    },
    {
      name: 'multibully_check_up', type: 'gauge', help: '1 while a health check (or the priority file) is good, 0 while it is bad.',
      samples: checkSamples(nodes, (check) => (check.state === 'good' ? 1 : 0)),
    },
    {
      name: 'multibully_check_failures_total', type: 'counter', help: 'Runs of a health check that failed (timed out included), or bad reads of the priority file.',
      samples: checkSamples(nodes, (check) => check.failures),
    },
  ];
}

function checkSamples(nodes: ReadonlyArray<{ labels: Labels; checks: readonly CheckStatus[] }>, value: (check: CheckStatus) => number): Sample[] {
  return nodes.flatMap((node) => node.checks.map((check) => ({ labels: { ...node.labels, check: check.name }, value: value(check) })));
}
