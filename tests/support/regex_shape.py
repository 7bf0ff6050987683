"""Read the shape of a compiled regular expression: where it could backtrack without bound.

A pattern whose matching time can grow faster than its input has, somewhere, an unbounded
repeat inside another repeat, or two unbounded repeats one after the other in the same
sequence (r"\\S*x\\S*y" tries every split of a long word). Patterns without either shape run
in linear time on Python's engine for the way the parser uses them.
"""

import re
import re._parser as sre
from re._constants import MAXREPEAT

REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}


def backtracking_shapes(pattern: re.Pattern[str]) -> list[str]:
    """Descriptions of the shapes in `pattern` that can backtrack without bound (none: [])."""
    found: list[str] = []
    _walk(sre.parse(pattern.pattern, pattern.flags), inside_repeat=False, found=found)
    return found


def _walk(items, *, inside_repeat: bool, found: list[str]) -> None:
    unbounded_in_sequence = 0
    for op, arg in items:
        if op in REPEATS:
            low, high, body = arg
            if high == MAXREPEAT:
                unbounded_in_sequence += 1
                if inside_repeat:
                    found.append("an unbounded repeat inside a repeat")
            _walk(body, inside_repeat=inside_repeat or high == MAXREPEAT, found=found)
        elif op == sre.SUBPATTERN:
            _walk(arg[-1], inside_repeat=inside_repeat, found=found)
        elif op == sre.BRANCH:
            for branch in arg[1]:
                _walk(branch, inside_repeat=inside_repeat, found=found)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            _walk(arg[1], inside_repeat=inside_repeat, found=found)
    if unbounded_in_sequence > 1:
        found.append(f"{unbounded_in_sequence} unbounded repeats in one sequence")
