"""The score of a cosmic-ray session: reads `cosmic-ray dump SESSION` on stdin, prints how many
mutants the tests killed of those they ran, and each survivor (scripts/mutation.sh)."""

from __future__ import annotations

import json
import sys


def main() -> int:
    tested = killed = total = 0
    survivors: list[str] = []
    for line in sys.stdin:
        job, result = json.loads(line)
        total += 1
        result = result or {}
        if result.get("worker_outcome") != "normal":
            continue  # filtered (an equivalent mutant) or not run
        tested += 1
        if result.get("test_outcome") == "killed":
            killed += 1
        else:
            m = job["mutations"][0]
            survivors.append(f"  survived: {m['operator_name']} at line {m['start_pos'][0]}")
    print(f"mutants {total}, tested {tested}, killed {killed}, "
          f"score {killed / max(tested, 1):.0%}")
    print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
