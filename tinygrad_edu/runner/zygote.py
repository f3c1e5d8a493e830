"""A fork server for the learner's processes: started once (``python -I -B -u _boot.py zygote
FD``, the same small environment as a child), it imports numpy and the runner, then forks one
child per run. A forked child skips the ~0.1 s that starting Python and importing numpy take,
which is what makes grading many submissions fast; it is otherwise the same child
(:func:`.child.main`: its own session, limits, sandbox, scratch folder).

The protocol, over a ``SOCK_SEQPACKET`` socket pair (one message per packet, JSON):

* parent -> server: ``{"id": k, "scratch": path}`` with the write end of the pipe the child's
  stdout and stderr go to (passed as a file descriptor);
* server -> parent: ``{"id": k, "pid": pid}`` once forked, and ``{"pid": pid, "returncode": rc}``
  when that child has ended (rc < 0: killed by signal -rc), as ``subprocess`` reports it.

The parent (:class:`Server`) kills a child that runs too long (its process group) itself; the
server forks and reaps. It is also the *subreaper* of everything its children start
(``PR_SET_CHILD_SUBREAPER``): a process a learner's code started that left the child's session
(``os.setsid()``) and outlived it is re-parented to the server, not to init, and the server kills
it at once (:func:`_kill_strays`). If the server ends (it should not), every run waiting on it is
reported as killed and the next run starts a new one.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["Server", "serve", "server"]

_BOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_boot.py")


# ----------------------------------------------------------------------------- the server process

_PR_SET_CHILD_SUBREAPER = 36
_SWEEP_SECONDS = 0.5  # how often the server looks for strays


def _become_subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux >= 3.4); False where it cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _my_children() -> list[int]:
    """The pids whose parent is this process (from /proc)."""
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == me:  # field 4, after "pid (comm) state"
                found.append(int(entry))
    return found


def _kill_strays(forked: set[int]) -> None:
    """SIGKILL every child of the server it did not fork: processes a learner's code started that
    outlived the run they belong to (re-parented here because the server is their subreaper)."""
    for pid in _my_children():
        if pid not in forked:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

def _become_child(request: dict[str, Any], fds: list[int], closing: list[int]) -> None:
    """In the forked process: a new session, stdout and stderr to the parent's pipe, then the run."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.dup2(fds[0], 1)
        os.dup2(fds[0], 2)
        for fd in [*fds, *closing]:
            os.close(fd)
        os.chdir(request["scratch"])
        os.environ["HOME"] = os.environ["TMPDIR"] = request["scratch"]
        import tempfile

        tempfile.tempdir = None
        from .child import main

        main(Path(request["scratch"]))
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(70)  # main ends the process itself; reaching here means the child itself failed


def serve(fd: int) -> None:
    """The server's loop: fork on each request, report each child's end; return when the parent
    closes its end of the socket."""
    sock = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    from . import child  # noqa: F401  (imported once here, inherited by every fork)

    subreaper = _become_subreaper()
    forked: set[int] = set()
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [], _SWEEP_SECONDS if subreaper else None)
        if subreaper:
            _kill_strays(forked)
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 4096):
                        break
                except BlockingIOError:
                    break
        if sock in ready:
            msg, fds, _, _ = socket.recv_fds(sock, 65536, 4)
            if not msg:  # the parent is done: nothing started from here outlives the server
                _kill_strays(set())
                return
            request = json.loads(msg)
            pid = os.fork()
            if pid == 0:
                _become_child(request, fds, [sock.fileno(), wake_r, wake_w])
            forked.add(pid)
            for f in fds:
                os.close(f)
            sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in forked:  # not a stray
                forked.discard(pid)
                sock.send(json.dumps({"pid": pid, "returncode": os.waitstatus_to_exitcode(status)}).encode())


# ----------------------------------------------------------------------------- the parent's side

class Server:
    """The parent's handle on one fork server (thread-safe: several runs may wait at once)."""

    def __init__(self, env: dict[str, str], cwd: str) -> None:
        parent, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = subprocess.Popen([sys.executable, "-I", "-B", "-u", _BOOT, "zygote", str(theirs.fileno())],
                                     pass_fds=[theirs.fileno()], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        theirs.close()
        self.sock = parent
        self.lock = threading.Lock()
        self.alive = True
        self.next_id = 0
        self.forked: dict[int, int | None] = {}  # request id -> pid (None: the server died)
        self.ended: dict[int, int | None] = {}  # pid -> returncode (None: the server died)
        self.changed = threading.Condition(self.lock)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                msg = self.sock.recv(65536)
            except OSError:
                msg = b""
            with self.lock:
                if not msg:
                    self.alive = False
                    self.changed.notify_all()
                    return
                d = json.loads(msg)
                if "id" in d:
                    self.forked[d["id"]] = d["pid"]
                else:
                    self.ended[d["pid"]] = d["returncode"]
                self.changed.notify_all()

    def start(self, scratch: str, out_fd: int) -> int | None:
        """Fork a child for ``scratch`` with stdout/stderr to ``out_fd``: its pid (None if the server died)."""
        with self.lock:
            if not self.alive:
                return None
            self.next_id += 1
            rid = self.next_id
            try:
                socket.send_fds(self.sock, [json.dumps({"id": rid, "scratch": scratch}).encode()], [out_fd])
            except OSError:
                self.alive = False
                return None
            while rid not in self.forked and self.alive:
                self.changed.wait()
            return self.forked.pop(rid, None)

    def wait(self, pid: int, timeout: float | None) -> tuple[bool, int | None]:
        """(ended, returncode) of child ``pid`` within ``timeout`` seconds (returncode None: unknown)."""
        with self.lock:
            self.changed.wait_for(lambda: pid in self.ended or not self.alive, timeout)
            if pid in self.ended:
                return True, self.ended.pop(pid)
            return (not self.alive), None

    def close(self) -> None:
        self.sock.close()
        self.proc.wait(timeout=5)


_SERVERS: dict[tuple[str, ...], Server] = {}
_SERVERS_LOCK = threading.Lock()


def server(env: dict[str, str], cwd: str) -> Server | None:
    """This process's fork server (started on first use, restarted if it died); None where fork
    is not the way to start processes (anything but Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    key = (str(os.getpid()),)
    with _SERVERS_LOCK:
        s = _SERVERS.get(key)
        if s is None or not s.alive:
            s = _SERVERS[key] = Server(env, cwd)
        return s
