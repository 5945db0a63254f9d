#!/usr/bin/env python3
"""Fails when modules of one crate import each other in a circle.

For every crate in the workspace it maps each source file to its module
path, reads the `crate::…` and `super::…` paths it names (in `use` lines and
in expressions), resolves each to the deepest module that exists, and looks
for cycles among the edges between modules that are not each other's
ancestors (a parent declaring or re-exporting its children is structure, not
a dependency). Crate-to-crate circles are impossible: cargo refuses them.

Hand-written because cargo-modules, which can check this too, builds on
rust-analyzer and takes many minutes to compile on the CI machine.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = ["domain", "locales", "services", "app", "frontend", "server", "simulator", "bench"]
PATH_RE = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP_RE = re.compile(r"\buse\s+(crate|super)::\{(.*?)\};", re.S)


def modules_of(src):
    mods = {}
    for dirpath, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), src)[:-3].split(os.sep)
            if rel[-1] in ("lib", "main"):
                rel = rel[:-1]
            elif rel[-1] == "mod":
                rel = rel[:-1]
            mods[tuple(rel)] = os.path.join(dirpath, name)
    return mods


def resolve(mods, path):
    while path and tuple(path) not in mods:
        path = path[:-1]
    return tuple(path)


def strip_comments(text):
    return re.sub(r"//[^\n]*", "", text)


def split_top(body):
    depth, item, items = 0, "", []
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(item)
            item = ""
        else:
            item += ch
    items.append(item)
    return [i.strip() for i in items if i.strip()]


def expand_use_tree(body):
    leaves = []
    for item in split_top(body):
        m = re.match(r"((?:[A-Za-z_][A-Za-z0-9_]*::)*)\{(.*)\}$", item, re.S)
        if m:
            prefix = [p for p in m.group(1).split("::") if p]
            for leaf in expand_use_tree(m.group(2)):
                leaves.append(prefix + leaf)
        else:
            head = re.match(r"([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)", item)
            if head:
                leaves.append([p for p in head.group(1).split("::") if p != "self"])
    return leaves


def referenced_paths(text, here):
    """Module paths (absolute, as tuples) that `text` refers to."""
    def absolute(kind, rest):
        base = [] if kind == "crate" else list(here[:-1]) if here else []
        return base + rest

    found = []
    for kind, body in USE_GROUP_RE.findall(text):
        # `use crate::{a::{b, c}, d}`: every leaf path of the tree.
        for leaf in expand_use_tree(body):
            found.append(absolute(kind, leaf))
    for kind, rest in PATH_RE.findall(text):
        found.append(absolute(kind, rest.strip(":").split("::")))
    return found


def cycles(crate):
    src = os.path.join(ROOT, crate, "src")
    mods = modules_of(src)
    edges = {m: set() for m in mods}
    for mod, path in mods.items():
        text = strip_comments(open(path, encoding="utf-8").read())
        for target in referenced_paths(text, mod):
            target = resolve(mods, target)
            related = target[: len(mod)] == mod or mod[: len(target)] == target
            if not related:
                edges[mod].add(target)
    # Depth-first search for a back edge.
    state, stack, found = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(edges[m]):
            if state.get(n) == "open":
                found.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(mods):
        if m not in state:
            visit(m)
    return found


def main():
    bad = False
    for crate in CRATES:
        for cycle in cycles(crate):
            bad = True
            names = [crate + "::" + "::".join(m) if m else crate for m in cycle]
            print("import circle: " + " -> ".join(names), file=sys.stderr)
    if bad:
        sys.exit(1)
    print("no import circles between modules")


if __name__ == "__main__":
    main()
