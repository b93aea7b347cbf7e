"""Spatial weights for county polygons, built on libpysal's ``Graph``.

Weights are built from the rows of a GeoDataFrame indexed by county code, so the
graph's ids are those codes and its order is the frame's order. ``check_alignment``
rejects data whose codes do not match a graph, row for row.

Island policy: a county with no contiguous neighbour (an offshore county such as
Changhai, Daishan or Nan'ao) is linked to its nearest county by centroid distance, in
both directions, before row-standardisation. The distance builders apply the same rule
to a county with no other centroid within the cut-off, with the inverse-distance weight
of that link. The islands are returned so that pages can name them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal import graph

from countyres_helpers.data.sources import CACHE_DIR

log = logging.getLogger(__name__)

# Tolerance of the coverage simplification before contiguity is built, as a share of the
# median county's side (the square root of its area): about 200 m on China's counties.
COVERAGE_TOLERANCE_SHARE = 0.005


@dataclass(frozen=True)
class Weights:
    """A row-standardised spatial graph and how it was built.

    Attributes
    ----------
    graph : libpysal.graph.Graph
        Row-standardised graph whose ids are the county codes.
    kind : str
        ``"queen"``, ``"rook"``, ``"knn"``, ``"distance"`` or ``"nested"``.
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
    key = geometry_key(frame, f"{kind}-coverage-{COVERAGE_TOLERANCE_SHARE:g}")
    path = CACHE_DIR / "weights" / f"{kind}-{key}.parquet"
    if path.is_file():
        table = pd.read_parquet(path)
        return table.set_index(["focal", "neighbor"])["weight"]

    contiguity = graph.Graph.build_contiguity(simplified(frame), rook=rook, strict=False)
    adjacency = contiguity.adjacency
    path.parent.mkdir(parents=True, exist_ok=True)
    adjacency.reset_index().to_parquet(path)
    log.info("cached %s adjacency of %d counties at %s", kind, frame.shape[0], path)
    return adjacency


def simplified(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Return the polygons simplified as a coverage, for a faster contiguity build.

    ``shapely.coverage_simplify`` keeps every shared edge shared, so neighbours stay
    neighbours. On all counties the tolerance is about 200 m, the vertex count falls
    from 4.2 to 1.0 million, and simplification plus contiguity takes about 7 s in
    place of 10 s. Only the weights use these shapes, and maps keep the originals.

    NOTE: GEOS documents that a layer that is not a valid coverage (overlaps, edges
    that do not match vertex for vertex) may come out with separated edges. A census
    test checks that the simplified and the original county boundaries give the same
    links.
    """
    side = np.sqrt(frame.geometry.area.median())
    shapes = shapely.coverage_simplify(
        frame.geometry.to_numpy(), COVERAGE_TOLERANCE_SHARE * side
    )
    return gpd.GeoSeries(shapes, index=frame.index, crs=frame.crs)


def link_islands(
    adjacency: pd.Series, frame: gpd.GeoDataFrame, *, alpha: float | None = None
) -> tuple[pd.Series, list]:
    """Link each county without neighbours to its nearest county, in both directions.

    The new links have weight 1, or d^alpha (d the centroid distance in metres) when
    ``alpha`` is given.
    """
    focal = adjacency.index.get_level_values("focal")
    neighbor = adjacency.index.get_level_values("neighbor")
    has_links = set(focal[(focal != neighbor) & (adjacency.to_numpy() > 0)])
    islands = [code for code in frame.index if code not in has_links]
    if not islands:
        return adjacency, []

    centroids = frame.geometry.centroid
    pairs = []
    values = []
    for code in islands:
        distance = centroids.distance(centroids[code]).drop(code)
        nearest = distance.idxmin()
        pairs.extend([(code, nearest), (nearest, code)])
        value = 1.0 if alpha is None else float(distance[nearest]) ** alpha
        values.extend([value, value])

    links = adjacency[(focal != neighbor) & (adjacency.to_numpy() > 0)]
    extra = pd.Series(
        values, index=pd.MultiIndex.from_tuples(pairs, names=["focal", "neighbor"]),
        name="weight",
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

    return standardised_weights(adjacency, frame, "rook" if rook else "queen", islands)


def knn_weights(frame: gpd.GeoDataFrame, k: int = 6) -> Weights:
    """Build row-standardised k-nearest-neighbour weights on county centroids."""
    require_projected(frame)
    if not 0 < k < len(frame):
        raise ValueError(f"k must be between 1 and {len(frame) - 1}, got {k}.")
    centroids = frame.geometry.centroid
    knn = graph.Graph.build_knn(centroids, k=k)
    return Weights(reorder(knn, frame.index).transform("r"), "knn", [])


def distance_adjacency(
    frame: gpd.GeoDataFrame, threshold_km: float, alpha: float
) -> tuple[pd.Series, list]:
    """Return inverse-distance links d^alpha within ``threshold_km``, islands linked."""
    if not threshold_km > 0:
        raise ValueError(f"threshold_km must be positive, got {threshold_km}.")
    if not alpha < 0:
        raise ValueError(
            f"alpha must be negative, so that weights fall with distance; got {alpha}."
        )
    centroids = frame.geometry.centroid
    # libpysal raises each self-distance 0 to the power alpha before it drops the
    # diagonal, which only warns about a division by zero.
    with np.errstate(divide="ignore"):
        band = graph.Graph.build_distance_band(
            centroids, threshold_km * 1000.0, binary=False, alpha=alpha
        )
    return link_islands(band.adjacency.astype(float), frame, alpha=alpha)


def distance_weights(
    frame: gpd.GeoDataFrame, threshold_km: float = 150.0, *, alpha: float = -1.0
) -> Weights:
    """Build row-standardised inverse-distance weights with a cut-off, on county centroids.

    Before row-standardisation w_ij = d_ij^alpha for centroids at most ``threshold_km``
    apart and 0 beyond, with d in metres of the frame's projected CRS. A county with no
    other centroid within the cut-off is linked to its nearest county (island policy).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Counties indexed by code, in a projected CRS in metres.
    threshold_km : float
        Cut-off distance in kilometres.
    alpha : float
        Distance-decay exponent; -1 is inverse distance, -2 inverse squared distance.
    """
    require_projected(frame)
    adjacency, islands = distance_adjacency(frame, threshold_km, alpha)
    return standardised_weights(adjacency, frame, "distance", islands)


def nested_weights(
    frame: gpd.GeoDataFrame,
    economic: pd.Series,
    threshold_km: float = 150.0,
    *,
    alpha: float = -1.0,
) -> Weights:
    """Build economic-geographic nested weights: distance weights scaled by similarity.

    Before row-standardisation w_ij = d_ij^alpha s_ij within the cut-off, where
    s_ij = 1 / (1 + |E_i - E_j| / sd(E)) is the similarity of the economic variable E.
    Near counties with similar economies are tied most strongly, so the matrix combines
    geographic proximity with the strength of economic ties.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Counties indexed by code, in a projected CRS in metres.
    economic : pandas.Series
        The economic variable E (for example GDP per capita or the urbanisation rate),
        indexed by the same codes in the same order; no missing values.
    threshold_km, alpha : float
        As in :func:`distance_weights`.

    Raises
    ------
    ValueError
        If ``economic`` does not match the frame's codes, has missing values or is
        constant.
    """
    require_projected(frame)
    values = economic_values(frame, economic)
    adjacency, islands = distance_adjacency(frame, threshold_km, alpha)

    position = pd.Series(np.arange(len(frame)), index=frame.index)
    focal = position[adjacency.index.get_level_values("focal")].to_numpy()
    neighbor = position[adjacency.index.get_level_values("neighbor")].to_numpy()
    similarity = 1.0 / (1.0 + np.abs(values[focal] - values[neighbor]) / values.std(ddof=1))
    scaled = adjacency * similarity

    return standardised_weights(scaled, frame, "nested", islands)


def economic_values(frame: gpd.GeoDataFrame, economic: pd.Series) -> np.ndarray:
    """Return ``economic`` as floats in the frame's order, or raise on a mismatch."""
    if not isinstance(economic, pd.Series):
        raise TypeError(
            f"economic must be a pandas Series indexed by county code, got "
            f"{type(economic).__name__}."
        )
    check_codes(pd.Index(economic.index), pd.Index(frame.index))
    values = economic.to_numpy(dtype=float)
    missing = np.flatnonzero(~np.isfinite(values))
    if missing.size:
        codes = ", ".join(map(str, economic.index[missing][:10]))
        raise ValueError(
            f"economic ({economic.name}) is missing or infinite for {missing.size} counties "
            f"({codes}); fill or drop them before building nested weights."
        )
    if np.std(values) == 0:
        raise ValueError(f"economic ({economic.name}) is constant; nested weights need "
                         "a variable that differs between counties.")
    return values


def standardised_weights(
    adjacency: pd.Series, frame: gpd.GeoDataFrame, kind: str, islands: list
) -> Weights:
    """Return the links of ``adjacency`` as row-standardised Weights in the frame's order."""
    links = graph.Graph.from_adjacency(adjacency.reset_index(), "focal", "neighbor", "weight")
    return Weights(reorder(links, frame.index).transform("r"), kind, islands)


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
    """Raise ValueError unless ``frame`` contains two or more counties in a projected CRS.

    The counties need unique codes and a geometry each, and the CRS is in metres, not
    degrees.
    """
    if frame.crs is None or not frame.crs.is_projected:
        raise ValueError(
            f"Counties are in {frame.crs}, not a projected CRS; project them first, for "
            "example with frame.to_crs(CHINA_ALBERS)."
        )
    if len(frame) < 2:
        raise ValueError(f"Weights need at least 2 counties, got {len(frame)}.")
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"County codes must be unique; repeated: {', '.join(map(str, duplicated[:10]))}."
        )
    empty = frame.index[frame.geometry.isna() | frame.geometry.is_empty]
    if len(empty):
        raise ValueError(
            f"{len(empty)} counties have no geometry ({', '.join(map(str, empty[:10]))}); "
            "drop them or join their boundaries first."
        )


def check_alignment(values: pd.Series | pd.DataFrame, weights: Weights) -> None:
    """Raise ValueError unless the rows of ``values`` are the graph's ids in its order."""
    check_codes(pd.Index(values.index), pd.Index(weights.graph.unique_ids))


def check_codes(index: pd.Index, ids: pd.Index) -> None:
    """Raise ValueError unless ``index`` lists the county codes ``ids`` in the same order."""
    if len(index) != len(ids):
        raise ValueError(
            f"Data have {len(index)} rows but the weights have {len(ids)} counties; "
            "build the weights from the same rows."
        )
    labels, expected = index.astype(str), ids.astype(str)
    mismatch = np.flatnonzero(labels != expected)
    if mismatch.size:
        first = mismatch[0]
        raise ValueError(
            f"Row {first} of the data is county {labels[first]!r} but the weights expect "
            f"{expected[first]!r}; join on county code and build the weights from that frame."
        )
