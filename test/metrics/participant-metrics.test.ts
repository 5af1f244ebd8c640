// A Participant's metrics: the families the issue names, with Prometheus's conventions, from a
// stand-in (exact values) and from real participants on lo (promtool accepts the text).
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusText, type MetricsSource } from '../../lib/metrics';
import { emptyDropCounts, TrafficCounters } from '../../lib/participant/counters';
import { zeroCounters } from '../../lib/core/counters';
import type { Participant } from '../../lib/participant';
import { agreeOn, freshGroup, participants, waitUntil } from '../participant/helpers';
import { describeWithPrometheus, promtoolCheck } from './prometheus-tools';

function standIn(overrides: Partial<MetricsSource> = {}): MetricsSource {
  const dropped = emptyDropCounts();
  dropped['bad-tag'] = 7;
  dropped.own = 40;
  return {
    state: 'follower',
    term: 3n,
    self: { id: 5n, address: '10.77.1.5', nonce: 1n },
    interface: { name: 'eth0', index: 2, address: '10.77.1.5', scopeId: 0 },
    group: { group: '239.77.0.1', port: 9999, family: 4 },
    counters: { sent: 10, sendFailures: 1, peerUnreachable: 0, received: 30, dropped, elections: 2, leaderTransitions: 4, faults: { 'nic-down': 1, 'nic-no-address': 0, 'nic-gone': 0, 'send-failing': 0, 'check-failed': 2 } },
    ...overrides,
  };
}

/** The sample lines of one metric name. */
const samplesOf = (text: string, name: string): string[] => text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

const LABELS = 'id="5",interface="eth0",group="239.77.0.1:9999"';

describe('prometheusText(participant)', () => {
  it('has every family the issue names, each with HELP and TYPE, counters ending in _total', () => {
    const text = prometheusText(standIn());
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(types).toEqual({
      multibully_state: 'gauge',
      multibully_is_leader: 'gauge',
      multibully_term: 'gauge',
      multibully_leader_transitions_total: 'counter',
      multibully_elections_total: 'counter',
      multibully_packets_sent_total: 'counter',
      multibully_packets_received_total: 'counter',
      multibully_packets_dropped_total: 'counter',
      multibully_send_failures_total: 'counter',
      multibully_peer_unreachable_total: 'counter',
      multibully_faults_total: 'counter',
    });
    for (const name of Object.keys(types)) expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.*$`, 'm'));
    expect(text.endsWith('\n')).toBe(true);
  });

  it('adds the effective priority and each check (up, failures) where the node has them', () => {
    const checks = [
      { name: 'haproxy', state: 'bad' as const, weight: -50, successes: 9, failures: 3, lastError: 'exited with code 1' },
      { name: 'priority-file', state: 'good' as const, weight: 20, successes: 4, failures: 0, lastError: undefined },
    ];
    const text = prometheusText(standIn({ priority: 70, checks }));
    expect(samplesOf(text, 'multibully_priority')).toEqual([`multibully_priority{${LABELS}} 70`]);
    expect(samplesOf(text, 'multibully_check_up')).toEqual([`multibully_check_up{${LABELS},check="haproxy"} 0`, `multibully_check_up{${LABELS},check="priority-file"} 1`]);
    expect(samplesOf(text, 'multibully_check_failures_total')).toEqual([`multibully_check_failures_total{${LABELS},check="haproxy"} 3`, `multibully_check_failures_total{${LABELS},check="priority-file"} 0`]);
    expect(text).toMatch(/^# TYPE multibully_check_failures_total counter$/m);
    expect(prometheusText(standIn({ priority: 70 }))).not.toMatch(/multibully_check_up/);
  });

  it('reads state, term and counters into labelled samples', () => {
    const text = prometheusText(standIn());
    expect(samplesOf(text, 'multibully_state')).toEqual(
      ['idle', 'candidate', 'waiting', 'leader', 'follower', 'fault', 'stopped'].map((s) => `multibully_state{${LABELS},state="${s}"} ${s === 'follower' ? 1 : 0}`),
    );
    expect(samplesOf(text, 'multibully_is_leader')).toEqual([`multibully_is_leader{${LABELS}} 0`]);
    expect(samplesOf(text, 'multibully_term')).toEqual([`multibully_term{${LABELS}} 3`]);
    expect(samplesOf(text, 'multibully_leader_transitions_total')).toEqual([`multibully_leader_transitions_total{${LABELS}} 4`]);
    expect(samplesOf(text, 'multibully_packets_sent_total')).toEqual([`multibully_packets_sent_total{${LABELS}} 10`]);
    expect(samplesOf(text, 'multibully_packets_received_total')).toEqual([`multibully_packets_received_total{${LABELS}} 30`]);
    expect(samplesOf(text, 'multibully_send_failures_total')).toEqual([`multibully_send_failures_total{${LABELS}} 1`]);
    const dropped = samplesOf(text, 'multibully_packets_dropped_total');
    expect(dropped).toContain(`multibully_packets_dropped_total{${LABELS},reason="bad-tag"} 7`);
    expect(dropped).toContain(`multibully_packets_dropped_total{${LABELS},reason="own"} 40`);
    expect(dropped).toContain(`multibully_packets_dropped_total{${LABELS},reason="wrong-interface"} 0`);
    expect(dropped).toHaveLength(Object.keys(emptyDropCounts()).length);
    expect(samplesOf(text, 'multibully_faults_total')).toEqual([
      `multibully_faults_total{${LABELS},reason="nic-down"} 1`,
      `multibully_faults_total{${LABELS},reason="nic-no-address"} 0`,
      `multibully_faults_total{${LABELS},reason="nic-gone"} 0`,
      `multibully_faults_total{${LABELS},reason="send-failing"} 0`,
      `multibully_faults_total{${LABELS},reason="check-failed"} 2`,
    ]);
  });

  it('is_leader and the state gauge follow the state; a term above 2^53 is exact; IPv6 groups are bracketed', () => {
    const text = prometheusText(standIn({ state: 'leader', term: 18446744073709551615n, group: { group: 'ff02::77', port: 9999, family: 6 } }));
    const labels = 'id="5",interface="eth0",group="[ff02::77]:9999"';
    expect(samplesOf(text, 'multibully_is_leader')).toEqual([`multibully_is_leader{${labels}} 1`]);
    expect(samplesOf(text, 'multibully_state')).toContain(`multibully_state{${labels},state="leader"} 1`);
    expect(samplesOf(text, 'multibully_term')).toEqual([`multibully_term{${labels}} 18446744073709551615`]);
  });

  it('several participants share one text: one family each, a series per participant', () => {
    const text = prometheusText([standIn(), standIn({ self: { id: 6n, address: '10.77.2.6', nonce: 2n }, interface: { name: 'eth1', index: 3, address: '10.77.2.6', scopeId: 0 } })]);
    expect(text.match(/^# TYPE multibully_is_leader gauge$/gm)).toHaveLength(1);
    expect(samplesOf(text, 'multibully_is_leader')).toEqual([
      `multibully_is_leader{${LABELS}} 0`,
      'multibully_is_leader{id="6",interface="eth1",group="239.77.0.1:9999"} 0',
    ]);
  });
});

describe('the counters behind the metrics', () => {
  it('count leader transitions (leader and follower events) and faults by reason', () => {
    const counters = new TrafficCounters();
    const self = { id: 1n, address: '10.0.0.1', nonce: 1n };
    counters.noteEvents([
      { type: 'state', from: 'candidate', to: 'leader', reason: 'no-higher-node-answered', term: 1n },
      { type: 'leader', term: 1n },
      { type: 'term', term: 2n, reason: 'newer-term-heard' },
      { type: 'follower', leader: self, term: 3n },
      { type: 'state', from: 'follower', to: 'fault', reason: 'nic-down', term: 3n },
      { type: 'state', from: 'fault', to: 'candidate', reason: 'nic-recovered', term: 3n },
      { type: 'state', from: 'candidate', to: 'fault', reason: 'send-failing', term: 3n },
    ]);
    const snapshot = counters.snapshot(zeroCounters());
    expect(snapshot.leaderTransitions).toBe(2);
    expect(snapshot.faults).toEqual({ 'nic-down': 1, 'nic-no-address': 0, 'nic-gone': 0, 'send-failing': 1, 'check-failed': 0 });
  });
});

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function electedPair(): Promise<Participant[]> {
  const { address, cluster } = freshGroup();
  const nodes = participants([1, 2], { address, cluster });
  cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));
  for (const node of nodes) await node.start();
  await waitUntil(() => agreeOn(nodes, 2n), 5_000, 'agreement on 2');
  return nodes;
}

describe('prometheusText of running participants', () => {
  it('says which one leads, and counts what they sent and received', async () => {
    const [follower, leader] = await electedPair();
    const text = prometheusText([follower!, leader!]);
    expect(text).toMatch(/^multibully_is_leader\{id="2",interface="lo",group="239\.77\.0\.42:\d+"\} 1$/m);
    expect(text).toMatch(/^multibully_is_leader\{id="1",interface="lo",group="239\.77\.0\.42:\d+"\} 0$/m);
    expect(text).toMatch(/^multibully_leader_transitions_total\{id="1",[^}]*\} [1-9]\d*$/m);
    const sent = Number(/^multibully_packets_sent_total\{id="2",[^}]*\} (\d+)$/m.exec(text)?.[1]);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBe(leader!.counters.sent);
  });
});

describeWithPrometheus('prometheusText under promtool', ({ promtool }) => {
  it('promtool check metrics passes on the text of two running participants', async () => {
    const nodes = await electedPair();
    expect(promtoolCheck(promtool, prometheusText(nodes))).toEqual({ status: 0, output: '' });
  });
});
