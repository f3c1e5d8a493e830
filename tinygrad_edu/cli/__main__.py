"""``python -m tinygrad_edu.cli COMMAND``: the same as ``tinygrad-edu COMMAND``."""

import sys

from . import main

sys.exit(main())
