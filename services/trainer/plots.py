"""Figures logged with every training run: learning curves, confusion matrix, calibration."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on a worker; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from services.trainer import defaults
from services.trainer.evaluation import calibration, confusion_matrix
from services.trainer.pipeline import FamilyResult
from shared.features import MOVES
from shared.models import LearningCurve


def learning_curve_figure(result: FamilyResult) -> Figure:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    curves: tuple[tuple[str, LearningCurve], ...] = (
        ("step 1: oldest 60% / next 20%", result.holdout_model.curve),
        ("step 2: candidate (80/20 by game)", result.candidate.curve),
    )
    for ax, (title, curve) in zip(axes, curves, strict=True):
        steps = np.arange(1, len(curve.train_logloss) + 1)
        ax.plot(steps, curve.train_logloss, label="train")
        ax.plot(steps, curve.val_logloss, label="validation")
        ax.axvline(curve.best_iteration + 1, color="grey", linestyle="--", label="kept")
        ax.axhline(np.log(3), color="red", linestyle=":", label="uniform (ln 3)")
        ax.set_title(title)
        ax.set_xlabel(curve.unit)
        ax.legend()
    axes[0].set_ylabel("log loss")
    fig.suptitle(f"{result.family.value}: learning curves")
    fig.tight_layout()
    return fig


def confusion_figure(result: FamilyResult, labels: np.ndarray) -> Figure:
    matrix = confusion_matrix(labels, result.holdout_proba.argmax(axis=1))
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(matrix, cmap="Blues")
    names = [m.value for m in MOVES]
    ax.set_xticks(range(3), names)
    ax.set_yticks(range(3), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("player played")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center")
    ax.set_title(f"{result.family.value}: holdout confusion")
    fig.tight_layout()
    return fig


def calibration_figure(result: FamilyResult, labels: np.ndarray) -> Figure:
    predicted, observed, count = calibration(result.holdout_proba, labels, defaults.CALIBRATION_BINS)
    used = count > 0
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect")
    ax.plot(predicted[used], observed[used], marker="o", label="model")
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"{result.family.value}: holdout calibration")
    ax.legend()
    fig.tight_layout()
    return fig


def figures(result: FamilyResult, holdout_labels: np.ndarray) -> dict[str, Figure]:
    """{artifact file name: figure}; the caller closes them."""
    return {
        "learning_curve.png": learning_curve_figure(result),
        "confusion_matrix.png": confusion_figure(result, holdout_labels),
        "calibration.png": calibration_figure(result, holdout_labels),
    }


def close(figs: dict[str, Figure]) -> None:
    for fig in figs.values():
        plt.close(fig)
