#!/usr/bin/env python3
"""Builds treem's unit files from the shared reference extracts (see PROVENANCE.md).

Usage: python3 data/admin-units/build.py ../shared/data/admin-units
Re-running it on the same input gives byte-identical output.
"""
import csv, sys, unicodedata
from pathlib import Path

LEGACY_FROM, LEGACY_TO, NEW_FROM = "2012-01-01", "2025-06-30", "2025-07-01"
COLS = ["code", "name", "level", "type", "parent_code", "valid_from", "valid_to", "lat", "lon", "area_km2"]

def nfc(s): return unicodedata.normalize("NFC", s.strip())

def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))

def write(path, header, out):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(out)

def main(src):
    src, here = Path(src), Path(__file__).parent
    legacy = rows(src / "legacy-units.csv")
    write(here / "units-legacy.csv", COLS, [
        [r["code"], nfc(r["name"]), r["level"], nfc(r["type"]), r["parent_code"], LEGACY_FROM, LEGACY_TO, r["lat"], r["lon"], ""]
        for r in legacy])
    new = rows(src / "units-2025.csv")
    write(here / "units-2025.csv", COLS, [
        [r["code"], nfc(r["name"]), r["level"], nfc(r["type"]), r["parent_code"], NEW_FROM, "", r["lat"], r["lon"], r["area_km2"]]
        for r in new])
    out, skipped = [], []
    # The two old provinces merged into the new province 82.
    for old in ("87", "82"):
        out.append([old, "82", NEW_FROM, "1", "Resolution 202/2025/QH15: Đồng Tháp + Tiền Giang"])
    for r in rows(src / "mapping-2025.csv"):
        if not r["old_code"]:
            skipped.append(r)
            continue
        out.append([r["old_code"], r["new_code"], NEW_FROM, "1", ""])
    write(here / "successions-2025.csv", ["from_code", "to_code", "effective", "share", "note"], out)
    print(f"{len(legacy)} legacy units, {len(new)} units from 2025, {len(out)} successions, {len(skipped)} mapping rows without old code skipped")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/admin-units")
