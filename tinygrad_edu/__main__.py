"""``python -m tinygrad_edu COMMAND``: the same as ``tinygrad-edu COMMAND`` (see :mod:`tinygrad_edu.cli`)."""

import sys

from .cli import main

sys.exit(main())
