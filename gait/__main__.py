"""``python -m gait`` runs the CLI."""

import sys

from gait.cli import main

sys.exit(main())
