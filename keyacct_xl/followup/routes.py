"""客户路序: each rep's customers ordered inside their area so a round trip is short.

DOMAIN.md, "Customer archive" (客户路序: customers grouped by area, then ordered into routes). A route is one rep's
customers in one city (region → city); inside it the customers go district by district (the Customers column
``district`` when the master has one, else the district read from the address). With coordinates (``latitude``
and ``longitude`` columns) the order is a tour: nearest neighbour, then 2-opt, cut open at its longest leg; without
them, by district and address.
"""

from __future__ import annotations

import re
from itertools import pairwise

import numpy as np
import pandas as pd

from keyacct_xl.headers import normalize_header

ROUTE_COLUMNS = [
    "customer_id",
    "name",
    "rep",
    "region",
    "city",
    "district",
    "address",
    "route_seq",
    "proposed_seq",
    "leg_km",
]
# Headers a coordinate column may carry in a master (an extra column keeps the header typed).
LATITUDE = ("latitude", "lat", "纬度")
LONGITUDE = ("longitude", "lng", "lon", "long", "经度")
DISTRICT = ("district", "区县", "区/县", "行政区", "区")
_DISTRICT = re.compile(r"^(.{1,8}?(?:新区|区|县|旗|镇))")
_EARTH_KM = 6371.0088
_TWO_OPT_LIMIT = 1500  # points beyond which 2-opt's n² distance matrix is too large: nearest neighbour only


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    wanted = {normalize_header(n) for n in names}
    return next((c for c in frame.columns if normalize_header(str(c)) in wanted), None)


def district_from_address(address: object, city: object) -> str | None:
    """The district (区/县/镇) an address names after its province and city; None when it names none."""
    if not isinstance(address, str):
        return None
    text = address.strip()
    if isinstance(city, str) and city and city in text:
        text = text[text.index(city) + len(city) :]
        text = text.removeprefix("市")
    match = _DISTRICT.match(text)
    return match.group(1) if match else None


def customer_areas(customers: pd.DataFrame) -> pd.Series:
    """Each customer's district: the master's district column when it has one, else read from the address."""
    column = _column(customers, DISTRICT)
    if column is not None:
        return customers[column].where(customers[column].notna(), None)
    return pd.Series(
        [district_from_address(a, c) for a, c in zip(customers["address"], customers["city"], strict=True)],
        index=customers.index,
        dtype=object,
    )


def coordinates(customers: pd.DataFrame) -> np.ndarray | None:
    """(latitude, longitude) per customer in degrees when the master has both columns, else None."""
    lat, lon = _column(customers, LATITUDE), _column(customers, LONGITUDE)
    if lat is None or lon is None:
        return None
    return np.column_stack(
        [pd.to_numeric(customers[lat], errors="coerce"), pd.to_numeric(customers[lon], errors="coerce")]
    ).astype("float64")


def distance_matrix(points: np.ndarray, *, spherical: bool) -> np.ndarray:
    """Pairwise distances: great-circle km for (latitude, longitude) degrees, else straight-line (plane) units."""
    if not spherical:
        return np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    lat, lon = np.radians(points[:, 0]), np.radians(points[:, 1])
    dlat, dlon = lat[:, None] - lat[None, :], lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def tour_length(distances: np.ndarray, order: list[int], *, closed: bool = True) -> float:
    """The length of visiting ``order`` (and returning to the start when ``closed``)."""
    legs = [distances[a, b] for a, b in pairwise(order)]
    if closed and len(order) > 1:
        legs.append(distances[order[-1], order[0]])
    return float(sum(legs))


def nearest_neighbour(distances: np.ndarray, start: int = 0) -> list[int]:
    """A tour that always drives on to the nearest customer not yet visited."""
    n = len(distances)
    order, left = [start], np.ones(n, dtype=bool)
    left[start] = False
    for _ in range(n - 1):
        here = distances[order[-1]].copy()
        here[~left] = np.inf
        nxt = int(np.argmin(here))
        order.append(nxt)
        left[nxt] = False
    return order


def two_opt(distances: np.ndarray, order: list[int]) -> list[int]:
    """Reverse stretches of the closed tour while that shortens it (each pass checks every pair of legs)."""
    tour = np.array(order)
    n = len(tour)
    improved = n > 3
    while improved:
        improved = False
        for i in range(n - 2):
            a, b = tour[i], tour[i + 1]
            c, d = tour[i + 2 :], np.roll(tour, -1)[i + 2 :]
            if i == 0:  # the leg back to the start shares its point with the first leg
                c, d = c[:-1], d[:-1]
            gain = distances[a, b] + distances[c, d] - distances[a, c] - distances[b, d]
            if len(gain) and gain.max() > 1e-9:
                j = i + 2 + int(np.argmax(gain))
                tour[i + 1 : j + 1] = tour[i + 1 : j + 1][::-1].copy()
                improved = True
    return tour.tolist()


def short_tour(distances: np.ndarray) -> list[int]:
    """A short round trip (nearest neighbour, 2-opt), returned as a route cut open at its longest leg."""
    n = len(distances)
    if n <= 2:
        return list(range(n))
    order = nearest_neighbour(distances)
    if n <= _TWO_OPT_LIMIT:
        order = two_opt(distances, order)
    legs = [distances[order[k], order[(k + 1) % n]] for k in range(n)]
    cut = int(np.argmax(legs)) + 1  # start after the longest leg: the one a day's route need not drive
    return order[cut:] + order[:cut]


def propose_routes(customers: pd.DataFrame, *, rep: str | None = None) -> pd.DataFrame:
    """ROUTE_COLUMNS for each customer (of ``rep``), with the proposed route_seq numbered 1.. per rep and city."""
    chosen = customers if rep is None else customers[customers["rep"] == rep]
    frame = pd.DataFrame(
        {k: chosen[k].to_numpy() for k in ("customer_id", "name", "rep", "region", "city", "address", "route_seq")},
        index=chosen.index,
    )
    frame["district"] = customer_areas(chosen)
    points = coordinates(chosen)
    frame["proposed_seq"] = 0
    frame["leg_km"] = np.nan
    keys = [frame["rep"].fillna(""), frame["region"].fillna(""), frame["city"].fillna("")]
    for _, group in frame.groupby(keys, sort=False):
        order, legs = _route(group, None if points is None else points[frame.index.get_indexer(group.index)])
        frame.loc[order, "proposed_seq"] = np.arange(1, len(order) + 1)
        if legs is not None:
            frame.loc[order, "leg_km"] = legs
    frame = frame.sort_values(["rep", "region", "city", "proposed_seq"], kind="stable", na_position="last")
    return frame[ROUTE_COLUMNS].astype({"proposed_seq": "int64"}).reset_index(drop=True)


def _route(group: pd.DataFrame, points: np.ndarray | None) -> tuple[list[object], np.ndarray | None]:
    """The group's index in route order, and the km driven to each customer from the one before (with coordinates)."""
    by_address = group.sort_values(["district", "address", "customer_id"], kind="stable", na_position="last")
    if points is None or np.isnan(points).any():
        return list(by_address.index), None
    distances = distance_matrix(points, spherical=True)
    order = short_tour(distances)
    legs = np.array([0.0] + [distances[a, b] for a, b in pairwise(order)])
    return [group.index[k] for k in order], np.round(legs, 2)
