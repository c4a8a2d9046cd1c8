"""One row of the figures table, and the table as Markdown (copied into docs/performance.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    key: str  # "1", "2", "4a", …: the figure's number in PRODUCT.md's order
    figure: str
    measured: str
    target: str
    meets: bool | None  # None: skipped, or nothing to judge
    detail: str = ""


def verdict(meets: bool | None) -> str:
    return {True: "meets", False: "MISSES", None: "—"}[meets]


def markdown(rows: list[Row]) -> list[str]:
    lines = ["| # | figure | measured | target | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {r.key} | {r.figure} | {r.measured} | {r.target} | {verdict(r.meets)} |" for r in rows]
    return lines
