"""Profiles for the engine's golden test (test_engine_golden.py): seeded, so the same profiles every run.

``batch_mix`` is a frozen copy of benchmarks/bench_batch.py's ``profiles`` (a copy, so that tuning the benchmark
never changes the golden file); ``timed_mix`` adds what that mix has little of: surgeries and injections at many
distances (rules that change week to week), dated events, clearances of many rules by many roles that lapse during
the block, restrictions, pregnancy, heavy clients on a ball or bench, and no start date.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

CONDITIONS = ["nonspecific_low_back_pain", "disc_herniation", "osteopenia", "hypertension", "hernia", "osteoporosis",
              "spondylolisthesis", "spinal_stenosis", "long_term_steroids"]
EQUIPMENT = [["reverse_hyper_machine"], ["reverse_hyper_machine", "mat"], ["reverse_hyper_machine", "bench"],
             ["bench", "mat"], ["stability_ball"], ["glute_ham_developer"], ["mat"]]


def batch_mix(count: int, seed: int = 2026) -> Iterator[str]:
    """benchmarks/bench_batch.py's platform mix, as JSON lines (about 1 in 1,000 is not a valid profile)."""
    rng = random.Random(seed)
    for i in range(count):
        if rng.random() < 0.001:
            yield '{"person": {"age": 40}, "pain": {"current": 2, "duration_weeks": 3}, "training": {"goal": "strenght"}}'
            continue
        goal = rng.choice(["rehabilitation", "rehabilitation", "general", "endurance", "strength", "strength"])
        current = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8])
        profile = {
            "person": {"id": f"client-{i:07d}", "age": rng.randint(18, 75), "sex": rng.choice(["female", "male"]),
                       "body_mass_kg": rng.randint(50, 110)},
            "pain": {"current": current, "worst_last_week": min(10, current + rng.randint(0, 2)),
                     "duration_weeks": rng.choice([8, 12, 20, 40, 52, 150]),
                     "extension_aggravates": rng.random() < 0.15},
            "history": {"conditions": sorted(rng.sample(CONDITIONS, rng.choice([0, 0, 0, 1, 1, 2])))},
            "training": {"experience": rng.choice(["novice", "novice", "intermediate", "advanced"]), "goal": goal,
                         "days_per_week": rng.choice([2, 3, 3, 3, 4]), "weeks": rng.choice([8, 10, 12, 12, 12, 16]),
                         "start_date": f"2027-01-{rng.randint(1, 28):02d}", "equipment": rng.choice(EQUIPMENT)},
        }
        if rng.random() < 0.7:
            profile["training"]["working_load_kg"] = rng.choice([10, 15, 20, 25, 30, 40, 50, 60])
            profile["training"]["load_increment_kg"] = rng.choice([1, 2.5, 5])
        if rng.random() < 0.1:
            profile["clearance"] = [{"rules": ["high_pain", "extension_sensitive_diagnosis"], "role": "physiotherapist",
                                     "by": "A. Physio", "date": "2026-12-01"}]
        if rng.random() < 0.02:
            profile["red_flags"] = {rng.choice(["fever", "unexplained_weight_loss", "saddle_anesthesia"]): True}
        if rng.random() < 0.02:
            profile["history"]["surgeries"] = [{"procedure": "microdiscectomy", "weeks_ago": rng.choice([4, 8, 30])}]
        yield json.dumps(profile, separators=(",", ":"))


SURGERIES = ["microdiscectomy", "lumbar_fusion", "laminectomy", "lumbar_disc_replacement"]
CLEARABLE = ["high_pain", "extension_sensitive_diagnosis", "microdiscectomy_recovery", "lumbar_fusion_recovery",
             "other_surgery_recovery", "lumbar_disc_replacement_recovery", "pregnancy", "recent_spinal_injection",
             "radiating_pain", "older_new_pain", "young_new_or_extension_pain", "uncontrolled_hypertension"]
ROLES = ["physician", "physiotherapist", "surgeon", "obstetric_provider"]
RESTRICTIONS = ["no_hyperextension", "bodyweight_only", "light_load", "no_prone", "two_sessions_a_week"]
MORE_CONDITIONS = CONDITIONS + ["spondylolysis", "previous_vertebral_fracture", "uncontrolled_hypertension",
                                "anticoagulants", "hip_replacement", "ankylosing_spondylitis"]


def _day(rng: random.Random, year: int, month: int) -> str:
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def timed_mix(count: int, seed: int = 13) -> Iterator[str]:
    """Profiles whose screening changes during the block, or whose clearances count, lapse or are refused."""
    rng = random.Random(seed)
    for i in range(count):
        current = rng.choice([0, 1, 2, 2, 3, 3, 4, 5, 6, 7])
        dated = rng.random() < 0.85
        profile: dict = {
            "person": {"id": f"timed-{i:04d}", "age": rng.choice([16, 19, 30, 45, 60, 72, 88]), "body_mass_kg": rng.randint(45, 160)},
            "pain": {"current": current, "duration_weeks": rng.choice([2, 5, 8, 20, 20, 60, 60]),
                     "radiating_below_knee": rng.random() < 0.1, "extension_aggravates": rng.random() < 0.1},
            "history": {"conditions": sorted(rng.sample(MORE_CONDITIONS, rng.choice([0, 0, 0, 1, 1, 2])))},
            "training": {"experience": rng.choice(["novice", "intermediate", "advanced"]),
                         "goal": rng.choice(["rehabilitation", "general", "endurance", "strength"]),
                         "days_per_week": rng.randint(1, 7), "equipment": rng.choice(EQUIPMENT)},
        }
        if rng.random() < 0.5:
            profile["pain"]["worst_last_week"] = min(10, current + rng.randint(0, 3))
        if rng.random() < 0.8:
            profile["training"]["weeks"] = rng.choice([1, 2, 4, 8, 12, 16, 26, 52])
        if dated:
            profile["training"]["start_date"] = _day(rng, 2026, 12)
        if rng.random() < 0.8:
            profile["training"]["working_load_kg"] = rng.choice([5, 12.5, 20, 40, 80, 140])
            if rng.random() < 0.7:
                profile["training"]["load_increment_kg"] = rng.choice([0.5, 1, 2.5, 5, 10])
        if rng.random() < 0.08:
            profile["person"]["sex"] = "female"
            profile["person"]["pregnant"] = True
            profile["person"]["gestation_weeks"] = rng.randint(4, 38)
        surgeries = []
        for procedure in rng.sample(SURGERIES, rng.choice([0, 1, 1, 1, 2])):
            if dated and rng.random() < 0.4:
                surgeries.append({"procedure": procedure, "date": _day(rng, 2026, rng.randint(4, 11))})
            else:
                surgeries.append({"procedure": procedure, "weeks_ago": rng.choice([0, 3, 5.5, 6, 10, 12, 14, 20, 23, 25, 40, 50])})
        if surgeries:
            profile["history"]["surgeries"] = surgeries
        if rng.random() < 0.25:
            profile["history"]["injections"] = [{"weeks_ago": rng.choice([0, 1, 2, 3, 6])}]
        if rng.random() < 0.7:
            clearances = []
            for _ in range(rng.randint(1, 2)):
                clearance = {"rules": sorted(rng.sample(CLEARABLE, rng.randint(4, 12))),
                             "role": rng.choice(["physician", "physician", "physician", *ROLES]),
                             "date": _day(rng, 2026, rng.choice([1, 6, 7, 7, 8, 10, 11, 11]))}
                if rng.random() < 0.5:
                    clearance["by"] = "Dr. Example"
                if rng.random() < 0.4:
                    clearance["restrictions"] = sorted(rng.sample(RESTRICTIONS, rng.randint(1, 2)))
                clearances.append(clearance)
            profile["clearance"] = clearances
        if rng.random() < 0.03:
            profile["red_flags"] = {rng.choice(["fever", "recent_minor_trauma", "not_improving_after_4_weeks_of_care"]): True}
        yield json.dumps(profile, separators=(",", ":"))
