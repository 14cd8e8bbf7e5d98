#!/usr/bin/env bash
# Builds the Argo Rollouts controller that bench/release compares shardship against, from its
# pinned Go module, into a cache outside the repo keyed by version. Built only when missing;
# prints what it compiles and how long it took. Last line: the binary's path.
#
# Argo's go.mod replaces every k8s.io staging module with a published version. A dependency's
# replace directives do not apply to the module that requires it, so `go install ...@version`
# resolves other k8s.io versions than Argo's own build. We build from a small wrapper module that
# requires Argo and mirrors its replace block, generated from the downloaded go.mod, never
# written by hand.
set -euo pipefail

# v1.10.1: the newest release whose go.mod asks for no newer Go than this machine's 1.26.8
# (v1.10.2 needs 1.26.10). It pins k8s.io/kubernetes v1.34.5, which the proxy serves.
ARGO_VERSION="${SHARDSHIP_ARGO_VERSION:-v1.10.1}"
ARGO_MOD=github.com/argoproj/argo-rollouts
CACHE="${SHARDSHIP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shardship}"
BIN="$CACHE/argo-rollouts/$ARGO_VERSION/bin"
WORK="$CACHE/argo-rollouts/src/$ARGO_VERSION"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"

log() { printf 'argo-rollouts: %s\n' "$*" >&2; }
since() { echo "$(( $(date +%s) - $1 ))s"; }

if [ -x "$BIN/rollouts-controller" ]; then echo "$BIN/rollouts-controller"; exit 0; fi
mkdir -p "$BIN" "$WORK"
T0=$(date +%s)
if [ ! -f "$WORK/go.sum" ]; then
  log "resolving $ARGO_MOD@$ARGO_VERSION (wrapper module in $WORK)"
  gomod="$("$GO" mod download -json "$ARGO_MOD@$ARGO_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [ -f "$gomod" ] || { log "the Go module proxy did not serve $ARGO_MOD@$ARGO_VERSION"; exit 1; }
  goline="$(awk '$1=="go" { print; exit }' "$gomod")"
  { echo "module shardship.bench/argo-rollouts"; echo; echo "${goline:-go 1.26.0}"; echo
    echo "require $ARGO_MOD $ARGO_VERSION"; echo
    # Every replace of Argo's go.mod, single-line or in a block, as single-line directives.
    awk '
      /^replace[[:space:]]*\(/ { block=1; next }
      block && /^\)/ { block=0; next }
      block && NF { sub(/^[[:space:]]+/, ""); print "replace " $0; next }
      $1=="replace" && $2!="(" { print }
    ' "$gomod"
  } > "$WORK/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd/rollouts-controller"\n' "$ARGO_MOD" > "$WORK/tools.go"
  (cd "$WORK" && "$GO" mod tidy) || { rm -f "$WORK/go.sum"; log "go mod tidy failed for $ARGO_MOD@$ARGO_VERSION"; exit 1; }
  log "resolved $ARGO_MOD@$ARGO_VERSION in $(since "$T0")"
fi
T1=$(date +%s)
log "compiling rollouts-controller from $ARGO_MOD@$ARGO_VERSION"
vpkg="$ARGO_MOD/utils/version"
(cd "$WORK" && "$GO" build -trimpath -ldflags "-s -w -X $vpkg.version=${ARGO_VERSION#v} -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z" \
  -o "$BIN/rollouts-controller.tmp" "$ARGO_MOD/cmd/rollouts-controller")
mv "$BIN/rollouts-controller.tmp" "$BIN/rollouts-controller"
log "compiled rollouts-controller in $(since "$T1") (total $(since "$T0"))"
echo "$BIN/rollouts-controller"
