"""The limits a learner's code runs under in its own process, and how they are applied.

* ``timeout``: wall-clock seconds, the start of the process and the import of the learner's file
  included. Enforced from outside: the parent kills the child's whole process group when it
  expires. A CPU-time limit of the same length (plus a second) is set inside as well.
* ``memory_mb``: the child's address space (``RLIMIT_AS``); an allocation beyond it fails with
  MemoryError inside the child, which is reported as ``"memory"``.
* ``output_kb``: how much of what the code prints is kept (the rest is read and counted, so a
  flood of output neither blocks the child nor fills the parent's memory).
* ``file_mb``: the largest file the code may write (``RLIMIT_FSIZE``).

The limits are set by the child itself (:func:`apply`) before it imports the learner's file, so
they hold for everything the learner's code does. They are POSIX resource limits: on a system
without them (Windows) only the timeout and the output limit hold, and a process running as root
could lift its own resource limits (the timeout, enforced by the parent, still holds).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import message

__all__ = ["Limits", "apply"]


@dataclass(frozen=True)
class Limits:
    """See the module docstring. The defaults suit the lecture's networks with room to spare."""

    timeout: float = 20.0
    memory_mb: int = 1024
    output_kb: int = 64
    file_mb: int = 256

    def __post_init__(self) -> None:
        for name, low in (("timeout", 0.1), ("memory_mb", 64), ("output_kb", 1), ("file_mb", 1)):
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or value < low:
                raise ValueError(message("Limits", f"{name} must be a number of at least {low}, got {value!r}",
                                         "e.g. Limits(timeout=20, memory_mb=1024)"))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def apply(limits: dict[str, Any]) -> None:
    """Inside the child, before the learner's code: set the CPU-time, address-space and file-size
    limits (where the platform has them) and no core dumps."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    cpu = int(math.ceil(float(limits["timeout"]))) + 1
    wanted = [(resource.RLIMIT_CPU, cpu, cpu + 1),
              (resource.RLIMIT_FSIZE, int(limits["file_mb"]) * 2**20, None),
              (resource.RLIMIT_CORE, 0, None)]
    if hasattr(resource, "RLIMIT_AS"):
        wanted.append((resource.RLIMIT_AS, int(limits["memory_mb"]) * 2**20, None))
    for which, soft, hard in wanted:
        _, current_hard = resource.getrlimit(which)
        hard = soft if hard is None else hard
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))
