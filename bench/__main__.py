"""Run every benchmark module (bench/bench_*.py) and collect their sections in bench/results.md.

Each module exposes `run() -> str`, returning a Markdown section. Pass names to run
only some (`python -m bench play predict`); the other sections keep their last results.
"""

from __future__ import annotations

import importlib
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results.md"
SECTION = re.compile(r"^<!-- bench:(\w+) -->$", re.M)


def _previous_sections() -> dict[str, str]:
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text()
    marks = list(SECTION.finditer(text))
    sections = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        sections[mark.group(1)] = text[mark.end() : end].strip()
    return sections


def main(argv: list[str]) -> int:
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    chosen = argv or available
    unknown = set(chosen) - set(available)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(available)}")
        return 2
    sections = _previous_sections()
    for name in chosen:
        print(f"== bench {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.bench_{name}")
        sections[name] = module.run().strip()
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
    header = (
        "# Benchmark results\n\n"
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{platform.machine()}, Python {platform.python_version()}. Machines are shared and noisy: "
        "compare ratios measured in the same run.\n"
    )
    body = "\n\n".join(f"<!-- bench:{n} -->\n{sections[n]}" for n in available if n in sections)
    RESULTS.write_text(f"{header}\n{body}\n")
    print(f"wrote {RESULTS}")
    missed = [
        n for n in chosen if getattr(importlib.import_module(f"bench.bench_{n}"), "targets_missed", None)
    ]
    if missed:
        print(f"targets missed by: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
