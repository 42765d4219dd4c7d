"""`python -m civicdesk` is the `civicdesk` command."""

import sys

from civicdesk.platform.cli import main

sys.exit(main())
