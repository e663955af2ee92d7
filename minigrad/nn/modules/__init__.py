"""nn modules."""
