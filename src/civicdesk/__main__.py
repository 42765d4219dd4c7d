"""`python -m civicdesk` is the `civicdesk` command."""

import sys

from civicdesk.cli import main

sys.exit(main())
