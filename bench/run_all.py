"""Run every ``bench/*_bench.py`` with its default arguments; collect the JSON they print.

Each bench prints one or more JSON objects on stdout (progress goes to stderr). Results land in
``bench/results/latest.json`` (git-ignored), rewritten after each bench so a long run that is
interrupted keeps what finished. ``run_all.py NAME ...`` runs only benches whose file name
contains one of the NAMEs.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
LATEST = BENCH_DIR / "results" / "latest.json"


def json_objects(text: str) -> list[Any]:
    """Every top-level JSON value in ``text`` (one per line or pretty-printed), skipping noise."""
    decoder, found, index = json.JSONDecoder(), [], 0
    while (index := text.find("{", index)) != -1:
        try:
            value, index = decoder.raw_decode(text, index)
            found.append(value)
        except json.JSONDecodeError:
            index += 1
    return found


def main(names: list[str]) -> int:
    scripts = [s for s in sorted(BENCH_DIR.glob("*_bench.py"))
               if not names or any(n in s.name for n in names)]
    document: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "benches": {}}
    failed = 0
    for script in scripts:
        print(f"== {script.name}", file=sys.stderr, flush=True)
        run = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                             check=False)
        failed += run.returncode != 0
        document["benches"][script.stem] = {"returncode": run.returncode,
                                            "results": json_objects(run.stdout)}
        LATEST.parent.mkdir(parents=True, exist_ok=True)
        LATEST.write_text(json.dumps(document, indent=2) + "\n")
    print(f"{len(scripts)} benches, {failed} failed: {LATEST}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
