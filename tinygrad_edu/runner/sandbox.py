"""Where the platform allows it (Linux 5.13 or later with Landlock enabled), the child confines
itself before it imports the learner's code: it may write only inside its scratch folder (and to
``/dev/null``), may open no TCP connection (Linux 6.7+), and may send no signal to a process
outside its own sandbox (Linux 6.12+: it cannot kill the grader). Reading is not restricted
(numpy, the learner's own helper modules). Landlock needs no privileges; a restriction, once
made, holds for the process and everything it starts and cannot be lifted, not even by root.

:func:`confine` returns what it could apply (``"landlock abi 6: writes, network, signals"``), or
why not (``"none: Landlock is not available"``); the child reports it and the parent shows it
in the outcome. Nothing else changes when it is not available: the limits of :mod:`.limits`
and the parent's timeout still hold.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

__all__ = ["confine"]

# the syscall numbers are the same on every architecture that has Landlock (the generic table)
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# filesystem rights that change something (reading and executing are left alone), by ABI version
_WRITE_FILE = 1 << 1
_WRITES_V1 = _WRITE_FILE | sum(1 << b for b in range(4, 13))  # remove dir/file, make char/dir/reg/sock/...
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _writes(abi: int) -> int:
    return _WRITES_V1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)


def confine(scratch: str) -> str:
    """Confine this process (see the module docstring); returns what was applied, or why not."""
    if sys.platform != "linux":
        return f"none: Landlock is Linux's ({platform.system()} here)"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return "none: no syscall interface"
    if abi < 1:
        return "none: Landlock is not available in this kernel"
    fs = _writes(abi)
    attr = _RulesetAttr(fs, _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"none: landlock_create_ruleset failed ({os.strerror(ctypes.get_errno())})"
    try:
        for path, allowed in ((scratch, fs), ("/dev/null", _WRITE_FILE | (_TRUNCATE if abi >= 3 else 0))):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(allowed, fd)
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                    return f"none: landlock_add_rule failed for {path} ({os.strerror(ctypes.get_errno())})"
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0:
            return f"none: no_new_privs failed ({os.strerror(ctypes.get_errno())})"
        if libc.syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) < 0:
            return f"none: landlock_restrict_self failed ({os.strerror(ctypes.get_errno())})"
    finally:
        os.close(ruleset)
    what = ["writes outside the scratch folder"] + (["TCP"] if abi >= 4 else []) + (["signals"] if abi >= 6 else [])
    return f"landlock abi {abi}: no {', no '.join(what)}"
