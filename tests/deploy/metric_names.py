"""Which Prometheus metrics the code registers, and which series names they expose.

Two independent readings, united: the source (every prometheus_client metric or
metric-family constructor with a literal name, so custom collectors count too) and the
runtime (import each `metrics` module and collect its registries, instantiating
classes that take a `registry`).
"""

from __future__ import annotations

import ast
import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry

from tests.deploy.tools import REPO

CODE_ROOTS = ("services", "shared")
# Metric classes, and the metric families custom collectors yield at scrape time, by kind.
METRIC_CLASSES = {
    "Counter": "counter",
    "Gauge": "gauge",
    "Histogram": "histogram",
    "Summary": "summary",
    "Info": "info",
    "Enum": "enum",
    "CounterMetricFamily": "counter",
    "GaugeMetricFamily": "gauge",
    "HistogramMetricFamily": "histogram",
    "GaugeHistogramMetricFamily": "histogram",
    "SummaryMetricFamily": "summary",
    "InfoMetricFamily": "info",
    "StateSetMetricFamily": "enum",
    "UnknownMetricFamily": "gauge",
}


@dataclass(frozen=True)
class Metric:
    name: str  # as passed to the constructor (a Counter may or may not end in _total)
    kind: str  # counter, gauge, histogram, summary, info, enum
    where: str

    @property
    def family(self) -> str:
        """The name prometheus_client keeps (a Counter's without `_total`)."""
        return self.name.removesuffix("_total") if self.kind == "counter" else self.name

    @property
    def series(self) -> set[str]:
        """Every name this metric exposes at /metrics."""
        base = self.family
        match self.kind:
            case "counter":
                return {f"{base}_total", f"{base}_created"}
            case "histogram":
                return {f"{base}_bucket", f"{base}_count", f"{base}_sum", f"{base}_created"}
            case "summary":
                return {base, f"{base}_count", f"{base}_sum", f"{base}_created"}
            case "info":
                return {f"{base}_info"}
            case _:
                return {base}


def _source_files() -> list[Path]:
    return [p for root in CODE_ROOTS for p in sorted((REPO / root).rglob("*.py"))]


class _ConstructorFinder(ast.NodeVisitor):
    """Calls of prometheus_client's metric classes, however they were imported."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.local_names: dict[str, str] = {}  # local name -> class name
        self.module_aliases: set[str] = set()
        self.found: list[Metric] = []
        self.dynamic: list[str] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "prometheus_client":
                self.module_aliases.add(alias.asname or alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.split(".")[0] == "prometheus_client":
            for alias in node.names:
                if alias.name in METRIC_CLASSES:
                    self.local_names[alias.asname or alias.name] = alias.name

    def visit_Call(self, node: ast.Call) -> None:
        cls = None
        if isinstance(node.func, ast.Name):
            cls = self.local_names.get(node.func.id)
        elif (
            isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in self.module_aliases
            and node.func.attr in METRIC_CLASSES
        ):
            cls = node.func.attr
        if cls is not None:
            name_node = (
                node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
            )
            where = f"{self.where}:{node.lineno}"
            if isinstance(name_node, ast.Constant) and isinstance(name_node.value, str):
                self.found.append(Metric(name_node.value, METRIC_CLASSES[cls], where))
            else:
                self.dynamic.append(where)
        self.generic_visit(node)


def metrics_in_source() -> tuple[list[Metric], list[str]]:
    """(metrics with literal names, places where a metric's name is not a literal)."""
    found: list[Metric] = []
    dynamic: list[str] = []
    for path in _source_files():
        finder = _ConstructorFinder(str(path.relative_to(REPO)))
        finder.visit(ast.parse(path.read_text(), filename=str(path)))
        found += finder.found
        dynamic += finder.dynamic
    return found, dynamic


def _collect(registry: CollectorRegistry, where: str) -> list[Metric]:
    return [Metric(m.name, m.type if m.type != "stateset" else "enum", where) for m in registry.collect()]


def metrics_at_runtime() -> list[Metric]:
    """Import every `metrics` module of the services and read what it registers."""
    found: list[Metric] = []
    for path in _source_files():
        if path.stem != "metrics":
            continue
        module_name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, CollectorRegistry) and value is not REGISTRY:
                found += _collect(value, module_name)
            elif (
                inspect.isclass(value)
                and value.__module__ == module_name
                and "registry" in inspect.signature(value).parameters
            ):
                found += _collect(_instantiate(value), module_name)
    found += _collect(REGISTRY, "default registry")
    return [m for m in found if m.name.startswith("rps_")]


def _instantiate(cls: type) -> CollectorRegistry:
    registry = CollectorRegistry()
    cls(registry=registry)
    return registry


def registered_metrics() -> dict[str, Metric]:
    """Every rps_ metric the code registers, by family name."""
    source, _ = metrics_in_source()
    return {m.family: m for m in [*metrics_at_runtime(), *source] if m.name.startswith("rps_")}


def exposed_series() -> set[str]:
    return {series for metric in registered_metrics().values() for series in metric.series}
