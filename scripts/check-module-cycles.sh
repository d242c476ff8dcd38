#!/usr/bin/env bash
# Fails when the modules of ferrotube-app or ferrotube-api import each other in a circle.
#
# The module graph comes from cargo-modules (`cargo modules dependencies`, functions and types
# folded into their modules, "owns" edges dropped: what a module imports, what its signatures and
# fields name). cargo-modules 0.27 does not look into function bodies, and its own `--acyclic`
# checks the item graph (where every type and its methods form a circle), so this script adds the
# `crate::…` / `super::…` paths written in bodies and looks for circles itself.
#
# Not part of scripts/test.sh: installing cargo-modules compiles rust-analyzer (minutes).
# Usage: scripts/check-module-cycles.sh [package ...]   (default: ferrotube-app ferrotube-api)
set -euo pipefail
cd "$(dirname "$0")/.."

# 0.28 needs a newer rustc than the workspace's toolchain.
CARGO_MODULES_VERSION=0.27.0
if ! cargo modules --version 2>/dev/null | grep -q "^cargo-modules $CARGO_MODULES_VERSION$"; then
  echo "installing cargo-modules $CARGO_MODULES_VERSION (minutes)" >&2
  cargo install cargo-modules --version "$CARGO_MODULES_VERSION" --locked
fi

packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(ferrotube-app ferrotube-api)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for package in "${packages[@]}"; do
  src=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; m=json.load(sys.stdin); print(next(t["src_path"] for p in m["packages"] if p["name"]==sys.argv[1] for t in p["targets"] if "lib" in t["kind"]))' "$package")
  cargo modules dependencies --package "$package" --lib --no-externs --no-sysroot \
    --no-fns --no-traits --no-types --no-owns --layout dot >"$tmp/graph.dot"
  if ! python3 - "$package" "$src" "$tmp/graph.dot" <<'PY'; then status=1; fi
import os, re, sys

package, lib_rs, dot = sys.argv[1:]
crate = package.replace("-", "_")
src = os.path.dirname(lib_rs)
edges = set()

# 1. cargo-modules: `uses` edges between modules.
for line in open(dot):
    m = re.match(r'\s*"([^"]+)" -> "([^"]+)" \[label="uses"', line)
    if m:
        edges.add((m.group(1), m.group(2)))

# 2. Paths in function bodies, which cargo-modules does not see.
modules = {}
for root, _, files in os.walk(src):
    for f in files:
        if f.endswith(".rs"):
            parts = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib"):
                parts = parts[:-1]
            modules[tuple(parts)] = os.path.join(root, f)
# Names the crate root re-exports (`pub use instance::Instance;`): their own module, or None
# when they come from another crate.
reexports = {}
for m in re.finditer(r"pub use ([\w:]+)::(\{[^}]*\}|\w+);", open(lib_rs).read()):
    first = m.group(1).split("::")
    home = tuple(first) if tuple(first[:1]) in modules else None
    for name in re.findall(r"\w+", m.group(2)):
        reexports[name] = home

def resolve(parts):
    for n in range(len(parts), -1, -1):
        if tuple(parts[:n]) in modules:
            if n == 0 and parts and parts[0] in reexports:
                return reexports[parts[0]]
            return tuple(parts[:n])
    return None

for module, path in modules.items():
    text = open(path).read().split("#[cfg(test)]")[0]
    text = re.sub(r"//[^\n]*", "", text)
    for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", text):
        parts = m.group(2).split("::")[1:]
        base = [] if m.group(1) == "crate" else list(module[:-1])
        while parts and parts[0] == "super":
            base, parts = base[:-1], parts[1:]
        target = resolve(base + parts)
        if target is not None and target != module:
            edges.add(("::".join((crate,) + module), "::".join((crate,) + target)))

# 3. Circles: depth-first search, reporting each back edge's circle once.
graph = {}
for a, b in edges:
    graph.setdefault(a, set()).add(b)
state, stack, cycles = {}, [], []

def visit(node):
    state[node] = "open"
    stack.append(node)
    for nxt in sorted(graph.get(node, ())):
        if state.get(nxt) == "open":
            cycles.append(stack[stack.index(nxt):] + [nxt])
        elif nxt not in state:
            visit(nxt)
    stack.pop()
    state[node] = "done"

sys.setrecursionlimit(10000)
for node in sorted(graph):
    if node not in state:
        visit(node)
nodes = {n for e in edges for n in e}
if cycles:
    print(f"{package}: {len(cycles)} import circle(s) between modules:")
    for c in cycles:
        print("  " + " -> ".join(c))
    sys.exit(1)
print(f"{package}: no import circles ({len(nodes)} modules, {len(edges)} edges)")
PY
done
exit $status
