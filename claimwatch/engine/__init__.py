"""Execution engines: `local` runs the pipeline on this machine."""
