#!/usr/bin/env bash
# Builds the test tools (etcd, kube-apiserver, kube-controller-manager, helm; kubelet, kube-proxy
# and kube-scheduler for the real-cluster tests) from the Go module
# proxy, pinned by e2e/testenv/tools/versions.env, cached by version under $L2LB_CACHE
# (default ~/.cache/l2lb). Idempotent: a tool whose binary is cached is not rebuilt.
# Prints the bin directory of each tool on stdout as NAME=PATH lines when asked with --print.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"
cache=${L2LB_CACHE:-$HOME/.cache/l2lb}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
export GOPATH=${GOPATH:-$cache/gopath} GOCACHE=${GOCACHE:-$cache/gocache}
mkdir -p "$cache"

say() { echo "[tools] $*" >&2; }

kube_dir="$cache/kubernetes-$KUBERNETES_VERSION"
# The node programs of the real-cluster tests (e2e/realcluster): a separate set, so that building
# them never invalidates the control plane's binaries.
kube_node_dir="$cache/kubernetes-node-$KUBERNETES_VERSION"
etcd_dir="$cache/etcd-$ETCD_VERSION"
# -r2: built with version ldflags (helm version, default kube version for helm template).
helm_dir="$cache/helm-$HELM_VERSION-r2"

if [ "${1:-}" = "--print" ]; then
  echo "KUBE_APISERVER=$kube_dir/bin/kube-apiserver"
  echo "KUBE_CONTROLLER_MANAGER=$kube_dir/bin/kube-controller-manager"
  echo "ETCD=$etcd_dir/bin/etcd"
  echo "HELM=$helm_dir/bin/helm"
  echo "KUBELET=$kube_node_dir/bin/kubelet"
  echo "KUBE_PROXY=$kube_node_dir/bin/kube-proxy"
  echo "KUBE_SCHEDULER=$kube_node_dir/bin/kube-scheduler"
  exit 0
fi

# go_module DIR NAME: a fresh tools module in DIR/src (outside the repository).
go_module() {
  rm -rf "$1/src"; mkdir -p "$1/src"
  (cd "$1/src" && go mod init "l2lb.local/tools/$2" >/dev/null 2>&1)
}

# build_kube DIR CMD...: k8s.io/kubernetes commands (kube-apiserver, kubelet, ...) into DIR/bin.
build_kube() {
  local dir=$1; shift
  local cmds=("$@") c missing=0 pkgs=() t0=$SECONDS minor
  for c in "${cmds[@]}"; do [ -x "$dir/bin/$c" ] || missing=1; done
  [ $missing = 0 ] && return 0
  say "building ${cmds[*]} $KUBERNETES_VERSION (first time: 10-20 min; a few when another set was built)"
  go_module "$dir" kubernetes
  cd "$dir/src"
  say "  1/4 downloading k8s.io/kubernetes@$KUBERNETES_VERSION module metadata"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=${KUBERNETES_VERSION#v1.}
  # Staging modules are required at v0.0.0: point each at its published v0.X.Y twin.
  say "  2/4 pinning staging modules to v0.$minor"
  go mod edit -require="k8s.io/kubernetes@$KUBERNETES_VERSION"
  grep -E '^\s*k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
    go mod edit -replace="$m=$m@v0.$minor"
  done
  { printf 'package tools\nimport (\n'; for c in "${cmds[@]}"; do printf ' _ "k8s.io/kubernetes/cmd/%s"\n' "$c"; pkgs+=("k8s.io/kubernetes/cmd/$c"); done; printf ')\n'; } > tools.go
  say "  3/4 resolving dependencies (go mod tidy)"
  go mod tidy >/dev/null 2>&1 || go mod tidy
  say "  4/4 compiling (the long part)"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  go build -ldflags "$ld" -o "$dir/bin.tmp/" "${pkgs[@]}"
  rm -rf "$dir/bin"; mv "$dir/bin.tmp" "$dir/bin"
  say "  ${cmds[*]} built in $((SECONDS - t0)) s"
}

build_simple() { # DIR NAME MODULE@VERSION PACKAGE BINARY [LDFLAGS]
  local dir=$1 name=$2 modver=$3 pkg=$4 bin=$5 ldflags=${6:-} t0=$SECONDS
  [ -x "$dir/bin/$bin" ] && return 0
  say "building $name ${modver#*@} (first time: a few minutes)"
  go_module "$dir" "$name"
  cd "$dir/src"
  printf 'package tools\nimport _ "%s"\n' "$pkg" > tools.go
  go get "$modver" >/dev/null 2>&1 || go get "$modver"
  go mod tidy >/dev/null 2>&1 || go mod tidy
  go build -ldflags "-s -w $ldflags" -o "$dir/bin.tmp/$bin" "$pkg"
  rm -rf "$dir/bin"; mv "$dir/bin.tmp" "$dir/bin"
  say "  $name built in $((SECONDS - t0)) s"
}

only=${1:-all}
case "$only" in
  all|etcd) build_simple "$etcd_dir" etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" go.etcd.io/etcd/server/v3 etcd ;;&
  all|kubernetes) build_kube "$kube_dir" kube-apiserver kube-controller-manager ;;&
  all|node) build_kube "$kube_node_dir" kubelet kube-proxy kube-scheduler ;;&
  all|helm)
    kminor=${KUBERNETES_VERSION#v1.}; kminor=${kminor%%.*}
    helm_ld="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
      helm_ld="$helm_ld -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$kminor"
    done
    build_simple "$helm_dir" helm "helm.sh/helm/v3@$HELM_VERSION" helm.sh/helm/v3/cmd/helm helm "$helm_ld" ;;&
  all|etcd|kubernetes|node|helm) ;;
  *) echo "usage: build.sh [all|etcd|kubernetes|node|helm|--print]" >&2; exit 2 ;;
esac
