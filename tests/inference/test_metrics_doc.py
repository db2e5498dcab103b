"""Every metric the inference service registers is documented in docs/metrics.md, in its section."""

from __future__ import annotations

from pathlib import Path

from services.inference.metrics import InferenceMetrics

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def inference_section() -> str:
    text = DOC.read_text()
    start = text.index("## Inference")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_inference_metric_is_in_the_inference_section() -> None:
    section = inference_section()
    names = {metric.name for metric in InferenceMetrics().registry.collect()}
    assert names, "no metrics registered"
    missing = {name for name in names if f"`{name}`" not in section and f"`{name}_total`" not in section}
    assert missing == set()
