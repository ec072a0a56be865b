"""Fused image trials: the `images` template's search (an image folder of 1,000 digit PNGs kept
on the device, a small CNN with dropout, augmentation whose crop padding and rotation the
search varies, 12 trials, TPE, median pruning) by `tunestudio run`, fused (`--fuse auto`)
against one trial at a time (`--fuse off`), alternating, one run of each per sampler seed.

Trials/hour counts each search alone: from the first trial's start to the last trial's end
(the store's timestamps); start-up is paid once per search and left out. The best validation
accuracy of each side is reported beside it: fusing changes no trial's numbers but those of
its dropout draws, so the bests agree within noise.

    python benchmarks/fused_images.py [--seeds 1] [--trials 12] [--device cpu] [--fuse auto]

Each run's CPU time (its process's user + system seconds, start-up and `--fuse auto`'s probe
included) is reported beside it, and the ratio by it: on a shared machine the wall times follow
the load. The run's notes (what `--fuse auto` chose and why) are kept with each run.

Last line, one JSON object: ratio_fused_vs_off (median trials/hour fused over one at a time),
ratio_cpu_fused_vs_off (the same per CPU hour),
best_fused, best_off (medians over the seeds), trials_per_hour_fused, trials_per_hour_off, and
the per-run figures (each with the machine's 1-minute load average before and after it: a
shared machine's load moves the two sides apart). Goals: ratio >= 1.3 on a 2-core CPU with the
same best within 0.01; >= 10 at 64 trials on a GPU (`--trials 64 --device cuda`)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def project_file(folder: Path, seed: int, trials: int, side: str) -> Path:
    """The images template with this sampler seed and budget, its history in `folder`."""
    from tunestudio.config import Budget, from_template, save_project

    project = from_template("images")
    experiment = project.experiments[0]
    search = experiment.search.model_copy(update={"sampler_seed": seed,
                                                  "budget": Budget(trials=trials)})
    project = project.model_copy(update={
        "name": f"fused-images-{side}-{seed}",
        "experiments": [experiment.model_copy(update={"search": search})],
        "storage_url": f"sqlite:///{folder / f'history-{side}-{seed}.db'}",
    })
    path = folder / f"images-{side}-{seed}.tuneproj"
    save_project(project, path)
    return path


def run(path: Path, fuse: str, device: str, env: dict[str, str]) -> dict[str, Any]:
    db = path.parent / path.name.replace("images-", "history-").replace(".tuneproj", ".db")
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    cpu0 = _children_cpu()
    done = subprocess.run([sys.executable, "-m", "tunestudio", "run", str(path),
                           "--fuse", fuse, "--device", device], check=True, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    notes = [line.strip()[len("note: "):] for line in done.stderr.splitlines()
             if line.strip().startswith("note: ")]
    with sqlite3.connect(db) as conn:
        first, last, n = conn.execute(
            "SELECT MIN(started_at), MAX(finished_at), COUNT(*) FROM ts_trial").fetchone()
        best = conn.execute("SELECT MAX(objective) FROM ts_trial WHERE state = 'complete'"
                            ).fetchone()[0]
    return {"search_s": last - first, "startup_s": wall - (last - first), "best": best,
            "trials": n, "cpu_s": cpu, "load_before": load_before,
            "load_after": os.getloadavg()[0], "notes": notes}


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children: on a shared machine a
    run's wall time follows the load, its CPU time far less."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--fuse", default="auto",
                        help="the fused side's --fuse: auto (its cost model decides) or K")
    args = parser.parse_args()
    sides = ["fused", "off"]
    rows: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # the template's image folder is built once, in this run's own data folder
        os.environ["TUNESTUDIO_DATA_DIR"] = str(folder / "data")
        env = dict(os.environ)
        from tunestudio.engine.demo_images import build_digits_folder, digits_folder

        build_digits_folder(digits_folder())
        for seed in range(args.seeds):
            for side in sides if seed % 2 == 0 else list(reversed(sides)):
                path = project_file(folder, seed, args.trials, side)
                row = run(path, args.fuse if side == "fused" else "off", args.device, env)
                row["seed"] = seed
                rows[side].append(row)
                print(side, json.dumps(row), flush=True)

    def per_hour(side: str) -> float:
        return float(statistics.median(3600 * r["trials"] / r["search_s"] for r in rows[side]))

    def per_cpu_hour(side: str) -> float:
        return float(statistics.median(3600 * r["trials"] / r["cpu_s"] for r in rows[side]))

    summary: dict[str, Any] = {f"{side}_runs": rows[side] for side in sides}
    summary.update({
        "device": args.device,
        "fuse": args.fuse,
        "trials": args.trials,
        "trials_per_hour_fused": per_hour("fused"),
        "trials_per_hour_off": per_hour("off"),
        "ratio_fused_vs_off": per_hour("fused") / per_hour("off"),
        # the same by each whole run's CPU time (start-up and --fuse auto's probe included)
        "ratio_cpu_fused_vs_off": per_cpu_hour("fused") / per_cpu_hour("off"),
        "best_fused": statistics.median(r["best"] for r in rows["fused"]),
        "best_off": statistics.median(r["best"] for r in rows["off"]),
    })
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
