#!/usr/bin/env python3
"""Trunk post-build hook: allow exactly the inline scripts Trunk wrote into index.html.

Trunk starts the app with a small inline module script. A static site cannot use a
per-request nonce, so the Content-Security-Policy lists the SHA-256 of each inline script
instead; everything else stays 'self' only.
"""
import base64
import hashlib
import os
import re
import sys

staging = os.environ.get("TRUNK_STAGING_DIR")
if not staging:
    sys.exit("csp-inline-hashes: TRUNK_STAGING_DIR is not set (run it as a Trunk hook)")
path = os.path.join(staging, "index.html")
with open(path, encoding="utf-8") as f:
    html = f.read()

scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
hashes = [
    "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
    for body in scripts
    if body.strip()
]
marker = "script-src 'self'"
if marker not in html:
    sys.exit("csp-inline-hashes: index.html has no \"script-src 'self'\" to extend")
html = html.replace(marker, marker + "".join(" " + h for h in hashes), 1)
with open(path, "w", encoding="utf-8") as f:
    f.write(html)
print(f"csp-inline-hashes: allowed {len(hashes)} inline script(s) by hash")
