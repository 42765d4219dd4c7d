#!/usr/bin/env python3
"""Copy the front-end assets the product serves from node_modules into src/civicdesk/channels/ui/static/vendor/.

Run after ``npm ci`` (or ``npm run build``). The copies are committed, so a
checkout serves the pages without Node.js; axe-core stays in node_modules
because only the browser tests use it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "civicdesk" / "channels" / "ui" / "static" / "vendor"
ASSETS = {
    "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
    "node_modules/htmx.org/LICENSE": "htmx.LICENSE.txt",
}


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    missing = [source for source in ASSETS if not (ROOT / source).exists()]
    if missing:
        print(f"missing {', '.join(missing)}: run `npm ci` first", file=sys.stderr)
        return 1
    for source, target in ASSETS.items():
        shutil.copyfile(ROOT / source, VENDOR / target)
        print(f"{source} -> {(VENDOR / target).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
