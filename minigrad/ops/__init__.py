"""Ops: one module per family, Functions with forward and backward side by side."""
