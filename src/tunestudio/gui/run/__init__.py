"""Runs: the run model every view subscribes to, the worker thread, the status line, the
devices and the live curves."""
