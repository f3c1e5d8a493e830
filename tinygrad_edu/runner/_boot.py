"""The entry point of the learner's processes: ``python -I -B -u _boot.py child SCRATCH`` (one
learner's run, :mod:`.child`) or ``... _boot.py zygote FD`` (the fork server, :mod:`.zygote`).

Run as a script, not with ``-m``: its own folder is taken off ``sys.path`` (so that the runner's
module names never shadow a learner's module of the same name) and the package is imported from
the folder that holds it, installed or not.
"""

import os
import sys
from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(os.path.dirname(_HERE)))  # the folder holding tinygrad_edu

if sys.argv[1] == "child":
    from tinygrad_edu.runner.child import main

    main(Path(sys.argv[2]))
else:
    from tinygrad_edu.runner.zygote import serve

    serve(int(sys.argv[2]))
