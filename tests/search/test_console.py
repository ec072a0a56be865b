"""The run's progress on a terminal: a line per trial (i/N, state, objective, best, ETA) and, at
a terminal only, tqdm's bar of the trials done below them; into a file, plain lines."""

from __future__ import annotations

import io

from tunestudio.search import ConsoleProgress, RunSummary, TrialFinished, TrialStarted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(progress: ConsoleProgress, n: int = 3) -> None:
    progress.on_run_start(n)
    for i in range(n):
        progress.on_trial_start(TrialStarted(trial_id=i + 1, number=i, params={"lr": 0.1 * i},
                                             seed=0, device="cpu", index=i + 1, total=n))
        progress.on_trial_end(TrialFinished(
            trial_id=i + 1, number=i, state="complete", message="", objective=0.5 + 0.1 * i,
            best_objective=0.5 + 0.1 * i, done=i + 1, total=n, duration_s=1.0))
    progress.on_run_end(RunSummary(
        experiment="lr", study_name="lr", storage_url="sqlite://", counts={"complete": n},
        best_trial_id=n, best_number=n - 1, best_objective=0.5 + 0.1 * (n - 1),
        best_params={"lr": 0.1 * (n - 1)}, duration_s=3.0, stopped=False))


def _screen(text: str) -> list[str]:
    """The lines that stay on screen: what follows the last carriage return of each."""
    return [line.split("\r")[-1].rstrip() for line in text.split("\n") if line.split("\r")[-1]]


def test_into_a_file_plain_lines_and_no_bar() -> None:
    stream = io.StringIO()
    _run(ConsoleProgress(stream))
    text = stream.getvalue()
    assert "\r" not in text and "trial/s" not in text and "s/trial" not in text
    lines = text.splitlines()
    assert lines[0] == "trial 1/3 (#0) on cpu: lr=0"
    assert lines[1].startswith("trial #0 1/3  complete objective 0.5  1.0s  best 0.5  elapsed ")
    assert "ETA " in lines[1]
    assert lines[-1].startswith("best trial #2: objective 0.7")  # by number alone


def test_at_a_terminal_a_tqdm_bar_of_trials_below_the_lines() -> None:
    stream = Terminal()
    _run(ConsoleProgress(stream))
    text = stream.getvalue()
    assert "3/3 [" in text and ("trial/s" in text or "s/trial" in text)  # tqdm's bar
    assert "best 0.7" in text
    screen = _screen(text)
    assert "trial 1/3 (#0) on cpu: lr=0" in screen
    assert any(line.startswith("trial #2 3/3  complete objective 0.7") for line in screen)
    assert screen[-1].startswith("best trial #2: ")  # the bar is gone once the run ends


def test_quiet_writes_nothing() -> None:
    stream = Terminal()
    _run(ConsoleProgress(stream, quiet=True))
    assert stream.getvalue() == ""


def test_a_worker_a_run_started_writes_its_trials_without_a_count_a_bar_or_a_summary() -> None:
    """Beside its run on the same terminal (`run --workers N`): its own count would read as
    the run's, and the run draws the one bar and sums up the whole run."""
    stream = Terminal()
    _run(ConsoleProgress(stream, part_of_run=True))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()  # no bar
    assert lines[0] == "trial #0 on cpu: lr=0"
    assert lines[1].startswith("trial #0  complete objective 0.5  1.0s  best 0.5  elapsed ")
    assert "ETA" not in lines[1]
    assert len(lines) == 6 and not any(line.startswith("lr:") or line.startswith("best trial")
                                       for line in lines)


def test_the_run_counts_the_trials_its_workers_end() -> None:
    stream = Terminal()
    progress = ConsoleProgress(stream)
    progress.on_run_start(4)
    progress.on_other_trial_end({"state": "complete", "number": 1, "objective": 0.6})
    progress.on_other_trial_end({"state": "pruned", "number": 2, "objective": None})
    progress.on_trial_end(TrialFinished(
        trial_id=1, number=0, state="complete", message="", objective=0.5, best_objective=0.6,
        done=1, total=4, duration_s=1.0))
    screen = _screen(stream.getvalue())
    assert any(line.startswith("trial #0 3/4  complete objective 0.5") for line in screen)
    assert "3/4 [" in stream.getvalue()  # the bar: two of the worker's, one of its own
