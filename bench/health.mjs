// Health-check failover benchmark: multibully's --check against keepalived's vrrp_script +
// track_script, in the same run, on the same namespace LAN (bench/vip-lab.mjs: 3 node hosts with
// a VIP, 1 client host asking the VIP every 5 ms).
//
// Every node runs the same check, `test -f FILE` on a file of its own (through a small script that
// also logs each run's wall time), weight -100, fall 1, rise 1, and the same interval; priorities
// 100/150/200, so h2 leads. A trial removes h2's file and measures the client-visible time from the
// removal to the first reply from the new holder (h1: 200 − 100 < 150).
// Same interval for both: keepalived 2.2.7 takes a vrrp_script interval in whole seconds only
// (1..4294; "0.05" is refused), so both run their check every INTERVAL_MS (default 1000) with an
// advert/heartbeat of 50 ms. The file is removed LEAD_MS before the holder's next check run, as
// read from its own run log, so that both systems see the failure equally soon: the figure is what
// each system does once its check has failed (plus the same short wait), not where in the interval
// the removal happened to fall.
// Goal (issue 17): median ≤ 0.9 × keepalived's. Exit status 1 on MISS. Bounded: TRIALS per system,
// every wait has a timeout, the run has a deadline.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB, median, mono, openVipLab, sleep } from './vip-lab.mjs';

const TRIALS = Number(process.env.TRIALS ?? 5);
const INTERVAL_MS = Number(process.env.INTERVAL_MS ?? 1000);
const LEAD_MS = 30;
const HEARTBEAT_MS = 50;
const GROUP = `239.77.201.1:${20_000 + Math.floor(Math.random() * 40_000)}`;
const RUN_DEADLINE = Date.now() + 420_000;
const GOAL_RATIO = 0.9;
const WEIGHT = -100;

if (!Number.isInteger(INTERVAL_MS) || INTERVAL_MS < 1000 || INTERVAL_MS % 1000 !== 0) {
  console.log('bench:health: INTERVAL_MS must be a whole number of seconds (keepalived takes no less): 1000, 2000, …');
  process.exit(1);
}

const { vip: VIP, prefix: PREFIX, port: PORT, requestIntervalMs: REQUEST_INTERVAL_MS, waitMs: WAIT_MS, priorities: PRIORITIES } = LAB;
const lab = await openVipLab('bench:health');
if (lab) await main();

async function main() {
  const script = join(lab.work, 'check.sh');
  // Logs the run (wall ms), then the check itself.
  writeFileSync(script, 'echo $(($(date +%s%N) / 1000000)) >> "$2"\ntest -f "$1"\n');
  const fileOf = (i) => join(lab.work, `healthy-h${i}`);
  const logOf = (i) => join(lab.work, `runs-h${i}`);
  const command = (i) => `sh ${script} ${fileOf(i)} ${logOf(i)}`;

  const ours = {
    name: 'multibully',
    start: (i) => lab.startOurs(i, [
      '--address', GROUP, '--id', String(i + 1), '--cluster', 'bench-health', '--heartbeat', String(HEARTBEAT_MS),
      '--priority', String(PRIORITIES[i]),
      '--check', command(i), '--check-interval', String(INTERVAL_MS), '--check-fall', '1', '--check-rise', '1', '--check-weight', String(WEIGHT),
    ]),
  };
  const keepalived = {
    name: 'keepalived',
    start: (i) => lab.startKeepalived(i, {
      priority: PRIORITIES[i],
      advertSeconds: HEARTBEAT_MS / 1000,
      globalExtra: '  script_user root',
      topLevel: `vrrp_script chk_health {\n  script "${command(i)}"\n  interval ${INTERVAL_MS / 1000}\n  fall 1\n  rise 1\n  weight ${WEIGHT}\n}`,
      instanceExtra: '  track_script {\n    chk_health\n  }',
    }),
  };

  /** Wall times (ms) of host i's check runs so far. */
  const runs = (i) => {
    try {
      return readFileSync(logOf(i), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };

  async function trial(system) {
    lab.clearVips();
    for (let i = 0; i < 3; i++) {
      writeFileSync(fileOf(i), '');
      rmSync(logOf(i), { force: true });
    }
    const daemons = [0, 1, 2].map((i) => system.start(i));
    try {
      await lab.waitSteady(2, mono(), 20, WAIT_MS);
      // Two runs seen: the holder's check runs every INTERVAL_MS from the last one.
      const deadline = Date.now() + 3 * INTERVAL_MS + WAIT_MS;
      while (runs(2).length < 2 && Date.now() < deadline) await sleep(20);
      const last = runs(2).at(-1);
      if (last === undefined) throw new Error('the holder never ran its check');
      let removeAt = last + INTERVAL_MS - LEAD_MS;
      while (removeAt < Date.now() + 5) removeAt += INTERVAL_MS;
      await sleep(removeAt - Date.now());
      const removedAt = mono();
      rmSync(fileOf(2));
      const [t, holder] = await lab.waitForReply(([time, name]) => time > removedAt && name !== 'h2', WAIT_MS, `reply from a new holder after the check failed (${system.name})`);
      const detectedAt = runs(2).find((run) => run >= removeAt);
      return { downtime: t - removedAt, holder, detection: detectedAt === undefined ? undefined : detectedAt - removeAt };
    } catch (error) {
      const stderr = daemons.map((d, i) => `h${i}: ${(d.child.stderrText || d.child.stdoutText || '').trim().slice(-400)}`).join(' | ');
      throw new Error(`${error.message}; ${stderr}`);
    } finally {
      await lab.stopAll(daemons);
      lab.clearVips();
    }
  }

  await lab.run(async () => {
    console.log(`Health-check failover benchmark: 3 node hosts + 1 client host on a namespace LAN; client request every ${REQUEST_INTERVAL_MS} ms to ${VIP}:${PORT}`);
    console.log(`  check: test -f FILE every ${INTERVAL_MS} ms, fall 1, weight ${WEIGHT}; priorities ${PRIORITIES.join('/')}; heartbeat / advert ${HEARTBEAT_MS} ms`);
    console.log(`  multibully: --check … --check-interval ${INTERVAL_MS} --check-weight ${WEIGHT} --priority P --heartbeat ${HEARTBEAT_MS} --vip ${VIP}/${PREFIX}`);
    console.log(`  keepalived: ${lab.keepalivedVersion()}; VRRPv3 advert_int ${HEARTBEAT_MS / 1000}, vrrp_script interval ${INTERVAL_MS / 1000} + track_script`);
    console.log(`  ${TRIALS} trials per system, interleaved; the holder's file is removed ${LEAD_MS} ms before its next check run; time = removal → first reply from the new holder\n`);
    const results = { multibully: [], keepalived: [] };
    for (let n = 0; n < TRIALS && Date.now() < RUN_DEADLINE; n++) {
      for (const system of [ours, keepalived]) {
        const r = await trial(system);
        results[system.name].push(r.downtime);
        const detection = r.detection === undefined ? '' : `  (its check ran ${r.detection.toFixed(0)} ms after the removal)`;
        console.log(`  ${system.name.padEnd(10)} trial ${n + 1}: ${r.downtime.toFixed(1).padStart(7)} ms  h2→${r.holder}${detection}`);
      }
    }
    console.log('\nmedians (min … max):');
    for (const name of ['multibully', 'keepalived']) {
      const v = results[name];
      console.log(`  ${name.padEnd(10)} ${median(v).toFixed(1).padStart(8)} ms   (${Math.min(...v).toFixed(1)} … ${Math.max(...v).toFixed(1)}, n=${v.length})`);
    }
    const ratio = median(results.multibully) / median(results.keepalived);
    const pass = ratio <= GOAL_RATIO;
    console.log(`\n${pass ? 'PASS' : 'MISS'}  check failure → VIP on the new holder, median ratio multibully/keepalived ${ratio.toFixed(2)} ≤ ${GOAL_RATIO} (issue 17 goal)`);
    if (!pass) process.exitCode = 1;
  });
}
