"""The optional packages of the ``data`` extra (scikit-learn, h5py), imported only when a loader
needs them, with an ImportError that says what to install when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import missing_extra

__all__ = ["require"]



def require(module: str, package: str, user: str) -> ModuleType:
    """``import module`` for the function ``user``, or an ImportError naming the missing
    ``package`` and the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(missing_extra(user, package, "data")) from e
