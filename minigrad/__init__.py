"""minigrad: a small, readable reverse-mode autograd engine."""
