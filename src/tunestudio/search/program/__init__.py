"""Trials of the user's own program: each run a child process in its own process group, its
values passed as the program asks, its printed metric lines (or the client's reports) turned
into the trainer's events, so that the rest of the search sees an ordinary trial."""

from tunestudio.search.program.files import TrialFiles, programs_dir
from tunestudio.search.program.fit import DEVICE, fit_program

__all__ = ["DEVICE", "TrialFiles", "fit_program", "programs_dir"]
