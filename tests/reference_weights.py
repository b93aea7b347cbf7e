"""Rebuild the reference weights matrices that published test values were computed with.

Each function returns a row-standardised ``libpysal.weights.W`` whose row order matches
the data file the published values use, so a test can pass it to spreg or esda unchanged.
Everything is built from files that ship inside the libpysal wheel, so no test needs the
network.
"""

import geopandas as gpd
import libpysal
import numpy as np
from libpysal import examples

# Anselin (1988) contiguity for the 49 Columbus neighbourhoods ("COL.nb"), keyed by the
# NEIG number of each neighbourhood. Decoded from R spdep's data/oldcol.rda. It is
# symmetric with 232 directed links, and it is the W behind the spdep and spatialreg
# reference pages (lm.RStests, ML_models) and Anselin (1988) Table 12.2.
COLUMBUS_ANSELIN_NEIGHBOURS = {
    1: [2, 5, 6],
    2: [1, 3, 6, 7],
    3: [2, 4, 7, 37, 38, 39],
    4: [3, 37, 39, 40],
    5: [1, 6],
    6: [1, 2, 5, 7],
    7: [2, 3, 6, 8, 9, 18, 36, 38],
    8: [7, 18],
    9: [7, 18, 20, 32, 36, 38],
    10: [11, 17, 18, 19],
    11: [10, 12, 17],
    12: [11, 13, 17],
    13: [12, 14, 16, 17],
    14: [13, 15, 16],
    15: [14, 16],
    16: [13, 14, 15, 17, 23],
    17: [10, 11, 12, 13, 16, 18, 19, 21, 22, 23],
    18: [7, 8, 9, 10, 17, 19, 20],
    19: [10, 17, 18, 20, 21, 31],
    20: [9, 18, 19, 31, 32],
    21: [17, 19, 22, 31],
    22: [17, 21, 23, 31],
    23: [16, 17, 22, 24, 25, 29, 31],
    24: [23, 25, 29, 30, 31, 33],
    25: [23, 24, 26, 27, 29],
    26: [25, 27, 28],
    27: [25, 26, 28, 29],
    28: [26, 27, 29, 30],
    29: [23, 24, 25, 27, 28, 30],
    30: [24, 28, 29, 31, 33, 34],
    31: [19, 20, 21, 22, 23, 24, 30, 32, 33],
    32: [9, 20, 31, 33, 34, 35, 36],
    33: [24, 30, 31, 32, 34, 35],
    34: [30, 32, 33, 35, 43],
    35: [32, 33, 34, 36, 41, 42, 43],
    36: [7, 9, 32, 35, 37, 38, 40, 42],
    37: [3, 4, 36, 38, 39, 40, 42],
    38: [3, 7, 9, 36, 37],
    39: [3, 4, 37, 40],
    40: [4, 36, 37, 39, 41, 42],
    41: [35, 40, 42],
    42: [35, 36, 37, 40, 41],
    43: [34, 35, 44],
    44: [43, 45, 46, 49],
    45: [44, 46],
    46: [44, 45, 47, 48, 49],
    47: [46, 48],
    48: [46, 47],
    49: [44, 46],
}

# The 46 units of Baltagi's Cigar panel in the order of its `state` codes (alphabetical,
# with the District of Columbia after Delaware). Alaska, Colorado, Hawaii, North Carolina
# and Oregon are missing from the data.
CIGAR_STATES = [
    "AL", "AZ", "AR", "CA", "CT", "DE", "DC", "FL", "GA", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "ND", "OH", "OK", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA",
    "WA", "WV", "WI", "WY",
]

# Cigar `state` codes: the alphabetical index of the 50 states plus DC, starting at 1.
CIGAR_STATE_CODES = [
    1, 3, 4, 5, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32, 33, 35, 36, 37, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
    50, 51,
]


def columbus_dbf_path():
    """Return the path of libpysal's bundled ``columbus.dbf``."""
    return examples.get_path("columbus.dbf")


def columbus_neig():
    """Read the NEIG column (Anselin's neighbourhood number) of ``columbus.dbf``.

    Returns
    -------
    numpy.ndarray
        Integer NEIG values in the row order of the dbf file.
    """
    dbf = libpysal.io.open(columbus_dbf_path())
    neig = np.asarray(dbf.by_col("NEIG"), dtype=int)
    dbf.close()
    return neig


def columbus_anselin_weights():
    """Build Anselin's (1988) COL.nb contiguity in the row order of ``columbus.dbf``.

    Returns
    -------
    libpysal.weights.W
        Row-standardised weights whose ids are the dbf row positions 0..48.

    Notes
    -----
    COL.nb lists neighbours by NEIG number, so each NEIG value is mapped to the dbf row
    that carries it. COL.nb differs from libpysal's ``columbus.gal`` in four pairs, which
    is why the spdep reference values need this matrix and not queen contiguity.
    """
    neig = columbus_neig()
    row_of_neig = {int(value): row for row, value in enumerate(neig)}
    neighbours = {}
    for row, value in enumerate(neig):
        neighbours[row] = [row_of_neig[j] for j in COLUMBUS_ANSELIN_NEIGHBOURS[int(value)]]
    w = libpysal.weights.W(neighbours, id_order=list(range(len(neig))))
    w.transform = "r"
    return w


def columbus_queen_weights():
    """Read libpysal's queen contiguity ``columbus.gal`` in the row order of the dbf.

    Returns
    -------
    libpysal.weights.W
        Row-standardised weights with 236 directed links.
    """
    w = libpysal.io.open(examples.get_path("columbus.gal")).read()
    w.transform = "r"
    return w


def us48_queen(exclude=()):
    """Return queen-contiguity neighbour lists of libpysal's ``us48.shp``, by abbreviation.

    Parameters
    ----------
    exclude : sequence of str
        State abbreviations to drop before building the contiguity.

    Returns
    -------
    neighbours : dict
        Abbreviation to sorted list of neighbouring abbreviations.
    names : dict
        Abbreviation to full state name.
    """
    states = gpd.read_file(examples.get_path("us48.shp"))
    states = states[~states["STATE_ABBR"].isin(list(exclude))]
    queen = libpysal.weights.Queen.from_dataframe(
        states, ids=states["STATE_ABBR"].tolist(), use_index=False
    )
    neighbours = {state: sorted(queen.neighbors[state]) for state in queen.neighbors}
    names = dict(zip(states["STATE_ABBR"], states["STATE_NAME"]))
    return neighbours, names


def usa46_weights():
    """Rebuild SDPDmod's ``usa46`` contiguity for the 46 units of the Cigar panel.

    Queen contiguity on libpysal's ``us48.shp`` without Colorado, North Carolina and
    Oregon, plus the District of Columbia (absent from the shapefile) as a neighbour of
    Maryland and Virginia. The result has 188 directed links, and its degree list
    matches the one decoded from SDPDmod's ``data/usa46.rda``.

    Returns
    -------
    libpysal.weights.W
        Row-standardised weights with ids in ``CIGAR_STATES`` order.
    """
    neighbours, _ = us48_queen(exclude=["CO", "NC", "OR"])
    neighbours["DC"] = ["MD", "VA"]
    neighbours["MD"] = sorted(neighbours["MD"] + ["DC"])
    neighbours["VA"] = sorted(neighbours["VA"] + ["DC"])

    w = libpysal.weights.W(neighbours, id_order=CIGAR_STATES)
    w.transform = "r"
    return w


def usaww_weights():
    """Rebuild splm's ``usaww`` contiguity for the 48 states of the Produc panel.

    Queen contiguity on libpysal's ``us48.shp``, so the Four Corners touches
    (Arizona-Colorado, Utah-New Mexico) are links. The result has 214 directed links,
    and its degree list matches the one decoded from splm's ``data/usaww.rda``.

    Returns
    -------
    libpysal.weights.W
        Row-standardised weights with abbreviations as ids, ordered alphabetically by
        full state name (ALABAMA ... WYOMING, the order of ``Produc``).
    """
    neighbours, names = us48_queen()
    order = sorted(neighbours, key=lambda state: names[state])
    w = libpysal.weights.W(neighbours, id_order=order)
    w.transform = "r"
    return w
