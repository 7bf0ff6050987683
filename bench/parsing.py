"""Benchmark: SMS parse time per character, for bodies of 16, 160 and 1,600 characters.

Ordinary replies and adversarial ones (one word repeated, glued or spaced: the bodies that
made a backtracking pattern freeze a worker for 10-20 s). Prints microseconds per character
for each length and the ratio of the longest body's cost per character to the shortest's,
measured in the same process: linear time keeps it near 1 (below 1 when the fixed cost of a
call dominates short bodies); a pattern that backtracks makes it grow with the length.

    .venv/bin/python -m bench.parsing [--seconds 0.2]
"""

import argparse
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coordinator.sms.parsing import parse_reply

LENGTHS = (16, 160, 1600)
ORDINARY = (
    "네 B7 2번 승합차 크레이트 4개로 갈게요. ",
    "yes B7 2, I can bring my van with 4 crates. ",
)
# One word repeated: glued into one long word, or spaced into many.
ADVERSARIAL = ("차", "밴", "van", "차 ", "no car ", "NO.", "수 ", "1", "a", "ㅇ", "B7 ")


def body_of(seed: str, length: int) -> str:
    return (seed * (length // len(seed) + 1))[:length]


def per_char_us(body: str, seconds: float) -> float:
    """Microseconds per character of parse_reply(body), the best of three timed runs."""
    timer = timeit.Timer(lambda: parse_reply(body))
    number, _ = timer.autorange()
    number = max(1, int(number * seconds / 0.2))
    best = min(timer.repeat(repeat=3, number=number)) / number
    return best / len(body) * 1e6


def worst(seeds: tuple[str, ...], length: int, seconds: float) -> tuple[float, str]:
    return max((per_char_us(body_of(seed, length), seconds), seed) for seed in seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.2, help="time per measurement")
    args = parser.parse_args()
    print(f"{'body':<12} {'chars':>6} {'µs/char':>9}  worst seed")
    for name, seeds in (("ordinary", ORDINARY), ("adversarial", ADVERSARIAL)):
        costs = {}
        for length in LENGTHS:
            cost, seed = worst(seeds, length, args.seconds)
            costs[length] = cost
            print(f"{name:<12} {length:>6} {cost:>9.3f}  {seed.strip()!r}")
        longest, shortest, middle = costs[LENGTHS[-1]], costs[LENGTHS[0]], costs[LENGTHS[1]]
        print(
            f"{name:<12} per-character cost, 1,600 vs 16 chars: {longest / shortest:.2f}"
            f" (1,600 vs 160: {longest / middle:.2f})\n"
        )


if __name__ == "__main__":
    main()
