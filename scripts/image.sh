#!/usr/bin/env bash
# Builds the l2lb container image from ./Dockerfile and leaves it as a docker-archive file.
#
#   scripts/image.sh                 # ghcr.io/l2lb/l2lb:<package.json version>
#   IMAGE=registry.example.com/l2lb TAG=dev scripts/image.sh
#   IMAGE_BUILDERS="podman" scripts/image.sh   # only try these, in this order
#
# Builders, first that works: docker or podman (their daemon/service must answer), or buildah.
# With buildah and no reachable Docker Hub, the Dockerfile's two base images are made here from
# Debian's archive and this machine's Node.js 20 (scripts/image-bases.sh); IMAGE_BASES=registry
# or IMAGE_BASES=local forces one or the other.
#
# Output (stdout, for scripts): IMAGE_REF=, IMAGE_ARCHIVE= (a docker-archive tar `ctr images
# import` and `docker load` accept), IMAGE_ID= (sha256 of the image config, the same in every
# store), IMAGE_SIZE_BYTES= (uncompressed layers). Archives are cached under
# $L2LB_CACHE/images (default ~/.cache/l2lb), keyed by version and a hash of everything the
# Dockerfile copies: a second run with the same sources prints the cached one.
#
# Exit codes: 0 built; 3 no usable container builder on this machine (the message says why and
# what to run elsewhere); anything else: the builder's own failure.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[image] $*" >&2; }

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n1)
image=${IMAGE:-ghcr.io/l2lb/l2lb}
tag=${TAG:-${version:?cannot read the version from package.json}}
ref="$image:$tag"
builders=${IMAGE_BUILDERS:-docker podman buildah}
cache=${L2LB_CACHE:-$HOME/.cache/l2lb}/images

# Every file the Dockerfile copies (tests excluded, as the image build excludes them).
source_key() {
  { echo "$ref"; find Dockerfile package.json package-lock.json .npmrc tsconfig.json shared controller speaker echo bin \
      -type f ! -name '*.test.ts' ! -path '*/build/*' -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16
}

# report ARCHIVE: the output lines, from the archive's manifest.
report() {
  local archive=$1 config id size
  config=$(tar -xOf "$archive" manifest.json | sed -n 's/.*"Config":"\([^"]*\)".*/\1/p')
  id=sha256:$(tar -xOf "$archive" "$config" | sha256sum | cut -d' ' -f1)
  size=$(tar -tvf "$archive" | awk '$NF ~ /\.tar$|\/layer\.tar$|^[0-9a-f]{64}$/ {s += $3} END {print s + 0}')
  say "image $ref: $archive"
  say "  id $id, layers $((size / 1024 / 1024)) MiB uncompressed"
  printf 'IMAGE_REF=%s\nIMAGE_ARCHIVE=%s\nIMAGE_ID=%s\nIMAGE_SIZE_BYTES=%s\n' "$ref" "$archive" "$id" "$size"
}

key=$(source_key)
archive="$cache/l2lb-$tag-$key.tar"
if [ -s "$archive" ]; then report "$archive"; exit 0; fi
mkdir -p "$cache"

registry_reachable() { curl -s -m 5 -o /dev/null https://registry-1.docker.io/v2/; }

build_with_buildah() {
  local args=() line
  local bases=${IMAGE_BASES:-auto}
  if [ "$bases" = auto ]; then registry_reachable && bases=registry || bases=local; fi
  if [ "$bases" = local ]; then
    say "no registry reachable: making the base images from Debian's archive and this machine's Node.js"
    while IFS= read -r line; do args+=(--build-arg "$line"); done < <(bash scripts/image-bases.sh buildah)
    args+=(--pull-never)
  fi
  say "building $ref with buildah ($bases bases)"
  # chroot isolation: RUN steps share the host network (npm reaches the registry) and need no
  # further privileges than root here has.
  BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot} buildah build --layers "${args[@]}" --tag "$ref" --file Dockerfile . >&2
  buildah push --quiet "$ref" "docker-archive:$archive.tmp:$ref" >&2
}

build_with_daemon() { # docker|podman
  "$1" build --tag "$ref" --file Dockerfile . >&2
  "$1" save --output "$archive.tmp" "$ref" >&2
}

why=()
for b in $builders; do
  if ! command -v "$b" >/dev/null 2>&1; then
    why+=("$b: not installed")
    continue
  fi
  case "$b" in
    docker|podman)
      if ! out=$("$b" info 2>&1 >/dev/null); then
        why+=("$b: installed, but its daemon does not answer ($(printf '%s' "$out" | grep -v '^\s*$' | tail -n1))")
        continue
      fi
      say "building $ref with $b"
      build_with_daemon "$b" ;;
    buildah)
      if ! out=$(buildah info 2>&1 >/dev/null); then
        why+=("buildah: installed, but cannot run here ($(printf '%s' "$out" | tail -n1))")
        continue
      fi
      build_with_buildah ;;
    *)
      why+=("$b: not a builder this script knows (docker, podman, buildah)")
      continue ;;
  esac
  mv "$archive.tmp" "$archive"
  report "$archive"
  exit 0
done

{
  echo "[image] no container builder is available on this machine, so no image was built:"
  for w in "${why[@]}"; do echo "[image]   - $w"; done
  echo "[image] Install buildah (apt-get install buildah), or on a machine with docker, from the repository root:"
  echo "[image]   docker build --tag $ref --file Dockerfile ."
} >&2
exit 3
