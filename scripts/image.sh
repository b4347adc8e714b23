#!/usr/bin/env bash
# Builds the l2lb container image from ./Dockerfile with the first container builder that works
# here: docker or podman (their daemon/service must answer), or buildah.
#
#   scripts/image.sh                 # ghcr.io/l2lb/l2lb:<package.json version>
#   IMAGE=registry.example.com/l2lb TAG=dev scripts/image.sh
#   IMAGE_BUILDERS="podman" scripts/image.sh   # only try these, in this order
#
# Exit codes: 0 built; 3 no usable container builder on this machine (the message says why and
# what to run elsewhere); anything else: the builder's own failure. Asked to build an image and
# unable to, it does not pretend success.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n1)
image=${IMAGE:-ghcr.io/l2lb/l2lb}
tag=${TAG:-${version:?cannot read the version from package.json}}
ref="$image:$tag"
builders=${IMAGE_BUILDERS:-docker podman buildah}

why=()
for b in $builders; do
  if ! command -v "$b" >/dev/null 2>&1; then
    why+=("$b: not installed")
    continue
  fi
  case "$b" in
    docker|podman|nerdctl)
      if ! out=$("$b" info 2>&1 >/dev/null); then
        why+=("$b: installed, but its daemon does not answer ($(printf '%s' "$out" | grep -v '^\s*$' | tail -n1))")
        continue
      fi
      echo "[image] building $ref with $b" >&2
      exec "$b" build --tag "$ref" --file Dockerfile . ;;
    buildah)
      if ! out=$(buildah info 2>&1 >/dev/null); then
        why+=("buildah: installed, but cannot run here ($(printf '%s' "$out" | tail -n1))")
        continue
      fi
      echo "[image] building $ref with buildah" >&2
      exec buildah build --tag "$ref" --file Dockerfile . ;;
    *)
      why+=("$b: not a builder this script knows (docker, podman, nerdctl, buildah)") ;;
  esac
done

{
  echo "[image] no container builder is available on this machine, so no image was built:"
  for w in "${why[@]}"; do echo "[image]   - $w"; done
  echo "[image] On a machine with one, from the repository root, run:"
  echo "[image]   docker build --tag $ref --file Dockerfile ."
  echo "[image]   (or: podman build --tag $ref --file Dockerfile .)"
} >&2
exit 3
