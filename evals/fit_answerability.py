"""Choose the answerability penalties and threshold on the DEV part of the eval set (never the test part).

    python -m evals.fit_answerability [--max-false-refusals 0.05]

Every dev item whose question is one question (compound and partial items are answered
part by part and left out) is asked with refusals off; the answerability signals of the
answer (`Answer.signals`) and whether the item is answerable make one row. A grid search
over the penalties of `assistant.answerability.AnswerabilityModel` and the threshold picks
the combination that refuses the most unanswerable questions at no more than the allowed
share of false refusals (ties: smaller penalties, the threshold in the middle of its range).
It prints the choice, the runners-up, passage similarity alone for comparison, and the
share refused per kind of near miss.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from assistant.answerability import AnswerabilityModel, Signals
from assistant.refusal import RefusalPolicy
from assistant.settings import load_settings
from assistant.wiring import Services
from evals.dataset import EvalItem, load_dataset

_PENALTIES = (0.0, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08)


@dataclass(frozen=True)
class Choice:
    refused: float
    false_refusals: float
    no_value: float
    off_focus: float
    threshold: float


def rows(services: Services) -> tuple[list[Signals], list[EvalItem]]:
    assistant = services.build_assistant("extractive", refusal=RefusalPolicy(0.0))
    signals: list[Signals] = []
    items: list[EvalItem] = []
    for item in load_dataset(split="dev"):
        if item.category in ("compound", "partial"):
            continue
        answer = assistant.ask(item.question, item.turns)
        if len(answer.signals) != 1:
            continue  # the question was split into parts after all
        signals.append(Signals(**answer.signals[0]))
        items.append(item)
    return signals, items


def best_choices(signals: list[Signals], answerable: np.ndarray, max_false: float) -> list[Choice]:
    choices: list[Choice] = []
    for no_value, off_focus in itertools.product(_PENALTIES, _PENALTIES[:5]):
        model = AnswerabilityModel(no_value=no_value, off_focus=off_focus)
        scores = np.array([model.score(signal) for signal in signals])
        ok = [t for t in np.unique(np.round(scores, 4)) if np.mean(scores[answerable] < t) <= max_false]
        if not ok:
            continue
        best = max(float(np.mean(scores[~answerable] < t)) for t in ok)
        plateau = [t for t in ok if float(np.mean(scores[~answerable] < t)) == best]
        threshold = float(plateau[len(plateau) // 2])
        choices.append(Choice(best, float(np.mean(scores[answerable] < threshold)), no_value, off_focus,
                              round(threshold, 4)))
    choices.sort(key=lambda c: (-c.refused, c.false_refusals, c.no_value + c.off_focus))
    return choices


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false-refusals", type=float, default=0.05)
    args = parser.parse_args(argv)
    signals, items = rows(Services(load_settings()))
    answerable = np.array([item.answerable for item in items])
    print(f"{answerable.sum()} answerable and {(~answerable).sum()} unanswerable dev questions")
    choices = best_choices(signals, answerable, args.max_false_refusals)
    for choice in choices[:5]:
        print(f"  no_value {choice.no_value:.2f}  off_focus {choice.off_focus:.2f}  threshold {choice.threshold:.4f}: "
              f"refused {choice.refused:.3f}, false refusals {choice.false_refusals:.3f}")
    plain = [c for c in choices if c.no_value == 0 and c.off_focus == 0]
    if plain:
        print(f"similarity alone: threshold {plain[0].threshold:.4f}: refused {plain[0].refused:.3f}, "
              f"false refusals {plain[0].false_refusals:.3f}")
    chosen = choices[0]
    model = AnswerabilityModel(no_value=chosen.no_value, off_focus=chosen.off_focus)
    kinds: dict[str, list[bool]] = defaultdict(list)
    for signal, item in zip(signals, items, strict=True):
        if not item.answerable:
            kinds[item.near_miss or "off-topic"].append(model.score(signal) < chosen.threshold)
    for kind, refused in sorted(kinds.items()):
        print(f"  {kind:12} {sum(refused)}/{len(refused)} refused")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
