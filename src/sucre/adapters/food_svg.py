"""The plan as a picture: one self-contained SVG file (no script, no font or tile from the web).

Where every port has a position the ports are drawn on a plain longitude/latitude grid (an
equirectangular map of the region, each axis stretched at most twice the other, coastlines left
out: it needs no data from outside); where one
lacks a position (a distances file naming its own ports) they stand on a circle. Each shipment is
an arrow from the offer's port to the need's, its width growing with the tonnes (critical needs in
red); a need left short is ringed; each vehicle's route, when the voyages are planned, is a dashed
path in its own colour. Every text is escaped; hovering shows the details (``<title>``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from xml.sax.saxutils import escape

from sucre.domain.food.matching import Match
from sucre.domain.food.records import Port, PortInfo, Priority, format_tonnes
from sucre.domain.food.voyages import VoyagePlan

_WIDTH, _HEIGHT, _MARGIN = 960, 640, 70
_CRITICAL, _NORMAL, _PORT = "#c0392b", "#2471a3", "#1b2631"
_ROUTE_COLOURS = ("#117a65", "#7d3c98", "#b9770e", "#2e4053", "#a93226", "#1f618d")


def _layout(ports: Mapping[Port, PortInfo]) -> dict[Port, tuple[float, float]]:
    names = sorted(ports)
    placed = [p for p in names if ports[p].latitude is not None and ports[p].longitude is not None]
    if names and len(placed) == len(names):
        lats = [float(ports[p].latitude or 0) for p in names]
        lons = [float(ports[p].longitude or 0) for p in names]
        span_lon = max(max(lons) - min(lons), 1.0)
        span_lat = max(max(lats) - min(lats), 1.0)
        # Each axis fills its side, stretched at most twice the other: the Eastern Caribbean's
        # ports, a degree apart, stay legible beside Arica, forty degrees south.
        along = (_WIDTH - 2 * _MARGIN) / span_lon
        up = (_HEIGHT - 2 * _MARGIN) / span_lat
        along, up = min(along, 2 * up), min(up, 2 * along)
        west, south = min(lons), min(lats)
        return {p: (_MARGIN + (lon - west) * along, _HEIGHT - _MARGIN - (lat - south) * up)
                for p, lat, lon in zip(names, lats, lons, strict=True)}
    radius = min(_WIDTH, _HEIGHT) / 2 - _MARGIN
    return {p: (_WIDTH / 2 + radius * math.cos(2 * math.pi * k / max(len(names), 1)),
                _HEIGHT / 2 + radius * math.sin(2 * math.pi * k / max(len(names), 1)))
            for k, p in enumerate(names)}


def plan_svg(plan: Match, ports: Mapping[Port, PortInfo], title: str,
             voyages: VoyagePlan | None = None) -> str:
    """The SVG document of ``plan`` (ports that the round does not use are left out), with each
    vehicle's route of ``voyages`` as a dashed path when given."""
    used = {plan.supplies[s.supply].port for s in plan.shipments} | {
        plan.needs[s.need].port for s in plan.shipments} | {
        plan.needs[u.need].port for u in plan.unmet} | {
        stop.port for route in (voyages.routes if voyages else ()) for stop in route.stops}
    where = _layout({p: ports[p] for p in used if p in ports})
    largest = max((s.tonnes_kg for s in plan.shipments), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
             f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="12">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" '
             'markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
             '</defs>', f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="#f4f8fb"/>',
             f'<text x="16" y="24" font-size="16">{escape(title)}</text>',
             f'<text x="16" y="44">{escape(_summary(plan))}</text>']
    for shipment in plan.shipments:
        supply, need = plan.supplies[shipment.supply], plan.needs[shipment.need]
        if supply.port not in where or need.port not in where or supply.port == need.port:
            continue
        (x1, y1), (x2, y2) = where[supply.port], where[need.port]
        width = 1.5 + 8 * shipment.tonnes_kg / largest
        colour = _CRITICAL if need.priority is Priority.CRITICAL else _NORMAL
        label = (f"{supply.member} {supply.port} -> {need.member} {need.port}: "
                 f"{format_tonnes(shipment.tonnes_kg)} t {supply.category}")
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="{colour}" stroke-opacity="0.7" stroke-width="{width:.1f}" '
                     f'marker-end="url(#arrow)"><title>{escape(label)}</title></line>')
    parts += _routes(voyages, where)
    short = {plan.needs[u.need].port for u in plan.unmet}
    for port, (x, y) in sorted(where.items()):
        if port in short:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="none" '
                         f'stroke="{_CRITICAL}" stroke-dasharray="3,2"/>')
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{_PORT}"/>')
        parts.append(f'<text x="{x + 8:.1f}" y="{y - 8:.1f}">{escape(port)}</text>')
    parts.append(f'<text x="16" y="{_HEIGHT - 16}" fill="#555">red: to critical needs; blue: '
                 'to normal needs; width: tonnes; dashed ring: a need left short</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _routes(voyages: VoyagePlan | None, where: Mapping[Port, tuple[float, float]]) -> list[str]:
    if voyages is None:
        return []
    parts = []
    for k, route in enumerate(voyages.routes):
        colour = _ROUTE_COLOURS[k % len(_ROUTE_COLOURS)]
        points = " ".join(f"{where[s.port][0]:.1f},{where[s.port][1]:.1f}" for s in route.stops
                          if s.port in where)
        label = (f"{route.vehicle.name} ({route.vehicle.kind.value}): "
                 + " -> ".join(s.port for s in route.stops))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     f'stroke-width="1.5" stroke-dasharray="6,4"><title>{escape(label)}</title>'
                     '</polyline>')
        parts.append(f'<text x="{_WIDTH - 220}" y="{24 + 16 * k}" fill="{colour}">'
                     f'{escape(route.vehicle.name)}</text>')
    return parts


def _summary(plan: Match) -> str:
    return (f"{format_tonnes(plan.delivered_kg)} t delivered of {format_tonnes(plan.needed_kg)} t "
            f"needed ({format_tonnes(plan.critical_kg)} t critical); "
            f"{len(plan.shipments)} shipments; {len(plan.unmet)} needs short")

