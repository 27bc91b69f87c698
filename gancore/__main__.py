"""`python -m gancore`: the command line (see gancore.cli)."""
import sys

from gancore.cli import main

sys.exit(main())
