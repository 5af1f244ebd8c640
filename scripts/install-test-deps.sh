#!/usr/bin/env bash
# Installs what `npm test` needs beyond the build tools, on Debian/Ubuntu, as root:
#   apt: prometheus (Debian's package: /usr/bin/promtool checks the CLI's /metrics text,
#        /usr/bin/prometheus scrapes it in test/cli/metrics-prometheus.test.ts).
# The package's own service is never started: the test runs its own server on 127.0.0.1, and a
# daemon on the default :9090 of every interface is not what a test machine should get. Without
# an /usr/sbin/policy-rc.d (containers usually have one that refuses), one that refuses is put
# there for the install and removed afterwards. No recommends (they would add node-exporter,
# another daemon).
# Idempotent: what is already there is not installed again. Exits non-zero with a message
# naming what failed.
set -uo pipefail

fail() { echo "install-test-deps: $*" >&2; exit 1; }

if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
  echo "install-test-deps: ready (promtool and prometheus present)"
  exit 0
fi
command -v apt-get >/dev/null || fail "promtool/prometheus missing and no apt-get to install them (a Debian/Ubuntu host is expected)"
[ "$(id -u)" = 0 ] || fail "promtool/prometheus missing: run as root, or: sudo apt-get install --no-install-recommends prometheus"

POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# install-test-deps.sh: no service starts during this install\nexit 101\n' > "$POLICY" && chmod 0755 "$POLICY" || fail "cannot write $POLICY"
  trap 'rm -f "$POLICY"' EXIT
fi

echo "install-test-deps: apt-get install prometheus"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || fail "apt-get update failed"
apt-get install -y -qq --no-install-recommends prometheus >/dev/null || fail "apt-get install prometheus failed"
for tool in promtool prometheus; do
  command -v "$tool" >/dev/null || fail "prometheus installed but $tool is not on PATH (dpkg -L prometheus says: $(dpkg -L prometheus | grep -E "/s?bin/$tool\$" | tr '\n' ' '))"
done
echo "install-test-deps: ready ($(command -v promtool), $(command -v prometheus); $(prometheus --version 2>&1 | head -n 1))"
