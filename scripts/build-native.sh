#!/usr/bin/env bash
# Builds the AF_PACKET addon (speaker/native) with node-gyp against the local Node headers
# (nodedir=/usr: no header download is possible here). Quiet and instant when the sources, the
# Node version and node-addon-api are unchanged since the last build; loud when the build fails
# or produces no .node (npm 11 may skip install scripts silently, so we check the output).
set -euo pipefail
cd "$(dirname "$0")/../speaker/native"
out=build/Release/l2lb_packet.node
stamp=build/.l2lb-source.sha256
sum=$( { cat binding.gyp src/*; node --version; node -p "require('node-addon-api/package.json').version"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then exit 0; fi

echo "[build-native] building speaker/native (node-gyp, about 5 s)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! npm_config_loglevel=error npx --no-install node-gyp rebuild --nodedir=/usr >"$log" 2>&1; then
  cat "$log" >&2
  echo "[build-native] FAILED: node-gyp rebuild in speaker/native" >&2
  exit 1
fi
if [ ! -f "$out" ]; then
  cat "$log" >&2
  echo "[build-native] FAILED: node-gyp finished but $out was not produced" >&2
  exit 1
fi
echo "$sum" > "$stamp"
