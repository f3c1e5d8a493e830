"""Parameters and networks on disk, without pickle.

* :func:`parameter_shapes`: the shapes of W[l], b[l] for ``layer_dims`` (lecture 4.4), keyed the
  course's way (``"W1"``, ``"b1"``, ...).
* :func:`save_parameters` / :func:`load_parameters`: the parameters in a ``.npz`` file, checked
  against expected shapes when asked.
* :func:`save_network` / :func:`load_network`: a whole :class:`~tinygrad_edu.nn.DeepNetwork`: its
  parameters in ``PARAMS.npz`` and what it was (activations, data set, split, settings) in the
  JSON sidecar ``PARAMS.json`` beside it (:func:`sidecar_path`). This is what ``tinygrad-edu train
  --save`` writes and ``tinygrad-edu predict`` reads.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ShapeError, message
from ..lecture import check_layer_dims, key, layer_activations, parameter_keys, parameters_layer_dims
from ..nn import DeepNetwork
from ..tensor import Tensor
from .dataset import PathLike
from .reading import existing_file, read_npz

__all__ = ["parameter_shapes", "save_parameters", "load_parameters", "sidecar_path", "save_network", "load_network"]

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
    needs pickle to load. Returns the path written."""
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
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def load_parameters(
    path: PathLike, expected_shapes: Mapping[str, Sequence[int]] | Sequence[int] | None = None
) -> dict[str, np.ndarray]:
    """Read parameters written by :func:`save_parameters` (``np.load(..., allow_pickle=False)``).

    ``expected_shapes`` is either a mapping ``{"W1": (n[1], n[0]), ...}`` or a ``layer_dims``
    list (turned into one by :func:`parameter_shapes`). Then every expected entry must be in the
    file with exactly that shape, and the file may hold nothing else; otherwise the error names
    the file and the missing, extra or mis-shaped entry. Returns ``{name: array}`` in file order.
    """
    path = existing_file(Path(path), "load_parameters", "file", "give the path of a .npz file")
    params = read_npz(path, "load_parameters", "parameters")
    if expected_shapes is None:
        return params
    if not isinstance(expected_shapes, Mapping):
        expected_shapes = parameter_shapes(expected_shapes)
    expected = {k: tuple(int(n) for n in s) for k, s in expected_shapes.items()}
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(message("load_parameters", f"{str(path)!r} has no {', '.join(map(repr, missing))} "
                                                    f"(it has: {', '.join(params) or 'nothing'})", _WHICH_DIMS))
    extra = [k for k in params if k not in expected]
    if extra:
        raise ValueError(message("load_parameters", f"{str(path)!r} holds unexpected {', '.join(map(repr, extra))} "
                                                    f"(expected only: {', '.join(expected)})", _WHICH_DIMS))
    for name, shape in expected.items():
        if params[name].shape != shape:
            raise ShapeError(message("load_parameters", f"{name!r} in {str(path)!r} has shape {params[name].shape}, "
                                                        f"expected {shape}",
                                     "W[l] is (n[l], n[l-1]) and b[l] is (n[l], 1)"))
    return params


def sidecar_path(params_path: PathLike) -> Path:
    """``params.npz`` -> ``params.json``: where :func:`save_network` says what the network was."""
    return Path(params_path).with_suffix(".json")


def save_network(path: PathLike, net: DeepNetwork, meta: Mapping[str, Any]) -> list[Path]:
    """Write ``net``'s parameters W1, b1, ..., WL, bL to the ``.npz`` file ``path`` and ``meta``
    (JSON-serialisable: layer_dims, activations, data set, settings...) to its sidecar
    :func:`sidecar_path`. Creates the folder if needed; returns the two paths written."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise ValueError(message("save_network", f"{str(path)!r}: the parameters file must end in .npz (e.g. "
                                                 "params.npz)", "a .json with the same name is written beside it"))
    path.parent.mkdir(parents=True, exist_ok=True)
    save_parameters(path, net.to_parameters())
    side = sidecar_path(path)
    side.write_text(json.dumps(dict(meta), indent=2) + "\n", encoding="utf-8")
    return [path, side]


def _read_sidecar(side: Path) -> dict[str, Any]:
    """The sidecar's settings, or {} when there is none."""
    if not side.is_file():
        return {}
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(message("load_network", f"{str(side)!r} is not valid JSON ({e})")) from e
    if not isinstance(meta, dict):
        raise ValueError(message("load_network", f"{str(side)!r} must hold a JSON object of settings, got "
                                                 f"{type(meta).__name__}"))
    return meta


def load_network(path: PathLike, activations: Sequence[str] | None = None) -> tuple[DeepNetwork, dict[str, Any]]:
    """A :class:`~tinygrad_edu.nn.DeepNetwork` from a .npz of W1, b1, ..., WL, bL (other entries are
    ignored) and, if present, its JSON sidecar. The activations are ``activations`` if given, else
    the sidecar's, else relu hidden layers and a sigmoid output. Returns ``(net, meta)``: the
    sidecar's settings with ``layer_dims`` and ``activations`` filled in."""
    path = Path(path)
    params = load_parameters(path)
    dims = parameters_layer_dims(params, f"load_network: parameters in {str(path)!r}")
    meta = _read_sidecar(sidecar_path(path))
    L = len(dims) - 1
    acts = layer_activations(L, activations=activations or meta.get("activations"),
                             where=f"load_network: the network in {str(path)!r}")
    net = DeepNetwork.from_parameters({k: params[k] for k in parameter_keys(L)}, activations=acts)
    meta.setdefault("layer_dims", dims)
    meta["activations"] = list(acts)
    return net, meta
