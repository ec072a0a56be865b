"""The trials table: a sortable, filterable model of an experiment's trials kept current by
polling the store, and the actions on selected trials."""
