"""Where a program trial's files live: one folder per Optuna trial id under the project's data
folder, `programs/<optuna trial id>/`, holding per run (repeat r > 0 adds `-r<r>`)

- `log.txt`: everything the program printed (stdout and stderr, as bytes), kept;
- `output/`: the program's output folder (TUNESTUDIO_OUTPUT_DIR), kept as the trial's files;
- `process.json`: while the program runs, its process group (for the next start to stop it
  if this TuneStudio process dies: orphans.py);
- `checkpoint/`: its checkpoint folder (TUNESTUDIO_CHECKPOINT_DIR), the same on every run of
  the same trial, removed when the trial ends for good (complete, pruned or failed).

The folder is keyed like the built-in checkpoints (`running/<id>`), by Optuna's trial id, so an
interrupted trial put back in the queue finds its checkpoint folder again."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from tunestudio import paths


def programs_dir(project_id: uuid.UUID) -> Path:
    """The folder of a project's program trials."""
    return paths.program_trials_dir(project_id)


@dataclass(frozen=True)
class TrialFiles:
    """The files of one run (`repeat`) of one program trial."""

    root: Path  # programs/<optuna trial id>
    repeat: int = 0

    @property
    def _suffix(self) -> str:
        return f"-r{self.repeat}" if self.repeat else ""

    @property
    def log(self) -> Path:
        """The program's output, as `OutputLog` keeps it."""
        return self.root / f"log{self._suffix}.txt"

    @property
    def output(self) -> Path:
        """The folder the program writes its outputs to (TUNESTUDIO_OUTPUT_DIR)."""
        return self.root / f"output{self._suffix}"

    @property
    def checkpoint(self) -> Path:
        """The folder the program keeps its checkpoints in (TUNESTUDIO_CHECKPOINT_DIR)."""
        return self.root / f"checkpoint{self._suffix}"

    @property
    def process_file(self) -> Path:
        """The record of the running program's process group (orphans.py), while it runs."""
        return self.root / f"process{self._suffix}.json"

    @property
    def params_file(self) -> Path:
        """The JSON file of the trial's values (pass_values json_file)."""
        return self.root / f"params{self._suffix}.json"

    def prepare(self) -> bool:
        """Create the folders; True when the checkpoint folder already held files (the trial
        ran before and runs again)."""
        resuming = self.checkpoint.is_dir() and any(self.checkpoint.iterdir())
        for folder in (self.output, self.checkpoint):
            folder.mkdir(parents=True, exist_ok=True)
        return resuming

    def discard_checkpoint(self) -> None:
        """The trial ended for good: its checkpoint folder is no longer needed."""
        shutil.rmtree(self.checkpoint, ignore_errors=True)
