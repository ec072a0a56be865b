"""Analysis of an experiment: history, parallel coordinates, slices, contour, importance and
the batch-size view."""
