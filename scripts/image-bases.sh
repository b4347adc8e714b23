#!/usr/bin/env bash
# Makes the two base images the Dockerfile starts from, for machines that reach no container
# registry but do reach Debian's archive: what `node:20-bookworm` and `node:20-bookworm-slim` give
# the Dockerfile, made from Debian bookworm (mmdebstrap) plus this machine's Node.js 20.
#
#   scripts/image-bases.sh BUILDER     # BUILDER: buildah (the only one this script drives)
#
# The build base also trusts this machine's CA bundle (npm reaches its registry through whatever
# TLS setup the machine has); the runtime base does not carry it.
#
# Prints two lines, BUILD_IMAGE=<ref> and RUNTIME_IMAGE=<ref>: the references to pass to the
# Dockerfile's build arguments of the same names. The root filesystems are cached under
# $L2LB_CACHE/image-bases (default ~/.cache/l2lb), keyed by suite, package list and Node version;
# the images are made again only when the builder's storage lacks them.
set -euo pipefail
say() { echo "[image-bases] $*" >&2; }
builder=${1:?usage: image-bases.sh buildah}
[ "$builder" = buildah ] || { say "only buildah is driven by this script (got $builder)"; exit 2; }

suite=bookworm
node_bin=$(command -v node)
node_version=$(node --version)
case "$node_version" in v20.*) ;; *) say "Node.js 20 is needed on this machine (found $node_version)"; exit 1 ;; esac
npm_dir=$(cd "$(dirname "$(readlink -f "$node_bin")")/../lib/node_modules/npm" && pwd)
headers=$(cd "$(dirname "$(readlink -f "$node_bin")")/../include/node" && pwd)
# The runtime needs useradd/groupadd (passwd) and nft (the speaker's opt-in flow spreading); the
# build stage compiles native addons (node-gyp).
runtime_pkgs=passwd,nftables
build_pkgs=passwd,python3,make,g++
ca_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$ca_bundle" ] || { say "no CA bundle at $ca_bundle (set SSL_CERT_FILE)"; exit 1; }
cache=${L2LB_CACHE:-$HOME/.cache/l2lb}/image-bases
mkdir -p "$cache"

# rootfs NAME PACKAGES: a cached minbase root filesystem tarball; prints its path.
rootfs() {
  local key out
  key=$(printf '%s %s %s' "$suite" "$2" "$(sha256sum < /usr/share/keyrings/debian-archive-keyring.gpg | cut -c1-12)" | sha256sum | cut -c1-16)
  out="$cache/$1-$suite-$key.tar"
  if [ ! -s "$out" ]; then
    command -v mmdebstrap >/dev/null || { say "mmdebstrap is not installed (apt-get install mmdebstrap)"; exit 1; }
    say "making the $1 root filesystem with mmdebstrap ($suite minbase + $2; first time: 2-4 min)"
    mmdebstrap --quiet --variant=minbase --include="$2" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --aptopt='Acquire::Languages "none"' \
      "$suite" "$out.tmp.tar" >&2
    mv "$out.tmp.tar" "$out"
  fi
  echo "$out"
}

# image REF ROOTFS WITH_NPM: a base image REF in buildah's storage from ROOTFS plus Node.js laid
# out as the official node images do (/usr/local/bin/node; npm and headers under /usr/local).
image() {
  local ref=$1 fs=$2 with_npm=$3 c mnt
  if buildah inspect --type image "$ref" >/dev/null 2>&1; then echo "$ref"; return 0; fi
  say "making base image $ref"
  c=$(buildah from --quiet scratch)
  trap 'buildah rm "$c" >/dev/null 2>&1 || true' EXIT
  mnt=$(buildah mount "$c")
  tar -xf "$fs" -C "$mnt"
  install -D -m 0755 "$(readlink -f "$node_bin")" "$mnt/usr/local/bin/node"
  if [ "$with_npm" = yes ]; then
    install -D -m 0644 "$ca_bundle" "$mnt/usr/local/share/l2lb-build/ca-certificates.crt"
    mkdir -p "$mnt/usr/local/lib/node_modules" "$mnt/usr/local/include"
    cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
    cp -a "$headers" "$mnt/usr/local/include/node"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  fi
  buildah umount "$c" >/dev/null
  local ca_env=()
  [ "$with_npm" = yes ] && ca_env=(--env NODE_EXTRA_CA_CERTS=/usr/local/share/l2lb-build/ca-certificates.crt)
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${node_version#v}" "${ca_env[@]}" --cmd node "$c"
  buildah commit --quiet --rm "$c" "$ref" >/dev/null
  trap - EXIT
  echo "$ref"
}

# The tag names the Node version and the root filesystem's cache key: a new one of either makes a new image.
build_fs=$(rootfs build "$build_pkgs")
runtime_fs=$(rootfs runtime "$runtime_pkgs")
key() { basename "$1" .tar | sed 's/.*-//'; }
build_image=$(image "localhost/l2lb-base/node:${node_version#v}-$(key "$build_fs")-ca$(sha256sum < "$ca_bundle" | cut -c1-8)" "$build_fs" yes)
runtime_image=$(image "localhost/l2lb-base/node:${node_version#v}-slim-$(key "$runtime_fs")" "$runtime_fs" no)
echo "BUILD_IMAGE=$build_image"
echo "RUNTIME_IMAGE=$runtime_image"
