"""Score the trained model on a labelled set; results to bench/results/nlu_<set>.json.

python -m bench.nlu_eval            # the development set, bench/data/nlu_dev.yml
python -m bench.nlu_eval heldout    # the gate's held-out set (look, don't tune)
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot import training
from bot.evaluation import confusion, evaluate, load_examples

HERE = Path(__file__).parent
SETS = {
    "dev": HERE / "data" / "nlu_dev.yml",
    "heldout": HERE.parent / "tests" / "data" / "nlu_heldout.yml",
}


def main(argv: list[str]) -> int:
    name = argv[0] if argv else "dev"
    model = training.current_model()
    if model is None:
        print("no current model: run `make train` first")
        return 1
    report = evaluate(model, load_examples(SETS[name]))
    out = HERE / "results" / f"nlu_{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(report.to_json())
    print(f"model {model.name}, set {name}: {report.counts}")
    for metric, value in report.scores.items():
        print(f"  {metric:24s} {value:.3f}")
    print("most frequent confusions:")
    for (label, predicted), count in confusion(report).most_common(15):
        print(f"  {count:3d}  {label} -> {predicted}")
    print(f"details: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
