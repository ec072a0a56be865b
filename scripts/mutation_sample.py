"""Keep a random sample of a cosmic-ray session's pending mutants and mark the rest skipped
(scripts/mutation.sh), so that a module with hundreds of mutants is scored in minutes: the
share killed of a uniform random sample estimates the share of all. The sample's size is the
config's `[cosmic-ray.filters.sample] keep` (0 or absent: every mutant) or MUTATION_SAMPLE in
the environment; its seed `seed` (default 0) or MUTATION_SEED, so a rerun draws the same mutants.
Usage: python scripts/mutation_sample.py SESSION CONFIG"""

from __future__ import annotations

import os
import random
import sys

from cosmic_ray.config import load_config
from cosmic_ray.work_db import use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    session, config_path = argv
    settings = load_config(config_path).sub("filters", "sample")
    keep = int(os.environ.get("MUTATION_SAMPLE") or settings.get("keep", 0))
    seed = int(os.environ.get("MUTATION_SEED") or settings.get("seed", 0))
    with use_db(session) as db:
        pending = sorted(item.job_id for item in db.pending_work_items)
        if keep <= 0 or keep >= len(pending):
            print(f"sample: every one of {len(pending)} mutants")
            return 0
        kept = set(random.Random(seed).sample(pending, keep))
        for job_id in pending:
            if job_id not in kept:
                db.set_result(job_id, WorkResult(output="Not in the sample",
                                                 worker_outcome=WorkerOutcome.SKIPPED))
    print(f"sample: {keep} of {len(pending)} mutants (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
