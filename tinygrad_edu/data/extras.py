"""The optional packages of the ``data`` extra (scikit-learn, h5py), imported only when a loader
needs them, with an ImportError that says what to install when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import message

__all__ = ["EXTRA_HINT", "require"]

#: how to install the data extra
EXTRA_HINT = 'pip install "tinygrad-edu[data]"'


def require(module: str, package: str, user: str) -> ModuleType:
    """``import module`` for the function ``user``, or an ImportError naming the missing
    ``package`` and the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(message(user, f"the optional package {package!r} is not installed",
                                  f"install it with: {EXTRA_HINT}")) from e
