"""How the interview's advice fares on the persona suites.

Usage: python -m scripts.evaluate_advice [--show]

For the persona suite (tests/data/personas.toml: tuned on, and a gate) and the holdout
personas (tests/data/personas_holdout.toml: written apart, never tuned on, measured
only) it prints the share of personas whose verdict and shape are the ones the articles
support, the lines of why that say what the member did not, the roadmaps that hold a
step they must not or lack one they must, and the roadmap-diversity figure: the mean
Jaccard overlap of two different members' roadmaps (aim: under 0.35), with any two
members of a different stage or goal who got the same list. Exits 1 if a check on the
tuned suite fails.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from tests.personas import (
    HOLDOUT_FILE,
    PERSONAS_FILE,
    Persona,
    contradictions,
    interview,
    load_personas,
    roadmap_diversity,
)

DIVERSITY_BAR = 0.35


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each persona's verdict and roadmap")
    args = parser.parse_args(argv)
    print("== the persona suite (tests/data/personas.toml; tuned on)")
    failed = report(load_personas(PERSONAS_FILE), show=args.show)
    print()
    print("== holdout personas (tests/data/personas_holdout.toml; written apart, never tuned on)")
    report(load_personas(HOLDOUT_FILE), show=args.show)
    # Only the tuned suite is a gate: the holdout is there to be measured, not passed.
    return 1 if failed else 0


def report(personas: list[Persona], *, show: bool) -> bool:
    """Print the figures for one set of personas; whether any check failed."""
    right = 0
    contradicting: list[str] = []
    roadmap_misses: list[str] = []
    roadmaps: dict[str, tuple[str, ...]] = {}
    used: Counter[str] = Counter()
    for persona in personas:
        result = interview(persona)
        shape = result.hybrid_shape.value if result.hybrid_shape else None
        right += (result.verdict.value, shape) == (persona.verdict, persona.shape)
        contradicting += [f"{persona.id}: {problem}" for problem in contradictions(persona, result)]
        steps = tuple(step.id for step in result.roadmap)
        roadmaps[persona.id] = steps
        used.update(steps)
        missing = set(persona.roadmap_must) - set(steps)
        forbidden = set(persona.roadmap_must_not) & set(steps)
        if missing or forbidden:
            roadmap_misses.append(
                f"{persona.id}: missing {sorted(missing)}, should not have {sorted(forbidden)}"
            )
        if show:
            print(f"{persona.id:34} {result.verdict.value:16} {shape or '':28} {', '.join(steps)}")
    diversity = roadmap_diversity(roadmaps, personas)
    print(f"personas: {len(personas)}")
    print(f"verdict and shape as the articles support: {right}/{len(personas)} ({right / len(personas):.1%})")
    print(f"lines of why that say what the member did not: {len(contradicting)}")
    print(f"roadmaps missing a step they must have or holding one they must not: {len(roadmap_misses)}")
    print(
        f"roadmap diversity: mean Jaccard overlap of two members' roadmaps {diversity.mean_overlap:.3f} "
        f"over {diversity.pairs} pairs (aim under {DIVERSITY_BAR}); "
        f"same list for a different stage or goal: {len(diversity.identical)}"
    )
    most_used = ", ".join(f"{step} {count}" for step, count in used.most_common(3))
    print(f"distinct steps used: {len(used)}; most used: {most_used}")
    for line in (
        contradicting + roadmap_misses + [f"same roadmap: {a} and {b}" for a, b in diversity.identical]
    ):
        print(f"  {line}")
    return bool(
        right < len(personas)
        or contradicting
        or roadmap_misses
        or diversity.identical
        or diversity.mean_overlap >= DIVERSITY_BAR
    )


if __name__ == "__main__":
    sys.exit(main())
