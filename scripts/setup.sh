#!/usr/bin/env bash
# Installs everything the build, tests, demo and benchmarks need, idempotently:
#   Debian packages (only the missing ones), npm packages (only when package-lock.json changed),
#   and the Go-built test tools (cached by version under ~/.cache/l2lb).
# A second run with everything in place prints nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[setup] $*" >&2; }

# 1. Debian packages: command -> package.
declare -A want=(
  [ip]=iproute2 [ping]=iputils-ping [arping]=iputils-arping [ndisc6]=ndisc6
  [tcpdump]=tcpdump [openssl]=openssl [g++]=g++ [make]=make [python3]=python3
  [bridge]=iproute2 [nsenter]=util-linux [setpriv]=util-linux [ss]=iproute2 [stress-ng]=stress-ng
  # The real-cluster tests' nodes (e2e/realcluster) and `make image` without a registry.
  [containerd]=containerd [runc]=runc [iptables]=iptables [nft]=nftables [conntrack]=conntrack
  [mmdebstrap]=mmdebstrap [buildah]=buildah [curl]=curl [gcc]=gcc
)
missing=()
for cmd in "${!want[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}"); done
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages (install as root): ${missing[*]}"
  else
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# 2. npm packages, keyed by the lock file's hash.
stamp=node_modules/.l2lb-lock.sha256
sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  say "installing npm packages from package-lock.json (about 30 s)"
  # Not `npm ci`: the registry reachable here does not serve other platforms' optional binaries
  # (e.g. @unrs/resolver-binding-darwin-*), so no lock file can list them and npm ci refuses
  # every lock. `npm install --no-save` installs the locked tree and never rewrites the lock.
  log=$(mktemp)
  if ! npm install --no-save --no-audit --no-fund >"$log" 2>&1; then
    grep -v 'Unknown .* config "nodedir"' "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  [ -f node_modules/raw-socket/build/Release/raw.node ] || { say "raw-socket's native build did not run (node_modules/raw-socket/build/Release/raw.node missing)"; exit 1; }
  echo "$sum" > "$stamp"
fi

# 3. Go-built test tools (etcd, kube-apiserver, kube-controller-manager, helm; kubelet, kube-proxy,
#    kube-scheduler for the real-cluster tests), and the PromQL
#    checker the chart's alert tests use.
bash e2e/testenv/tools/build.sh all
bash charts/l2lb/tools/build-promql-tools.sh >/dev/null
