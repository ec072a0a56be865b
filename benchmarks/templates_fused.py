"""`--fuse auto` against `--fuse off` on every template's shipped experiments, by `tunestudio
run` in fresh processes: wall time, peak memory (the process's maximum resident set) and best
objective of each side, alternating which side runs first. Beside them the digits template's
Bayesian search at the size where fusing was measured to lose (400 trials of 4 epochs):
`digits/bayes-400x4`.

    python benchmarks/templates_fused.py [--share 0.25] [--templates digits,images]
                                         [--repeats 3] [--bayes-trials 400]
                                         [--bayes-repeats 3] [--no-bayes]

`--share` cuts every experiment's trial budget (and the 400) to that share, for a quick look;
an experiment without a budget (one-variable-at-a-time) runs its whole plan. `--repeats` runs
each template experiment that many times a side, each in a fresh history, and takes each
side's median wall time: a template's runs of a few seconds move by 10-20 % here (the
regression template's, auto choosing one at a time as off trains: 0.855 and 1.041 in two
runs of the benchmark). Every `--fuse auto` run probes the device afresh, as a first run of
its space on a machine does. The 400-trial
search runs `--bayes-repeats` times a side, each in a fresh history, alternating which side runs
first, and its ratio is of the sides' median wall times: one run of it moves by 10-25 % on this
2-core machine (which evaluation a member is pruned at depends on the bookkeeping's timing, see
search/pruning.py, so the pruned counts and the sampler's history differ). One untimed trial
of each template first fills the cache of prepared data splits (`warm_splits`). The template's
program (`script`) never fuses: its ratio says what the auto path costs where it cannot fuse.

Last line, one JSON object: `ratio_auto_vs_off` per template (its experiments' median wall
times summed, auto / off) and for `digits/bayes-400x4`; `memory_ratio_auto_vs_off` (peak resident
set, auto / off, the larger of a template's experiments); `best` (auto, off) per experiment;
`fusing` (what auto said it chose, per experiment); `bayes_runs` (each run's wall time,
best and pruned count, per side); `load` (the machine's load average before
and after: the runs share it with whatever else runs). Goals: ratio <= 1.0 everywhere, <= 0.5
on digits/bayes-400x4, memory <= 1.5x, the same best within the noise."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TEMPLATES = ("digits", "regression", "images", "script")
BAYES = "digits/bayes-400x4"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_side(project: Path, experiment: str, fuse: str, trials: int | None,
             env: dict[str, str]) -> dict[str, Any]:
    """One `tunestudio run` in a fresh process: wall seconds and its JSON's outcome."""
    cmd = [sys.executable, "-m", "tunestudio", "run", str(project), "--experiment", experiment,
           "--fuse", fuse, "--device", "cpu", "--quiet"]
    if trials is not None:
        cmd += ["--trials", str(trials)]
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    outcome = json.loads(out.strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "best": outcome.get("best_objective"),
            "counts": outcome.get("counts"), "fusing": outcome.get("fusing")}


def measure(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run this script's `--one` mode in a child: Linux's RUSAGE_CHILDREN peak is a maximum
    over all of a process's children, so each run gets a parent of its own."""
    done = subprocess.run([sys.executable, __file__, "--one", *args], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:  # the run's own error, not only the exit status
        raise SystemExit(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def one(argv: list[str]) -> None:
    import resource

    project, experiment, fuse, trials = argv
    row = run_side(Path(project), experiment, fuse, int(trials) if trials != "-" else None,
                   dict(os.environ))
    row["peak_rss_mb"] = round(  # kB on Linux
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    print(json.dumps(row))


def new_project(folder: Path, template: str, side: str, env: dict[str, str],
                epochs: int | None = None) -> Path:
    """A project from the template, in its own folder (a program template's files beside it),
    its history in that folder, each experiment's sampler seeded (0 where the template leaves
    it unseeded: an unseeded TPE search trained 202 trials in the time another took for 123,
    its points alone deciding); `epochs` overrides the baseline's."""
    where = folder / f"{template}-{side}" / f"{template}.tuneproj"
    where.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "tunestudio", "new", str(where), "--template",
                    template], env=env, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(where.read_text())
    data["storage_url"] = f"sqlite:///{where.parent / 'history.db'}"
    if epochs is not None:
        data["baseline"]["training"]["epochs"] = epochs
    for experiment in data["experiments"]:  # both sides draw the same points where they can
        if experiment["search"].get("sampler_seed") is None:
            experiment["search"]["sampler_seed"] = 0
    where.write_text(json.dumps(data, indent=2))
    return where


def warm_splits(project: Path, env: dict[str, str]) -> None:
    """One untimed trial of the template's first experiment, one at a time, in a project of
    its own: the data's prepared splits are cached on disk (engine.split_cache) on a
    project's first run, with scikit-learn imported to make them (about 2 s here), and
    whichever side ran first paid that alone (the regression template: auto 10.4 s against off
    8.6 s, then 4.7 s against 5.0 s). Built-in data is cached by its config, so both sides
    find it; an image folder of each side's own pays its own."""
    first = experiments(project)[0][0]
    subprocess.run([sys.executable, "-m", "tunestudio", "run", str(project), "--experiment",
                    first, "--trials", "1", "--fuse", "off", "--device", "cpu", "--quiet"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def experiments(project: Path) -> list[tuple[str, int | None]]:
    data = json.loads(project.read_text())
    return [(e["name"], (e["search"].get("budget") or {}).get("trials"))
            for e in data["experiments"]]


def _median(rows: list[dict[str, Any]], key: str) -> Any:
    """The median of `key` over one side's runs of an experiment."""
    return statistics.median(r[key] for r in rows)


def bayes_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The 400-trial search's figures from its runs (each side `--bayes-repeats` times): the
    ratio of the sides' median wall times, the larger of the sides' median peak memory, each
    side's median best and every run's wall time, best and pruned count."""
    sides = {side: [r for r in rows if r["side"] == side] for side in ("auto", "off")}
    wall = {side: statistics.median(r["wall_s"] for r in got) for side, got in sides.items()}
    memory = {side: statistics.median(r["peak_rss_mb"] for r in got)
              for side, got in sides.items()}
    best = {side: statistics.median(r["best"] for r in got) for side, got in sides.items()}
    return {
        "ratio_auto_vs_off": {BAYES: round(wall["auto"] / wall["off"], 3)},
        "memory_ratio_auto_vs_off": {BAYES: round(memory["auto"] / memory["off"], 3)},
        "best": {BAYES: best},
        "fusing": {BAYES: sides["auto"][0]["fusing"]},
        "bayes_runs": {side: [{"wall_s": r["wall_s"], "best": r["best"],
                               "pruned": (r["counts"] or {}).get("pruned", 0)} for r in got]
                       for side, got in sides.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--templates", default=",".join(TEMPLATES))
    parser.add_argument("--share", type=float, default=1.0,
                        help="share of each experiment's trial budget to run (default 1)")
    parser.add_argument("--bayes-trials", type=int, default=400)
    parser.add_argument("--bayes-repeats", type=int, default=3,
                        help="runs a side of the 400-trial search (median wall time, default 3)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs a side of each template experiment (median wall time)")
    parser.add_argument("--no-bayes", action="store_true")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    started_load = load()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "TUNESTUDIO_DATA_DIR": str(folder / "data"),
               "TUNESTUDIO_CONFIG_DIR": str(folder / "config"),
               "TUNESTUDIO_CACHE_DIR": str(folder / "cache"),
               "TUNESTUDIO_LOG_DIR": str(folder / "log")}
        jobs: list[tuple[str, str, dict[str, Path], int | None]] = []
        for template in args.templates.split(","):
            warm_splits(new_project(folder, template, "warm", env), env)
            for repeat in range(max(1, args.repeats)):  # each in a fresh history
                projects = {side: new_project(folder / f"repeat-{repeat}", template, side, env)
                            for side in ("auto", "off")}
                for name, budget in experiments(projects["auto"]):
                    trials = None if budget is None else max(2, round(budget * args.share))
                    jobs.append((template, name, projects, trials))
        if not args.no_bayes and "digits" in args.templates.split(","):
            for repeat in range(max(1, args.bayes_repeats)):  # each in a fresh history
                projects = {side: new_project(folder / f"bayes-{repeat}", "digits", side, env,
                                              epochs=4) for side in ("auto", "off")}
                jobs.append((BAYES, "bayes-lr-wd-width-batch", projects,
                             max(2, round(args.bayes_trials * args.share))))
        for n, (template, name, projects, trials) in enumerate(jobs):
            sides = ("auto", "off") if n % 2 == 0 else ("off", "auto")
            for side in sides:
                # every run of `--fuse auto` probes the device as a first run of its space on
                # this machine does (a later one reads the fitted model from the cache)
                (folder / "cache" / "fuse_probe.json").unlink(missing_ok=True)
                row = measure([str(projects[side]), name, side,
                               str(trials) if trials is not None else "-"], env)
                row.update(template=template, experiment=name, side=side, trials=trials,
                           load=load())
                runs.append(row)
                print(json.dumps(row), flush=True)
    summary: dict[str, Any] = {"ratio_auto_vs_off": {}, "memory_ratio_auto_vs_off": {},
                               "best": {}, "fusing": {}}
    for template in dict.fromkeys(r["template"] for r in runs):
        mine = [r for r in runs if r["template"] == template]
        if template == BAYES:
            for key, value in bayes_summary(mine).items():
                summary.setdefault(key, {}).update(value)
            continue
        wall = {"auto": 0.0, "off": 0.0}
        memory = []
        for name in dict.fromkeys(r["experiment"] for r in mine):
            pair = {side: [r for r in mine if r["experiment"] == name and r["side"] == side]
                    for side in ("auto", "off")}
            for side in wall:  # each experiment's median run, summed over the template's
                wall[side] += _median(pair[side], "wall_s")
            memory.append(_median(pair["auto"], "peak_rss_mb") /
                          _median(pair["off"], "peak_rss_mb"))
            summary["best"][f"{template}:{name}"] = {side: _median(pair[side], "best")
                                                     for side in ("auto", "off")}
            summary["fusing"][f"{template}:{name}"] = pair["auto"][0]["fusing"]
        summary["ratio_auto_vs_off"][template] = round(wall["auto"] / wall["off"], 3)
        summary["memory_ratio_auto_vs_off"][template] = round(max(memory), 3)
    summary.update(share=args.share, load={"before": started_load, "after": load()},
                   runs=runs)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
