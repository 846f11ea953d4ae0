#!/usr/bin/env python3
"""Builds the gold JSON files from the hand-written annotation lists in src/*.ann.

An .ann file has a header, then one line per page or mention, in text order:

    id: short-name
    repo: freelawproject/doctor
    path: doctor/test_assets/...pdf
    commit: <40 hex>
    extraction: how the text was obtained (e.g. "pdftotext -raw; digit-only lines dropped")
    text: /path/to/extracted.txt      (build time only; the JSON keeps the text itself)
    ---
    page 1 lines 1-40                 (a page: lines of the text file, 1-based, inclusive)
    org C. R. Bard, Inc.              (a mention: type code, then the exact surface text)
    >> Case 17-3510, Document         (advance past this text without marking it)

Mentions are found in order: each is the next occurrence of its text after the previous
one, so the list must follow the text. The types are written by hand; this script only
turns the surface strings into byte offsets so that nobody has to count them.
"""
import glob, json, os, sys

TYPES = {"org": "organization", "per": "person", "loc": "place", "prod": "product",
         "money": "money", "date": "date", "dkt": "docket_number", "cite": "case_citation",
         "stat": "statute", "court": "court", "ex": "exhibit_ref"}

def build(path):
    head, body = open(path, encoding="utf-8").read().split("\n---\n", 1)
    meta = dict(l.split(": ", 1) for l in head.strip().splitlines())
    lines = open(meta["text"], encoding="utf-8").read().split("\n")
    pages, mentions = [], []
    text, cur, pno = None, 0, 0
    for raw in body.splitlines():
        raw = raw.rstrip("\n")
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("page "):
            _, n, _, rng = raw.split()
            a, b = (int(x) for x in rng.split("-"))
            text = "\n".join(lines[a - 1:b]) + "\n"
            pno, cur = int(n), 0
            pages.append({"number": pno, "text": text})
            continue
        code, surf = raw.split(" ", 1)
        surf = surf.replace("\\n", "\n")  # a mention may span a line break
        i = text.find(surf, cur)
        if i < 0:
            sys.exit(f"{path}: page {pno}: {surf!r} not found after offset {cur}")
        b = len(text[:i].encode("utf-8"))
        e = b + len(surf.encode("utf-8"))
        cur = i + len(surf)
        if code == ">>":
            continue
        mentions.append({"type": TYPES[code], "page": pno, "start": b, "end": e, "text": surf})
    out = {"id": meta["id"], "source": {"repo": meta["repo"], "path": meta["path"], "commit": meta["commit"]},
           "extraction": meta["extraction"], "pages": pages, "mentions": mentions}
    if "known" in meta:
        out["known"] = [dict(zip(("type", "name"), k.split(":", 1))) for k in meta["known"].split("; ")]
    dst = os.path.join(os.path.dirname(path), "..", meta["id"] + ".json")
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return len(mentions)

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    total = 0
    for p in sorted(glob.glob(os.path.join(here, "src", "*.ann"))):
        n = build(p)
        total += n
        print(f"{os.path.basename(p)}: {n} mentions")
    print("total", total)
