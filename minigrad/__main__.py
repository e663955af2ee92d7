"""``python -m minigrad ...`` runs the command line (see minigrad/cli.py)."""
from .cli import main

raise SystemExit(main())
