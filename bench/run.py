"""Run every benchmark in bench/ (files named bench_*.py) and print their figures.

    make bench                  # all of them
    python bench/run.py NAME    # only bench_NAME.py

Benchmarks report numbers; they never fail a build. Compare figures as ratios
within one run: absolute times depend on the machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    chosen = [HERE / f"bench_{name}.py" for name in argv] or sorted(HERE.glob("bench_*.py"))
    missing = [path.name for path in chosen if not path.exists()]
    if missing:
        print(f"no such benchmark: {', '.join(missing)}", file=sys.stderr)
        return 2
    failed = 0
    for path in chosen:
        print(f"\n=== {path.stem} ===", flush=True)
        failed += subprocess.run([sys.executable, str(path)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
