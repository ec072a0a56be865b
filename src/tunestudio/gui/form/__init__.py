"""Editors generated from the pydantic config models: one spec per field, one editor per spec."""
