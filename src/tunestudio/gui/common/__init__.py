"""What every feature shares: the project document, the trial selection, the history reads,
notifications, settings and background jobs."""
