"""``python -m wellbeing.cli``: the ``wellbeing`` command."""

import sys

from wellbeing.cli.main import main

sys.exit(main())
