"""The open project: new/open/save/close and recovery, the baseline and experiment editors."""
