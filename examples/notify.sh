#!/bin/sh
# /etc/multibully/notify.sh — a keepalived-style notify script for `multibully --notify`.
# multibully runs it as `notify.sh STATE` (leader, follower, fault or stopped) on every
# transition, one at a time, with MULTIBULLY_STATE, MULTIBULLY_ID, MULTIBULLY_TERM,
# MULTIBULLY_LEADER_ID, MULTIBULLY_LEADER_ADDRESS, MULTIBULLY_LEADER_METADATA (and its
# MULTIBULLY_LEADER_METADATA_ENCODING, utf8 or base64) and, on fault and stop,
# MULTIBULLY_REASON in its environment. It runs in its own process group: at shutdown, one still running after
# 400 ms is killed with everything it started. Keep it short; its output goes to the journal.
#
# The floating address needs no script: --vip adds and removes it. This one records the state
# and logs it. To start or stop other services from here, the hook needs that privilege: the
# example unit runs as an unprivileged DynamicUser, so either grant it (a polkit rule allowing
# that user to manage my-service.service) or have my-service watch the state file (a systemd
# .path unit on /run/multibully/state).
set -eu
state="${1:?usage: notify.sh leader|follower|fault|stopped}"
dir="${RUNTIME_DIRECTORY:-/run/multibully}"
case "$state" in
  leader | follower | fault | stopped) ;;
  *) echo "notify.sh: unknown state $state" >&2; exit 2 ;;
esac
printf '%s\n' "$state" > "$dir/state.tmp" && mv "$dir/state.tmp" "$dir/state"
logger -t multibully "now $state (term ${MULTIBULLY_TERM:-?}, leader ${MULTIBULLY_LEADER_ID:-none}${MULTIBULLY_REASON:+, reason $MULTIBULLY_REASON})"
