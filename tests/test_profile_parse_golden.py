"""Reading a profile gives the same profile, or the same errors (message, key path, line, column, suggestion),
as the code did before it was made faster: every case's result is compared with a digest recorded then.

Cases: thousands of profiles from the batch benchmark's mix, every example profile, and bad profiles made by
mutating good ones (wrong types, numbers out of range or not finite, misspelt keys, unknown words, repeated keys,
missing sections, bad dates and clearances), in JSON and in TOML. ``python tests/test_profile_parse_golden.py
--write`` records the digests again (only when a change of result is intended).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import attrs
import pytest
import tomli_w

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "corpus" / "profile_parse_golden.json"
MIX_COUNT = 3000
CHUNK = 100

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))

import revhyper  # noqa: E402
from revhyper.profile import profile as model  # noqa: E402
from revhyper.errors import InputError  # noqa: E402


def _bench_profiles():
    spec = importlib.util.spec_from_file_location("_bench_batch_for_golden", ROOT / "benchmarks" / "bench_batch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.profiles


def outcome(text: str, kind: str, name: str = "client") -> str:
    """What reading ``text`` gives, as text: the profile's repr or every problem's repr (all its fields)."""
    try:
        got = revhyper.parse_profile(text, name=f"{name}.{kind}", kind=kind)
    except InputError as exc:
        return f"{type(exc).__name__}: " + "\n".join(repr(p) for p in exc.problems)
    return repr(got)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


# --- bad profiles: mutations of good ones -------------------------------------------------------------------------

BASES = [
    {"person": {"id": "a", "age": 41, "sex": "female", "body_mass_kg": 62.5, "pregnant": True, "gestation_weeks": 20},
     "pain": {"current": 3, "worst_last_week": 5, "duration_weeks": 12, "radiating_below_knee": False,
              "extension_aggravates": True},
     "red_flags": {"fever": False, "history_of_cancer": False},
     "history": {"conditions": ["disc_herniation", "osteopenia"],
                 "surgeries": [{"procedure": "microdiscectomy", "date": "2026-06-29"}],
                 "injections": [{"weeks_ago": 6}]},
     "clearance": [{"rules": ["high_pain"], "role": "physiotherapist", "by": "A. Physio", "date": "2026-12-01",
                    "restrictions": []}],
     "training": {"experience": "novice", "goal": "rehabilitation", "days_per_week": 3, "weeks": 12,
                  "start_date": "2027-01-04", "equipment": ["reverse_hyper_machine", "mat"], "working_load_kg": 20,
                  "load_increment_kg": 2.5}},
    {"person": {"age": 30}, "pain": {"current": 0, "duration_weeks": 0},
     "training": {"experience": "advanced", "goal": "strength", "days_per_week": 7}},
]

BAD_VALUES = ["x", "", " ", [], {}, True, None, -1, 0, 10**20, 0.5, 1e300, "spondylolistesis", "2027-02-30",
              "2027-01-01T10:00:00", "1800-01-01", [1], ["mat", "mat"], [None], "INF"]
""""INF" stands for the JSON number 1e999 (inf when read); the rest are JSON values."""


def leaves(value, path=()):
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        yield path, value
        for index, item in enumerate(value):
            yield from leaves(item, path + (index,))
    else:
        yield path, value


def with_value(data, path, value):
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def without(data, path):
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return out


def renamed(data, path, new):
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[new] = target.pop(path[-1])
    return out


def as_json(data) -> str:
    return json.dumps(data, indent=1).replace('"INF"', "1e999")


def as_toml(data) -> str | None:
    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        if value is None:
            raise ValueError
        if value == "INF":
            return float("inf")
        if isinstance(value, str) and len(value) == 10 and value[4:5] == "-":
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        return value
    try:
        return tomli_w.dumps(convert(data))
    except (ValueError, TypeError):
        return None


def bad_profiles():
    """(case name, text, kind) for every mutation of every base profile."""
    for number, base in enumerate(BASES):
        for path, _ in leaves(base):
            if not path:
                continue
            mutants = [("value", repr(value), with_value(base, path, value)) for value in BAD_VALUES]
            if isinstance(path[-1], str):
                mutants.append(("missing", "", without(base, path)))
                mutants.append(("misspelt", "", renamed(base, path, path[-1][:-1] + path[-1][-1] * 2)))
                mutants.append(("unknown", "", renamed(base, path, "zz_" + path[-1])))
            for how, what, data in mutants:
                case = f"bad{number}/{'.'.join(map(str, path))}/{how}{what}"
                yield case + "/json", as_json(data), "json"
                if number == 0 and how != "value" or what in ("'x'", "-1", "'INF'", "[]", "'spondylolistesis'"):
                    text = as_toml(data)
                    if text is not None:
                        yield case + "/toml", text, "toml"
    base = as_json(BASES[0])
    for section in ("person", "pain", "training", "history", "clearance", "red_flags"):
        yield f"repeat/{section}", base[:-2] + f',\n "{section}": {{}}\n}}', "json"
    yield "repeat/deep", base.replace('"current": 3,', '"current": 3, "current": 4,'), "json"
    yield "nan", base.replace('"current": 3,', '"current": NaN,'), "json"
    yield "not-json", base[:-5], "json"
    yield "list", "[1, 2]", "json"
    yield "number", "3", "json"
    yield "empty", "{}", "json"
    yield "block", '{"format": "revhyper.block/1", "person": {}}', "json"
    yield "surrogate", base.replace('"id": "a"', '"id": "a\\ud800"'), "json"
    special = {
        "both-date-weeks": {"history": {"surgeries": [{"procedure": "microdiscectomy", "date": "2026-06-29",
                                                       "weeks_ago": 3}]}},
        "neither-date-weeks": {"history": {"injections": [{}]}},
        "event-after-start": {"history": {"injections": [{"date": "2027-06-01"}]}},
        "event-no-start": {"history": {"injections": [{"date": "2026-06-01"}]},
                           "training": {"start_date": None}},
        "gestation-not-pregnant": {"person": {"pregnant": False}},
        "clearance-after-start": {"clearance": [{"rules": ["high_pain"], "role": "physiotherapist",
                                                 "date": "2027-02-01"}]},
        "clearance-refuse-rule": {"clearance": [{"rules": ["cauda_equina"], "role": "physician", "date": "2026-12-01"}]},
        "clearance-unknown-rule": {"clearance": [{"rules": ["high_pian", "pregnant"], "role": "physician",
                                                  "date": "2026-12-01"}]},
        "clearance-old-table": {"clearance": {"cleared": True, "by": "Dr A"}},
        "clearance-text": {"clearance": "yes"},
        "clearance-bad-role": {"clearance": [{"rules": ["high_pain"], "role": "physio", "date": "2026-12-01"}]},
        "clearance-two": {"clearance": [{"rules": ["high_pain"], "role": "physician", "date": "2026-12-01"},
                                        {"rules": ["high_pain"], "role": "physician", "date": "2026-12-02",
                                         "restrictions": ["no_loaded_flexion", "zzz"]}]},
        "surgery-unknown": {"history": {"surgeries": [{"procedure": "microdiscetomy", "weeks_ago": 3}]}},
        "surgeries-table": {"history": {"surgeries": {"procedure": "microdiscectomy"}}},
        "injections-text": {"history": {"injections": "epidural"}},
        "young": {"person": {"age": 15}},
        "young-float": {"person": {"age": 15.0}},
        "old": {"person": {"age": 111}},
        "age-bool": {"person": {"age": True}},
        "float-days": {"training": {"days_per_week": 3.0}},
        "bool-number": {"pain": {"current": False}},
        "huge-negative": {"pain": {"current": -10**30}},
        "equipment-unknown": {"training": {"equipment": ["reverse_hyper", "mat", "ball"]}},
        "goal-near": {"training": {"goal": "strenght", "experience": "Novice"}},
        "many-errors": {"person": {"age": "x", "sex": 1, "body_mass_kg": "y"}, "pain": {"current": [], "zz": 1},
                        "training": {"experience": 1, "goal": 2, "days_per_week": 99, "weeks": 0}},
    }
    for case, change in special.items():
        data = copy.deepcopy(BASES[0])
        for section, value in change.items():
            if isinstance(value, dict) and isinstance(data.get(section), dict):
                for key, item in value.items():
                    if item is None:
                        data[section].pop(key, None)
                    else:
                        data[section][key] = item
            else:
                data[section] = value
        yield f"special/{case}/json", as_json(data), "json"
        text = as_toml(data)
        if text is not None:
            yield f"special/{case}/toml", text, "toml"
    for section in ("person", "pain", "training"):
        yield f"no-{section}", as_json(without(BASES[1], (section,))), "json"
    many = copy.deepcopy(BASES[0])
    many["history"]["conditions"] = ["zz%d" % i for i in range(150)]
    yield "past-the-cap", as_json(many), "json"


def second_net_cases():
    """Building a section directly with a bad value: (case, class, arguments)."""
    good = {
        model.Person: {"age": 40},
        model.Pain: {"current": 2, "duration_weeks": 3},
        model.RedFlags: {},
        model.Surgery: {"procedure": "microdiscectomy"},
        model.Injection: {},
        model.History: {},
        model.Clearance: {"rules": ("high_pain",), "role": "physician", "date": dt.date(2026, 1, 1)},
        model.Training: {"experience": "novice", "goal": "general", "days_per_week": 3},
    }
    for cls, args in good.items():
        for f in attrs.fields(cls):
            if f.metadata.get("kind") == "events":
                continue
            for value in ("x", None, -1, 10**6, 2.5, True, ["x"], (1,), dt.date(2026, 1, 1)):
                yield f"{cls.__name__}.{f.name}={value!r}", cls, {**args, f.name: value}


def second_net(cls, args) -> str:
    try:
        return repr(cls(**args))
    except Exception as exc:  # noqa: BLE001 - the class and message are what is compared
        return f"{type(exc).__name__}: {exc.args[0] if exc.args else ''}"  # attrs adds the field (addresses) after


def results() -> dict[str, str]:
    out: dict[str, str] = {}
    lines = list(_bench_profiles()(MIX_COUNT))
    for start in range(0, len(lines), CHUNK):
        chunk = "\n".join(outcome(line, "json", f"mix{start + i}") for i, line in enumerate(lines[start:start + CHUNK]))
        out[f"mix/{start}"] = digest(chunk)
    for path in sorted((ROOT / "examples" / "profiles").iterdir()):
        if path.suffix in (".toml", ".json"):
            out[f"example/{path.name}"] = digest(outcome(path.read_text(encoding="utf-8"), path.suffix[1:], path.stem))
    for case, text, kind in bad_profiles():
        assert case not in out, case
        out[case] = digest(outcome(text, kind))
    for case, cls, args in second_net_cases():
        out[f"direct/{case}"] = digest(second_net(cls, args))
    return out


def test_every_profile_reads_as_before_and_every_bad_one_gives_the_same_errors():
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = results()
    assert sorted(got) == sorted(expected)
    changed = [case for case in expected if got[case] != expected[case]]
    assert changed == []


def test_each_rule_set_reads_with_its_own_words_whichever_was_used_before():
    clinic = revhyper.parse_ruleset('extends = "default"\nid = "clinic"\nversion = "1"\ntitle = "Clinic"\n\n'
                                    '[vocabulary]\nequipment = ["sled"]\n')
    sled = copy.deepcopy(BASES[1])
    sled["training"]["equipment"] = ["sled"]
    text = as_json(sled)
    for _ in range(2):
        assert revhyper.parse_profile(text, ruleset=clinic, kind="json").training.equipment == ("sled",)
        with pytest.raises(InputError) as info:
            revhyper.parse_profile(text, kind="json")
        assert [p.path for p in info.value.problems] == ["training.equipment[0]"]


@pytest.mark.parametrize("cls,args", [(model.Person, {"age": "40"}), (model.Pain, {"current": 11, "duration_weeks": 1}),
                                      (model.Training, {"experience": "x", "goal": "general", "days_per_week": 3})])
def test_building_a_section_directly_with_a_bad_value_still_raises(cls, args):
    with pytest.raises((TypeError, ValueError)):
        cls(**args)


if __name__ == "__main__":
    if "--write" in sys.argv:
        GOLDEN.write_text(json.dumps(results(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {GOLDEN}")
