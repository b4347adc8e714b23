#!/usr/bin/env bash
# Builds two small test tools on Prometheus' own Go packages, for the chart's alert rules and
# dashboard queries:
#   promql-check  reads one PromQL expression per line on stdin, prints each one the parser
#                 rejects (expression TAB error) and exits 1 if any;
#   promql-eval   runs every *.test file in $PROMQL_SCRIPTS with Prometheus' test language
#                 (load series, `eval instant at ... <expr>`, expected samples); run it as
#                 `promql-eval -test.run TestScripts`, exit 0 when every expectation holds.
# Built from the Go module proxy like the other test tools (e2e/testenv/tools/build.sh), in a
# module outside the repository, cached by version under $L2LB_CACHE (default ~/.cache/l2lb).
# Idempotent; prints NAME=PATH lines on stdout.
set -euo pipefail
PROMETHEUS_VERSION=v0.316.0   # the Go module version of Prometheus 3.x
cache=${L2LB_CACHE:-$HOME/.cache/l2lb}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
export GOPATH=${GOPATH:-$cache/gopath} GOCACHE=${GOCACHE:-$cache/gocache}
dir="$cache/promql-tools-$PROMETHEUS_VERSION"

if [ ! -x "$dir/bin/promql-check" ] || [ ! -x "$dir/bin/promql-eval" ]; then
  echo "[tools] building promql-check and promql-eval (prometheus $PROMETHEUS_VERSION; first time: 1-2 min)" >&2
  rm -rf "$dir/src" "$dir/bin.tmp"; mkdir -p "$dir/src/check" "$dir/src/eval" "$dir/bin.tmp"
  cd "$dir/src"
  go mod init l2lb.local/tools/promql >/dev/null 2>&1
  cat > check/main.go <<'GO'
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
  echo 'package eval' > eval/doc.go
  cat > eval/eval_test.go <<'GO'
package eval

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"
)

// TestScripts runs every *.test file in $PROMQL_SCRIPTS with Prometheus' own test language.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(os.Getenv("PROMQL_SCRIPTS"), "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.test files in PROMQL_SCRIPTS=%q", os.Getenv("PROMQL_SCRIPTS"))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			promqltest.RunTest(t, string(b), promqltest.NewTestEngine(t, false, 5*time.Minute, 50000000))
		})
	}
}
GO
  go get "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" >/dev/null 2>&1 || go get "github.com/prometheus/prometheus@$PROMETHEUS_VERSION"
  # -e: tidy also resolves tests of dependencies, some of which (nomad) the proxy does not
  # serve; the build below fails loudly if anything it really needs is missing.
  go mod tidy -e >/dev/null 2>&1 || true
  go build -ldflags "-s -w" -o "$dir/bin.tmp/promql-check" ./check
  go test -c -o "$dir/bin.tmp/promql-eval" ./eval
  rm -rf "$dir/bin"; mv "$dir/bin.tmp" "$dir/bin"
fi
echo "PROMQL_CHECK=$dir/bin/promql-check"
echo "PROMQL_EVAL=$dir/bin/promql-eval"
