#!/usr/bin/env bash
# Builds the test bed's control plane from pinned Go modules into a cache outside the repo:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes,
# etcd from go.etcd.io/etcd/server/v3, kwok from sigs.k8s.io/kwok. Each binary is built only
# when missing; prints what it compiles and how long it took. Last line: the bin folder.
#
# k8s.io/kubernetes (and etcd's server module) replace their sibling modules with relative
# paths, so `go install mod@version` refuses them. We build from a small wrapper module that
# requires the module and replaces each sibling with its published version, a list generated
# from the downloaded go.mod, never written by hand.
set -euo pipefail

KUBE_VERSION="${SHARDSHIP_KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${SHARDSHIP_ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${SHARDSHIP_KWOK_VERSION:-v0.7.0}"
CACHE="${SHARDSHIP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shardship}"
BIN="$CACHE/testbed/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
WORK="$CACHE/testbed/src"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
mkdir -p "$BIN" "$WORK"

log() { printf 'testbed: %s\n' "$*" >&2; }
since() { echo "$(( $(date +%s) - $1 ))s"; }

# go.mod lines "replace X => ./path" (or ../path) of MOD@VERSION become "X => X SIBLING_VERSION".
sibling_replaces() {
  local gomod; gomod="$("$GO" mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [ -f "$gomod" ] || { log "the Go module proxy did not serve $1@$2"; exit 1; }
  awk -v v="$3" '
    /^replace[[:space:]]*\(/ { block=1; next }
    block && /^\)/ { block=0; next }
    { line=$0; sub(/^replace[[:space:]]+/, "", line) }
    # etcd points modules it forbids at ./FORBIDDEN_DEPENDENCY: those are not siblings.
    line ~ /FORBIDDEN_DEPENDENCY/ { next }
    (block || $1=="replace") && line ~ /=>[[:space:]]*\.\.?\// { split(line, p, " "); printf "replace %s => %s %s\n", p[1], p[1], v }
  ' "$gomod"
}

# build_wrapper NAME MODULE VERSION SIBLING_VERSION LDFLAGS MAIN_GO PKG...
build_wrapper() {
  local name="$1" mod="$2" ver="$3" sib="$4" ldflags="$5" maingo="$6"; shift 6
  local dir="$WORK/$name-$ver" missing=()
  if [ -n "$maingo" ]; then [ -x "$BIN/$name" ] || missing+=(.); fi
  for pkg in "$@"; do [ -x "$BIN/$(basename "$pkg")" ] || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  mkdir -p "$dir"
  if [ ! -f "$dir/go.sum" ]; then
    local t0; t0=$(date +%s)
    log "resolving $mod@$ver (wrapper module in $dir)"
    { echo "module shardship.test/testbed/$name"; echo; echo "go 1.26.0"; echo; echo "require $mod $ver"; echo
      sibling_replaces "$mod" "$ver" "$sib"; } > "$dir/go.mod"
    if [ -n "$maingo" ]; then printf '%s\n' "$maingo" > "$dir/main.go"; else
      { echo "//go:build tools"; echo; echo "package tools"; echo; echo "import ("
        for pkg in "$@"; do echo "	_ \"$pkg\""; done; echo ")"; } > "$dir/tools.go"; fi
    (cd "$dir" && "$GO" mod tidy) || { rm -f "$dir/go.sum"; log "go mod tidy failed for $mod@$ver"; exit 1; }
    log "resolved $mod@$ver in $(since "$t0")"
  fi
  local t1; t1=$(date +%s)
  if [ -n "$maingo" ]; then
    log "compiling $name from $mod@$ver"
    (cd "$dir" && "$GO" build -trimpath -ldflags "$ldflags" -o "$BIN/$name.tmp" .) && mv "$BIN/$name.tmp" "$BIN/$name"
  else
    log "compiling ${missing[*]##*/} from $mod@$ver"
    local out="$BIN/.tmp-$name"; rm -rf "$out"; mkdir -p "$out"
    (cd "$dir" && "$GO" build -trimpath -ldflags "$ldflags" -o "$out/" "${missing[@]}")
    mv "$out"/* "$BIN/" && rmdir "$out"
  fi
  log "compiled $name in $(since "$t1")"
}

T0=$(date +%s)
kminor="${KUBE_VERSION#v1.}"; kminor="${kminor%%.*}"
# Truthful --version and /version: the module has no git data, so stamp what it would.
vpkg=k8s.io/component-base/version
KUBE_LDFLAGS="-s -w -X $vpkg.gitVersion=$KUBE_VERSION -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$kminor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
build_wrapper kubernetes k8s.io/kubernetes "$KUBE_VERSION" "v0.${KUBE_VERSION#v1.}" "$KUBE_LDFLAGS" "" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl

ETCD_MAIN='// etcd, as go.etcd.io/etcd/v3 main.go starts it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }'
build_wrapper etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION" "-s -w" "$ETCD_MAIN"

if [ ! -x "$BIN/kwok" ]; then
  t2=$(date +%s); log "compiling kwok from sigs.k8s.io/kwok@$KWOK_VERSION"
  GOBIN="$BIN" "$GO" install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  log "compiled kwok in $(since "$t2")"
fi
log "ready in $(since "$T0")"
echo "$BIN"
