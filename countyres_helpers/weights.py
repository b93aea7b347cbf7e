"""Spatial weights for county polygons, built on libpysal's ``Graph``.

Weights are built from the rows of a GeoDataFrame indexed by county code, so the
graph's ids are those codes and its order is the frame's order. ``check_alignment``
rejects data whose codes do not match a graph, row for row.

Island policy: a county with no contiguous neighbour (an offshore county such as
Changhai, Daishan or Nan'ao) is linked to its nearest county by centroid distance, in
both directions, before row-standardisation. The islands are returned so that pages
can name them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal import graph

from countyres_helpers.data.sources import CACHE_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Weights:
    """A row-standardised spatial graph and how it was built.

    Attributes
    ----------
    graph : libpysal.graph.Graph
        Row-standardised graph whose ids are the county codes.
    kind : str
        ``"queen"``, ``"rook"`` or ``"knn"``.
    islands : list of str
        Codes that had no contiguous neighbour and were linked to their nearest county.
    """

    graph: graph.Graph
    kind: str
    islands: list

    @cached_property
    def w(self):
        """The same weights as a ``libpysal.weights.W``, for spreg, esda and mgwr.

        Built once per object, because ``Graph.to_W`` takes about 0.1 s on all counties.
        """
        return self.graph.to_W()

    def summary(self) -> str:
        """Return a one-line description of the weights."""
        cardinalities = self.graph.cardinalities
        return (
            f"{self.kind} weights on {self.graph.n} counties, row-standardised; "
            f"neighbours per county: mean {cardinalities.mean():.2f}, "
            f"min {cardinalities.min()}, max {cardinalities.max()}; "
            f"islands linked to their nearest county: {len(self.islands)}; "
            f"connected components: {self.graph.n_components}"
        )


def geometry_key(frame: gpd.GeoDataFrame, kind: str) -> str:
    """Return a short hash of the codes, geometries and weights kind, for the cache."""
    digest = hashlib.sha256(kind.encode())
    digest.update("|".join(frame.index.astype(str)).encode())
    for blob in frame.geometry.to_wkb():
        digest.update(blob)
    return digest.hexdigest()[:16]


def contiguity_adjacency(frame: gpd.GeoDataFrame, rook: bool) -> pd.Series:
    """Return the binary contiguity adjacency of ``frame``, cached on its geometry."""
    kind = "rook" if rook else "queen"
    path = CACHE_DIR / "weights" / f"{kind}-{geometry_key(frame, kind)}.parquet"
    if path.is_file():
        table = pd.read_parquet(path)
        return table.set_index(["focal", "neighbor"])["weight"]

    contiguity = graph.Graph.build_contiguity(frame, rook=rook, strict=False)
    adjacency = contiguity.adjacency
    path.parent.mkdir(parents=True, exist_ok=True)
    adjacency.reset_index().to_parquet(path)
    log.info("cached %s adjacency of %d counties at %s", kind, frame.shape[0], path)
    return adjacency


def link_islands(adjacency: pd.Series, frame: gpd.GeoDataFrame) -> tuple[pd.Series, list]:
    """Link each county without neighbours to its nearest county, in both directions."""
    focal = adjacency.index.get_level_values("focal")
    neighbor = adjacency.index.get_level_values("neighbor")
    has_links = set(focal[(focal != neighbor) & (adjacency.to_numpy() > 0)])
    islands = [code for code in frame.index if code not in has_links]
    if not islands:
        return adjacency, []

    centroids = frame.geometry.centroid
    pairs = []
    for code in islands:
        distance = centroids.distance(centroids[code]).drop(code)
        nearest = distance.idxmin()
        pairs.extend([(code, nearest), (nearest, code)])

    links = adjacency[(focal != neighbor) & (adjacency.to_numpy() > 0)]
    extra = pd.Series(
        1.0, index=pd.MultiIndex.from_tuples(pairs, names=["focal", "neighbor"]), name="weight"
    )
    combined = pd.concat([links, extra])
    combined = combined[~combined.index.duplicated()]
    return combined, islands


def contiguity_weights(frame: gpd.GeoDataFrame, *, rook: bool = False) -> Weights:
    """Build row-standardised queen (or rook) contiguity weights with the island policy.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Counties indexed by code, in a projected CRS.
    rook : bool
        Use rook (shared edge) in place of queen (shared edge or vertex) contiguity.
    """
    require_projected(frame)
    adjacency = contiguity_adjacency(frame, rook)
    adjacency, islands = link_islands(adjacency, frame)

    binary = graph.Graph.from_adjacency(adjacency.reset_index(), "focal", "neighbor", "weight")
    ordered = reorder(binary, frame.index)
    return Weights(ordered.transform("r"), "rook" if rook else "queen", islands)


def knn_weights(frame: gpd.GeoDataFrame, k: int = 6) -> Weights:
    """Build row-standardised k-nearest-neighbour weights on county centroids."""
    require_projected(frame)
    if not 0 < k < len(frame):
        raise ValueError(f"k must be between 1 and {len(frame) - 1}, got {k}.")
    centroids = frame.geometry.centroid
    knn = graph.Graph.build_knn(centroids, k=k)
    return Weights(reorder(knn, frame.index).transform("r"), "knn", [])


def reorder(weights: graph.Graph, codes: pd.Index) -> graph.Graph:
    """Return the graph with its ids in the order of ``codes``."""
    adjacency = weights.adjacency.reset_index()
    order = {code: position for position, code in enumerate(codes)}
    adjacency["rank"] = adjacency["focal"].map(order)
    adjacency = adjacency.sort_values(["rank", "neighbor"], kind="stable").drop(columns="rank")
    rebuilt = graph.Graph.from_adjacency(adjacency, "focal", "neighbor", "weight")
    if list(rebuilt.unique_ids) != list(codes):
        raise ValueError("Graph ids do not cover the county codes; rebuild the weights.")
    return rebuilt


def require_projected(frame: gpd.GeoDataFrame) -> None:
    """Raise ValueError unless ``frame`` is in a projected CRS (metres, not degrees)."""
    if frame.crs is None or not frame.crs.is_projected:
        raise ValueError(
            f"Counties are in {frame.crs}, not a projected CRS; project them first, for "
            "example with frame.to_crs(CHINA_ALBERS)."
        )


def check_alignment(values: pd.Series | pd.DataFrame, weights: Weights) -> None:
    """Raise ValueError unless the rows of ``values`` are the graph's ids in its order."""
    ids = pd.Index(weights.graph.unique_ids)
    index = pd.Index(values.index)
    if len(index) != len(ids):
        raise ValueError(
            f"Data have {len(index)} rows but the weights have {len(ids)} counties; "
            "build the weights from the same rows."
        )
    mismatch = np.flatnonzero(index.astype(str) != ids.astype(str))
    if mismatch.size:
        first = mismatch[0]
        raise ValueError(
            f"Row {first} of the data is county {index[first]!r} but the weights expect "
            f"{ids[first]!r}; join on county code and build the weights from that frame."
        )
