"""The data sets that ship with TuneStudio: scikit-learn's bundled sets (read from the installed
package, no download) and generated ones, whose samples are fixed by the split seed so that a
project always sees the same data. scikit-learn is imported when a set is loaded (about 2 s of
CPU with SciPy behind it): a run whose splits are in the disk cache (engine.split_cache) never
imports it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tunestudio.config import BuiltinData
from tunestudio.engine.dataset import RawData


def load_builtin(source: BuiltinData, seed: int) -> RawData:
    """The built-in data set `source` names, as RawData (`seed`: the split seed, which fixes
    the samples of the generated sets)."""
    return _LOADERS[source.name](source, seed)


def _bundled(loader: str, task: str, image: bool = False
             ) -> Callable[[BuiltinData, int], RawData]:
    """A loader of one of scikit-learn's bundled sets, `loader` naming its function in
    sklearn.datasets."""
    def load(source: BuiltinData, seed: int) -> RawData:
        from sklearn import datasets as skd

        bunch: object = getattr(skd, loader)()
        x = np.asarray(bunch.data, dtype=np.float32)  # type: ignore[attr-defined]
        y = np.asarray(bunch.target)  # type: ignore[attr-defined]
        names = getattr(bunch, "feature_names", None)
        features = tuple(str(f) for f in names) if names is not None else None
        if image:
            x = x.reshape(len(x), 1, 8, 8)
            features = None
        if task == "classification":
            names = tuple(str(n) for n in bunch.target_names)  # type: ignore[attr-defined]
            return RawData(x, y.astype(np.int64), "classification", names, features)
        return RawData(x, y.astype(np.float32), "regression", None, features)

    return load


def _moons(source: BuiltinData, seed: int) -> RawData:
    from sklearn import datasets as skd

    x, y = skd.make_moons(n_samples=source.n_samples, noise=source.noise, random_state=seed)
    return RawData(x.astype(np.float32), y.astype(np.int64), "classification",
                   ("upper moon", "lower moon"), ("x1", "x2"))


def _spirals(source: BuiltinData, seed: int) -> RawData:
    """Two interleaved spirals: not linearly separable, so depth and width visibly matter."""
    rng = np.random.default_rng(seed)
    per_class = source.n_samples // 2
    sizes = (per_class, source.n_samples - per_class)
    xs, ys = [], []
    for label, count in enumerate(sizes):
        t = np.sqrt(rng.uniform(0.0, 1.0, count)) * 3 * np.pi
        angle = t + label * np.pi
        points = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (3 * np.pi)
        xs.append(points + rng.normal(0.0, source.noise / 4, points.shape))
        ys.append(np.full(count, label))
    return RawData(np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64),
                   "classification", ("spiral A", "spiral B"), ("x1", "x2"))


def _friedman(source: BuiltinData, seed: int) -> RawData:
    from sklearn import datasets as skd

    x, y = skd.make_friedman1(n_samples=source.n_samples, n_features=10, noise=source.noise,
                              random_state=seed)
    return RawData(x.astype(np.float32), y.astype(np.float32), "regression", None,
                   tuple(f"x{i + 1}" for i in range(10)))


_LOADERS: dict[str, Callable[[BuiltinData, int], RawData]] = {
    "digits": _bundled("load_digits", "classification", image=True),
    "iris": _bundled("load_iris", "classification"),
    "wine": _bundled("load_wine", "classification"),
    "breast_cancer": _bundled("load_breast_cancer", "classification"),
    "diabetes": _bundled("load_diabetes", "regression"),
    "moons": _moons,
    "spirals": _spirals,
    "friedman": _friedman,
}
