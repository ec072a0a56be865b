"""Training curves: the live view of the running trial, compared trials overlaid, export."""
