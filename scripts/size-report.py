#!/usr/bin/env python3
"""The size report of the release build: what the first view downloads, and each part
that loads later.

    size-report.py DIST_DIR FIRST_LOAD_JSON BUDGET_BYTES

FIRST_LOAD_JSON lists the files of dist/ that the page requested for its first view, as
measured in Chromium (tests/e2e/first-load.js). The first load is the gzip size of those
that are html, js, wasm or css; the script exits with status 1 when it exceeds the
budget. Every other file of the site is reported as a lazy part, grouped by the part of
the page that fetches it. Sizes are gzip -9, as a static host serves them compressed.
"""
import json
import os
import subprocess
import sys

COUNTED = (".html", ".js", ".wasm", ".css")


def gzip_size(path):
    """Bytes of `gzip -9 -c FILE`, the figure the project has always reported."""
    return len(subprocess.run(["gzip", "-9", "-c", path], capture_output=True, check=True).stdout)


def group_of(name):
    """The part of the page a lazy file belongs to."""
    base = os.path.basename(name)
    if base.startswith("mqlab-analysis-"):
        return "analysis module (Compare, Crash matrix, Protocol lab)"
    if base.startswith("mqlab-lessons-"):
        return "lessons module (Lessons)"
    if base.startswith("mqlab-worlds-"):
        return "worlds module (Transactions)"
    if base.startswith("mqlab-matrix-worker"):
        return "crash matrix worker (large searches)"
    if name == "sw.js":
        return "service worker (registered after the first view)"
    if name.startswith("text/"):
        part = os.path.splitext(base)[0]
        return f"text: {part} ({name.split('/')[1]})"
    if name.startswith("parts/"):
        return f"stylesheet: {os.path.splitext(base)[0]}"
    return "other"


def main():
    dist, first_json, budget = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(first_json, encoding="utf-8") as f:
        fetched = set(json.load(f))
    files = []
    for root, _, names in os.walk(dist):
        for name in names:
            files.append(os.path.relpath(os.path.join(root, name), dist).replace(os.sep, "/"))
    files.sort()

    missing = sorted(name for name in fetched if name not in files)
    if missing:
        print(f"  the first view asked for files the build lacks: {', '.join(missing)}")

    print("  first load: what the first view fetches (measured in Chromium)")
    first_raw = first_gz = 0
    for name in files:
        if name in fetched and name.endswith(COUNTED):
            raw, gz = os.path.getsize(os.path.join(dist, name)), gzip_size(os.path.join(dist, name))
            first_raw += raw
            first_gz += gz
            print(f"    {name:<52} {raw:>9} B raw {gz:>8} B gzip")
    print(f"    {'total (html, js, wasm, css)':<52} {first_raw:>9} B raw {first_gz:>8} B gzip")
    others = [name for name in files if name in fetched and not name.endswith(COUNTED)]
    if others:
        print(f"    also fetched, not counted: {', '.join(others)}")

    groups = {}
    for name in files:
        if name in fetched or name.endswith((".svg",)):
            continue
        groups.setdefault(group_of(name), []).append(name)
    print("  lazy parts: fetched when their part of the page first shows")
    for group in sorted(groups):
        raw = sum(os.path.getsize(os.path.join(dist, name)) for name in groups[group])
        gz = sum(gzip_size(os.path.join(dist, name)) for name in groups[group])
        print(f"    {group:<52} {raw:>9} B raw {gz:>8} B gzip")

    if first_gz <= budget:
        print(f"first load: {first_gz} B gzip, within the budget of {budget} B ({budget - first_gz} B to spare)")
        return 0
    print(f"first load: {first_gz} B gzip, over the budget of {budget} B by {first_gz - budget} B")
    return 1


if __name__ == "__main__":
    sys.exit(main())
