"""How long the SMS parser takes on the longest reply, against a one-word reply.

    .venv/bin/python -m bench.parsing [--runs 1000]

The webhook parses every inbound SMS inside the provider's request, so a 1,600-character
reply (the longest Twilio delivers) must cost about what a short one does. Prints the mean
time per parse of each, measured in the same process, and their ratio.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coordinator.sms.parsing import parse_reply  # noqa: E402

LONGEST = ("네 B7 2 VAN 4 " + "가나다 abc 123 " * 120)[:1600]
BASELINE = "네"


def mean_seconds(body: str, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        parse_reply(body)
    return (time.perf_counter() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    mean_seconds(LONGEST, 50)  # warm the regular expressions' caches
    baseline = mean_seconds(BASELINE, args.runs)
    longest = mean_seconds(LONGEST, args.runs)
    print(f"one-word reply (baseline): {baseline * 1e6:8.1f} µs per parse")
    print(f"1,600-character reply:     {longest * 1e6:8.1f} µs per parse")
    print(f"ratio: {longest / baseline:.1f}x the baseline")


if __name__ == "__main__":
    main()
