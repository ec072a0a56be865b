"""The Qt application: windows, editors, table models and QThread workers.

The only package that imports Qt (PySide6, pyqtgraph, shiboken6). torch and optuna are
imported lazily, in worker threads or after the main window shows, so the window opens fast."""
