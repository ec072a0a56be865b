"""The text progress of `tunestudio train`: plain lines when the stream is not a terminal."""

from __future__ import annotations

import io

from engine_helpers import tiny

from tunestudio.engine import ProgressLine, Trainer


def test_progress_writes_one_line_per_evaluation() -> None:
    stream = io.StringIO()
    Trainer(tiny({"training.epochs": 2}), hooks=[ProgressLine(stream, "val_accuracy")]).fit()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("training on cpu: ") and "parameters" in lines[0]
    assert lines[1].startswith("epoch 1/2  train_loss ") and "val_accuracy" in lines[1]
    assert lines[2].startswith("epoch 2/2")
    assert lines[3].startswith("completed: trained 2 epoch(s)")
    assert "\r" not in stream.getvalue()  # no in-place redraws into a file


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_tqdm_bar_counts_the_steps_below_the_evaluation_lines() -> None:
    stream = Terminal()
    result = Trainer(tiny({"training.epochs": 2}),
                     hooks=[ProgressLine(stream, "val_accuracy")]).fit()
    text = stream.getvalue()
    # tqdm's own bar: "n/total [elapsed<remaining, rate step/s, postfix]", redrawn in place
    assert "\r" in text and ("step/s" in text or "s/step" in text)
    assert "loss " in text and "samples/s" in text
    assert f"{result.steps}/{result.steps}" in text
    lines = [line.split("\r")[-1] for line in text.split("\n")]  # what stays on screen
    assert any(line.startswith("epoch 1/2  train_loss ") for line in lines)
    assert any(line.startswith("completed: trained 2 epoch(s)") for line in lines)
