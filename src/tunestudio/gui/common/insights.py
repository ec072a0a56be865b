"""What the trial views share, so that none keeps its own copy (napari's views over a model):
where the history is, which experiment is shown, which trials are compared and which one is in
focus, and the worker lanes that read the history and compute off the GUI thread. The table
sets the selection; the plots, the analysis, the diagnosis and the trial detail follow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from tunestudio.gui.common.history import History
from tunestudio.gui.common.jobs import Lane

if TYPE_CHECKING:
    from tunestudio.config import Experiment, Objective, RunConfig
    from tunestudio.gui.common.document import ProjectDocument


class Insights(QObject):
    """The state the trial views of one document share: the trial database (`url`, `history`), the
    experiment shown, the trials compared (overlaid in the plots) and the one in focus, and the
    worker lanes: `reads` (store queries), `compute` (parameter importance, analysis) and `training`
    (k-fold, LR range test, test split). Each change emits its signal only when the value
    changed."""

    experiment_changed = Signal()
    compared_changed = Signal()  # the trials overlaid in the plots
    focus_changed = Signal()  # the one trial the diagnosis and detail show
    trials_changed = Signal()  # trials were added, finished, edited or deleted
    ensembles_changed = Signal()  # an ensemble was kept, tested or exported

    def __init__(self, document: ProjectDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.history = History()
        self.reads = Lane("tunestudio-history", self)  # store queries
        self.compute = Lane("tunestudio-compute", self)  # importance, analysis
        self.training = Lane("tunestudio-train", self)  # k-fold, LR finder, test split
        self._experiment: str | None = None
        self._compared: list[int] = []
        self._focus: int | None = None

    @property
    def url(self) -> str:
        """The trial database's SQLAlchemy URL (the document's `storage_url()`)."""
        return self.document.storage_url()

    @property
    def experiment_name(self) -> str | None:
        """The name of the experiment shown, or None."""
        return self._experiment

    def experiment(self) -> Experiment | None:
        """The shown experiment as the (valid) project defines it now."""
        project = self.document.project
        if project is None or self._experiment is None:
            return None
        try:
            return project.experiment(self._experiment)
        except KeyError:
            return None

    def baseline(self) -> RunConfig | None:
        """The project's baseline run config, or None while the project is invalid."""
        project = self.document.project
        return project.baseline if project is not None else None

    def objective(self) -> Objective | None:
        """The shown experiment's objective (metric and direction), or None when no valid experiment
        is shown."""
        exp = self.experiment()
        return exp.search.objective if exp is not None else None

    def dimension_paths(self) -> list[str]:
        """The dotted config paths of the shown experiment's search dimensions (e.g.
        `optimizer.lr`); empty when none is shown."""
        exp = self.experiment()
        return [d.path for d in exp.search.dimensions] if exp is not None else []

    def set_experiment(self, name: str | None) -> None:
        """Shows experiment `name` (None: none), clearing the compared trials and the focus; emits
        experiment_changed, compared_changed and focus_changed."""
        if name == self._experiment:
            return
        self._experiment = name
        self._compared, self._focus = [], None
        self.experiment_changed.emit()
        self.compared_changed.emit()
        self.focus_changed.emit()

    @property
    def compared(self) -> list[int]:
        """The ids of the trials compared, in order."""
        return list(self._compared)

    def compare(self, trial_ids: list[int]) -> None:
        """Compares the trials `trial_ids`; emits compared_changed if they changed."""
        if trial_ids != self._compared:
            self._compared = list(trial_ids)
            self.compared_changed.emit()

    @property
    def focus(self) -> int | None:
        """The id of the trial in focus, or None."""
        return self._focus

    def set_focus(self, trial_id: int | None) -> None:
        """Focuses trial `trial_id` (None: none); emits focus_changed if it changed."""
        if trial_id != self._focus:
            self._focus = trial_id
            self.focus_changed.emit()

    def close(self) -> None:
        """Stops the lanes (joining their threads) and closes the history."""
        for lane in (self.training, self.compute, self.reads):
            lane.close()
        self.history.close()
