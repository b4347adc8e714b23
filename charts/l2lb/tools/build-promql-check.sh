#!/usr/bin/env bash
# Builds promql-check: reads one PromQL expression per line on stdin, prints each one Prometheus'
# own parser rejects (expression TAB error) and exits 1 if any. The chart tests run the alert
# rules and the dashboard's queries through it, so a typo fails here instead of in Prometheus.
# Built from the Go module proxy like the other test tools (e2e/testenv/tools/build.sh), in a
# module outside the repository, cached by version under $L2LB_CACHE (default ~/.cache/l2lb).
# Idempotent; prints the binary's path on stdout.
set -euo pipefail
PROMETHEUS_VERSION=v0.316.0   # the Go module version of Prometheus 3.x's parser
cache=${L2LB_CACHE:-$HOME/.cache/l2lb}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
export GOPATH=${GOPATH:-$cache/gopath} GOCACHE=${GOCACHE:-$cache/gocache}
dir="$cache/promql-check-$PROMETHEUS_VERSION"
bin="$dir/bin/promql-check"
if [ ! -x "$bin" ]; then
  echo "[tools] building promql-check (prometheus $PROMETHEUS_VERSION; first time: about a minute)" >&2
  rm -rf "$dir/src"; mkdir -p "$dir/src"
  cd "$dir/src"
  go mod init l2lb.local/tools/promql-check >/dev/null 2>&1
  cat > main.go <<'GO'
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	p := parser.NewParser(parser.Options{})
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	bad := 0
	for sc.Scan() {
		if sc.Text() == "" {
			continue
		}
		if _, err := p.ParseExpr(sc.Text()); err != nil {
			fmt.Printf("%s\t%v\n", sc.Text(), err)
			bad++
		}
	}
	if bad > 0 {
		os.Exit(1)
	}
}
GO
  go get "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" >/dev/null 2>&1 || go get "github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
  go mod tidy >/dev/null 2>&1 || go mod tidy
  go build -ldflags "-s -w" -o "$dir/bin.tmp/promql-check" .
  rm -rf "$dir/bin"; mv "$dir/bin.tmp" "$dir/bin"
fi
echo "$bin"
