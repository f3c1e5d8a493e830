"""Parameters and networks on disk, without pickle.

* :func:`parameter_shapes`: the shapes of W[l], b[l] for ``layer_dims`` (lecture 4.4), keyed the
  course's way (``"W1"``, ``"b1"``, ...).
* :func:`save_parameters` / :func:`load_parameters`: the parameters in a ``.npz`` file, checked
  against expected shapes when asked.
* :func:`save_network` / :func:`load_network`: a whole :class:`~tinygrad_edu.nn.DeepNetwork`: its
  parameters in ``PARAMS.npz`` and what it was (activations, data set, split, settings) in the
  JSON sidecar ``PARAMS.json`` beside it (:func:`sidecar_path`), marked ``"written_by":
  "tinygrad-edu"`` with the SHA-256 of the .npz it describes (checked on load: a stale sidecar is
  an error, never silently used). This is what ``tinygrad-edu train --save`` writes and
  ``tinygrad-edu predict`` reads.

Files are written atomically (:mod:`tinygrad_edu.files`); what a file declares (shapes, size) is
checked before any array is read.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ShapeError, message
from ..files import WRITTEN_BY, atomic_group, atomic_open, atomic_write, check_output, sha256_file
from ..lecture import check_layer_dims, key, layer_activations, parameter_keys, parameters_layer_dims
from ..nn import DeepNetwork
from ..tensor import Tensor
from .dataset import PathLike
from .reading import DEFAULT_MAX_DATA_MB, Declared, existing_file, read_npz, stand_in

__all__ = ["parameter_shapes", "save_parameters", "load_parameters", "sidecar_path", "network_paths", "save_network",
           "load_network"]

_WHICH_DIMS = "was it saved for other layer_dims?"


def parameter_shapes(layer_dims: Sequence[int]) -> dict[str, tuple[int, int]]:
    """The shapes of the parameters for ``layer_dims = [n[0], ..., n[L]]`` (lecture 4.4), keyed
    the course's way: ``"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "bL": (n[L], 1)``."""
    dims = check_layer_dims(layer_dims, "parameter_shapes")
    shapes: dict[str, tuple[int, int]] = {}
    for l in range(1, len(dims)):
        shapes[key("W", l)] = (dims[l], dims[l - 1])  # W[l]: (n[l], n[l-1])
        shapes[key("b", l)] = (dims[l], 1)  # b[l]: (n[l], 1)
    return shapes


def save_parameters(path: PathLike, params: Mapping[str, np.ndarray | Tensor]) -> Path:
    """Write the parameters (e.g. ``{"W1": W1, "b1": b1, ...}``, arrays or Tensors) to the
    ``.npz`` file ``path`` exactly (no suffix is added). Numeric arrays only, so the file never
    needs pickle to load. The file is written atomically (:func:`tinygrad_edu.files.atomic_open`):
    complete or not at all. Returns the path written."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name:
            raise ValueError(message("save_parameters", f"parameter names must be non-empty strings, got {name!r}"))
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise TypeError(message("save_parameters", f"{name!r} has dtype {array.dtype}; only numeric arrays can "
                                                       "be saved without pickle"))
        arrays[name] = array
    if not arrays:
        raise ValueError(message("save_parameters", "no parameters given"))
    # what np.savez writes (a zip of .npy members, stored), in `with` blocks: an interrupt part-way
    # closes the archive at once, and the temporary file is removed
    with atomic_open(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return path


def _check_expected(path: Path, shapes: Mapping[str, tuple[int, ...]], expected: Mapping[str, tuple[int, ...]]) -> None:
    """Every expected entry in the file with exactly its shape, and nothing else."""
    missing = [k for k in expected if k not in shapes]
    if missing:
        raise ValueError(message("load_parameters", f"{str(path)!r} has no {', '.join(map(repr, missing))} "
                                                    f"(it has: {', '.join(shapes) or 'nothing'})", _WHICH_DIMS))
    extra = [k for k in shapes if k not in expected]
    if extra:
        raise ValueError(message("load_parameters", f"{str(path)!r} holds unexpected {', '.join(map(repr, extra))} "
                                                    f"(expected only: {', '.join(expected)})", _WHICH_DIMS))
    for name, shape in expected.items():
        if shapes[name] != shape:
            raise ShapeError(message("load_parameters", f"{name!r} in {str(path)!r} has shape {shapes[name]}, "
                                                        f"expected {shape}",
                                     "W[l] is (n[l], n[l-1]) and b[l] is (n[l], 1)"))


def _read_parameters(path: PathLike, max_data_mb: float | None,
                     check: Callable[[dict[str, Declared]], None] | None = None) -> dict[str, np.ndarray]:
    path = existing_file(Path(path), "load_parameters", "file", "give the path of a .npz file")
    return read_npz(path, "load_parameters", "parameters", max_data_mb, check)


def load_parameters(
    path: PathLike, expected_shapes: Mapping[str, Sequence[int]] | Sequence[int] | None = None,
    max_data_mb: float | None = DEFAULT_MAX_DATA_MB,
) -> dict[str, np.ndarray]:
    """Read parameters written by :func:`save_parameters` (``np.load(..., allow_pickle=False)``).

    ``expected_shapes`` is either a mapping ``{"W1": (n[1], n[0]), ...}`` or a ``layer_dims``
    list (turned into one by :func:`parameter_shapes`). Then every expected entry must be in the
    file with exactly that shape, and the file may hold nothing else; otherwise the error names
    the file and the missing, extra or mis-shaped entry. The shapes are checked, and the total
    against ``max_data_mb`` MB of float64 (None: no limit), from the arrays' headers BEFORE any
    array is read. Returns ``{name: array}`` in file order.
    """
    path = Path(path)
    expected = None
    if expected_shapes is not None:
        if not isinstance(expected_shapes, Mapping):
            expected_shapes = parameter_shapes(expected_shapes)
        expected = {k: tuple(int(n) for n in s) for k, s in expected_shapes.items()}

    def check(declared: dict[str, Declared]) -> None:
        if expected is not None:
            _check_expected(path, {k: s for k, (s, _) in declared.items()}, expected)

    return _read_parameters(path, max_data_mb, check)


def sidecar_path(params_path: PathLike) -> Path:
    """``params.npz`` -> ``params.json``: where :func:`save_network` says what the network was."""
    return Path(params_path).with_suffix(".json")


def network_paths(path: PathLike, where: str = "save_network") -> tuple[Path, Path]:
    """The two files of a saved network: ``path`` (which must end in .npz) and its sidecar."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise ValueError(message(where, f"{str(path)!r}: the parameters file must end in .npz (e.g. "
                                        "params.npz)", "a .json with the same name is written beside it"))
    return path, sidecar_path(path)


def save_network(path: PathLike, net: DeepNetwork, meta: Mapping[str, Any], force: bool = False) -> list[Path]:
    """Write ``net``'s parameters W1, b1, ..., WL, bL to the ``.npz`` file ``path`` and ``meta``
    (JSON-serialisable: layer_dims, activations, data set, settings...) to its sidecar
    :func:`sidecar_path`, marked ``"written_by": "tinygrad-edu"`` with the SHA-256 of the .npz
    (``params_sha256``: :func:`load_network` checks it). Creates the folder if needed; returns the
    two paths written. Both files are written in full before either replaces an older one
    (:func:`tinygrad_edu.files.atomic_group`). An existing file of either name is replaced
    only if the package wrote it and it is unchanged since (:func:`tinygrad_edu.files.is_own`), or
    with ``force=True``; a FileExistsError says what was refused."""
    path, side = network_paths(path)
    for p, what in ((path, "the parameters file"), (side, "the network's sidecar")):
        check_output(p, what, force=force, how="force=True")
    try:
        json.dumps(dict(meta))
    except (TypeError, ValueError) as e:
        raise TypeError(message("save_network", f"meta must be JSON-serialisable: {e}")) from e
    with atomic_group() as group:  # both written in full, then renamed into place together
        save_parameters(path, net.to_parameters())
        content = {**meta, "written_by": WRITTEN_BY, "params_sha256": group.sha256(path)}
        content["settings_sha256"] = _settings_digest(content)
        atomic_write(side, json.dumps(content, indent=2) + "\n")
    return [path, side]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


#: what each field of a sidecar must be, when it is there
_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "layer_dims": (lambda v: isinstance(v, list) and all(_is_int(n) and n > 0 for n in v),
                   "a list of positive integers"),
    "activations": (lambda v: isinstance(v, list) and all(isinstance(a, str) for a in v), "a list of activation names"),
    "dataset": (lambda v: isinstance(v, str), "a data set name or file path"),
    "dataset_options": (lambda v: isinstance(v, dict), "an object of data set options"),
    "dataset_sha256": (lambda v: isinstance(v, list) and all(isinstance(h, str) for h in v), "a list of SHA-256 "
                                                                                             "digests"),
    "split_seed": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "test_fraction": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1,
                      "a number between 0 and 1"),
    "params_sha256": (lambda v: isinstance(v, str), "a SHA-256 digest"),
    "settings_sha256": (lambda v: isinstance(v, str), "a SHA-256 digest"),
}


def _settings_digest(meta: Mapping[str, Any]) -> str:
    """The SHA-256 of a sidecar's settings (every field but this digest), as canonical JSON: what
    save_network wrote, so that an edit (activations changed by hand) is found."""
    fields = {k: v for k, v in meta.items() if k != "settings_sha256"}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()
_SIDECAR_MAX_BYTES = 10_000_000


def _read_sidecar(side: Path) -> dict[str, Any]:
    """The sidecar's settings, or {} when there is none; every field it has is checked (see _FIELDS)."""
    if not side.exists() and not side.is_symlink():
        return {}
    existing_file(side, "load_network", "sidecar", "a saved network's sidecar is a .json file")
    if side.stat().st_size > _SIDECAR_MAX_BYTES:
        raise ValueError(message("load_network", f"{str(side)!r} is too large for a network's sidecar "
                                                 f"({side.stat().st_size:,} bytes)"))
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(message("load_network", f"{str(side)!r} is not valid JSON ({e})")) from e
    if not isinstance(meta, dict):
        raise ValueError(message("load_network", f"{str(side)!r} must hold a JSON object of settings, got "
                                                 f"{type(meta).__name__}", "it is written by save_network and "
                                                                           "'tinygrad-edu train --save'"))
    for name, (ok, what) in _FIELDS.items():
        if name in meta and not ok(meta[name]):
            raise ValueError(message("load_network", f"{str(side)!r}: {name!r} must be {what}, got {meta[name]!r}",
                                     "was it edited? Write it again with 'tinygrad-edu train --save', or correct it"))
    return meta


def _check_sidecar(path: Path, side: Path, meta: Mapping[str, Any], declared: dict[str, Declared]) -> None:
    """The sidecar describes these parameters: the SHA-256 it recorded is the file's, and its
    layer_dims are the arrays' (read off the declared shapes, before any array is read)."""
    recorded = meta.get("params_sha256")
    if recorded is not None and recorded != sha256_file(path):
        raise ValueError(message("load_network", f"{str(side)!r} does not describe {str(path)!r}: it records the "
                                                 "SHA-256 of another parameters file (a sidecar left from another run, "
                                                 "or parameters replaced since)",
                                 "use the .json written with this .npz, or delete the stale .json and give the "
                                 "activations yourself"))
    dims = parameters_layer_dims({k: stand_in(d) for k, d in declared.items()},
                                 f"load_network: parameters in {str(path)!r}")
    if "layer_dims" in meta and list(meta["layer_dims"]) != dims:
        raise ValueError(message("load_network", f"{str(side)!r} says layer_dims = {meta['layer_dims']}, but the "
                                                 f"parameters in {str(path)!r} have layer_dims = {dims}",
                                 "the .json belongs to another network: use the one written with this .npz"))


def load_network(path: PathLike, activations: Sequence[str] | None = None,
                 max_data_mb: float | None = DEFAULT_MAX_DATA_MB) -> tuple[DeepNetwork, dict[str, Any]]:
    """A :class:`~tinygrad_edu.nn.DeepNetwork` from a .npz of W1, b1, ..., WL, bL (other entries are
    ignored) and, if present, its JSON sidecar. The activations are ``activations`` if given, else
    the sidecar's, else relu hidden layers and a sigmoid output. Returns ``(net, meta)``: the
    sidecar's settings with ``layer_dims`` and ``activations`` filled in.

    A sidecar that does not describe these parameters is an error naming both files: one that
    records another file's SHA-256 (``params_sha256``, written by :func:`save_network`), or other
    layer_dims, or a field of the wrong kind, or one edited since it was written (its
    ``settings_sha256`` no longer matches; given ``activations`` override the file's instead).
    Shapes and the size (``max_data_mb``, as in :func:`load_parameters`) are checked before any
    array is read."""
    path = existing_file(Path(path), "load_parameters", "file", "give the path of a .npz file")
    side = sidecar_path(path)
    meta = _read_sidecar(side)
    recorded = meta.get("settings_sha256")
    if recorded is not None and recorded != _settings_digest(meta) and not activations:
        raise ValueError(message("load_network", f"{str(side)!r} was edited since save_network wrote it: its "
                                                 "settings no longer match the digest it recorded",
                                 "write it again ('tinygrad-edu train --save'), or give the activations yourself "
                                 "(--activations), which then override the file's"))
    params = _read_parameters(path, max_data_mb, lambda declared: _check_sidecar(path, side, meta, declared))
    dims = parameters_layer_dims(params, f"load_network: parameters in {str(path)!r}")
    L = len(dims) - 1
    acts = layer_activations(L, activations=activations or meta.get("activations"),
                             where=f"load_network: the network in {str(path)!r}")
    net = DeepNetwork.from_parameters({k: params[k] for k in parameter_keys(L)}, activations=acts)
    meta.setdefault("layer_dims", dims)
    meta["activations"] = list(acts)
    return net, meta
