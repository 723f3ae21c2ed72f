"""Score whole turns on the understanding sets, the current model beside others (the model from
before this work, the current pipeline without its pretrained features), one table per set.
Results: bench/results/understanding_<set>.json (scores, counts and errors of each model).

    python -m bench.understanding dev                    # bench/data/understanding_dev.yml
    python -m bench.understanding dev2                   # a second one, written later
    python -m bench.understanding heldout \\   # the gate's held-out set (look, don't tune)
        --model before=build/baseline.tar.gz --model without_pretrained=build/no_semantic.tar.gz
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import write_results
from bot import training
from bot.conversation_eval import evaluate

HERE = Path(__file__).parent
SETS = {
    "dev": HERE / "data" / "understanding_dev.yml",
    "heldout": HERE.parent / "tests" / "data" / "understanding_heldout.yml",
    "spanish_dev": HERE / "data" / "spanish_dev.yml",
    "spanish_heldout": HERE.parent / "tests" / "data" / "spanish_heldout.yml",
    # Written later, by someone who had not seen the training data or the sets above.
    "dev2": HERE / "data" / "understanding_dev2.yml",
    "spanish_dev2": HERE / "data" / "spanish_dev2.yml",
    # A third English set, by a helper that read only the article and the responses.
    "dev3": HERE / "data" / "understanding_dev3.yml",
    # A fourth English set and a third Spanish one, written the same way on 2026-12-07.
    "dev4": HERE / "data" / "understanding_dev4.yml",
    "spanish_dev3": HERE / "data" / "spanish_dev3.yml",
    # Weighted to follow-ups and hard single questions, written the same way later that day.
    "dev5": HERE / "data" / "understanding_dev5.yml",
    "spanish_dev4": HERE / "data" / "spanish_dev4.yml",
    # Mixed kinds, written the same way on 2026-12-07 and measured before any rule saw them.
    "dev6": HERE / "data" / "understanding_dev6.yml",
    "spanish_dev5": HERE / "data" / "spanish_dev5.yml",
    # Written the same way later, to measure the rules tuned on the two above before and after.
    "dev7": HERE / "data" / "understanding_dev7.yml",
    "spanish_dev6": HERE / "data" / "spanish_dev6.yml",
    # Written the same way after the seventh round's rules, to measure them before any tuning.
    "dev8": HERE / "data" / "understanding_dev8.yml",
    "spanish_dev7": HERE / "data" / "spanish_dev7.yml",
    # Written the same way on 2026-12-08, measured before the eighth round's rules.
    "dev9": HERE / "data" / "understanding_dev9.yml",
    "spanish_dev8": HERE / "data" / "spanish_dev8.yml",
    # Written the same way after the eighth round's rules, to measure them before any tuning.
    "dev10": HERE / "data" / "understanding_dev10.yml",
    "spanish_dev9": HERE / "data" / "spanish_dev9.yml",
    # Attempts to change the assistant's role (bot/nlu/manipulation.py), with a held-out pair.
    "manipulation": HERE / "data" / "manipulation_dev.yml",
    "manipulation_es": HERE / "data" / "manipulation_dev_es.yml",
    "manipulation_dev2": HERE / "data" / "manipulation_dev2.yml",
    "manipulation_dev2_es": HERE / "data" / "manipulation_dev2_es.yml",
    "manipulation_heldout": HERE.parent / "tests" / "data" / "manipulation_heldout.yml",
    "manipulation_heldout_es": HERE.parent / "tests" / "data" / "manipulation_heldout_es.yml",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", choices=list(SETS), nargs="?", default="dev")
    parser.add_argument("--model", action="append", default=[], help="NAME=PATH of another model")
    parser.add_argument(
        "--after", type=Path, help="the model to score as `after` (default: the current one)"
    )
    args = parser.parse_args(argv)
    current = args.after or training.current_model()
    if current is None:
        print("no current model: run `make train` first")
        return 1
    models = {"after": current} | {
        name: Path(path) for name, path in (m.split("=", 1) for m in args.model)
    }
    reports = {name: evaluate(model, SETS[args.set]) for name, model in models.items()}
    results = {name: json.loads(report.to_json()) for name, report in reports.items()}
    results["models"] = {name: model.name for name, model in models.items()}
    out = write_results(f"understanding_{args.set}", results)
    kinds = list(reports["after"].scores)
    print(f"set {args.set}: {reports['after'].counts}")
    print(f"{'':26s}" + "".join(f"{name:>20s}" for name in reports))
    for kind in kinds:
        row = "".join(f"{r.scores.get(kind, float('nan')):20.4f}" for r in reports.values())
        print(f"  {kind:24s}{row}")
    print(f"details: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
