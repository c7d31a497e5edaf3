"""A grammar-faithful checker for the Liftoscript subset revhyper-liftosaur writes, and a reader of its numbers.

Liftosaur's own parser cannot run in these tests: it is a lezer grammar in Liftosaur's repository, which no
package registry publishes, and the tests may fetch nothing else (and this repository does not copy it). So
this module implements, by hand, the rules of that grammar for every construct the exporter writes, plus the
checks Liftosaur's evaluator makes on them, and is stricter than the grammar where that is cheap (no control
character anywhere, only the kg unit).

Written from github.com/astashov/liftosaur, file src/pages/planner/plannerExercise.grammar as last changed
in commit 76a59e860dc5a7b76fa39b71dd1ef2098ca19034 (read at dea690bbaaafa3db47a575b58c118b3cb6221fed).
The rules used, as the grammar writes them:

    @top Program { expression* }
    expression { LineComment | TripleLineComment | Week | Day | ExerciseExpression | EmptyExpression }
    ExerciseExpression { ExerciseVariations Repeat? (SectionSeparator ExerciseSection?)* linebreakOrEof }
    EmptyExpression { linebreak }
    ExerciseVariations { ExerciseVariation ("|" ExerciseVariation)* }
    ExerciseVariation { CurrentVariation? ExerciseName }
    ExerciseName { NonSeparator+ }
    ExerciseSets { CurrentVariation? ExerciseSet ("," ExerciseSet)* }
    ExerciseSection { (ExerciseProperty | ExerciseSets | ReuseSectionWithWeekDay | Superset) ("\\" linebreak)? }
    ExerciseSet { (Rpe | SetTimer | Timer | Auto | SetPart | WeightWithPlus | PercentageWithPlus | SetLabel | AskWeight)+ }
    ExerciseProperty { ExercisePropertyName ":" (FunctionExpression | WarmupExerciseSets | None) }
    ExercisePropertyName { Keyword }
    None { @specialize<Keyword, "none"> }
    Timer { Int "s" }
    SetPart { Rep Plus? "x" (RepRange | Rep) Plus? }
    WeightWithPlus { Weight Plus? }
    @skip { space }
    tokens: TripleLineComment { "///" ![\\n]* linebreakOrEof }   LineComment { "//" ![\\n]* linebreakOrEof }
            Week { "#" ![\\n]* linebreakOrEof }   Day { "##" ![\\n]* linebreakOrEof }   (Day before Week)
            Weight { ("+" | "-")? (Float | Int) ("lb" | "kg") }   Int { @digit+ }   Float { @digit* "." @digit+ }
            space { $[ \\t]+ }   SectionSeparator { "/" }   linebreak { "\\n" | "\\r" | "\\r\\n" }
            NonSeparator { ![/{}() \\t\\n\\r#\\[\\]|!]+ }   Keyword { $[a-zA-Z_] $[0-9a-zA-Z_]* }

And from Liftosaur's evaluator (src/pages/planner/plannerExerciseEvaluator.ts at the same commit): in full
mode "You should first define a week and a day before listing exercises", "You need to specify a week before
a day"; a `//` line is a description of the week, day or exercise that follows it (blank lines and `///`
lines split descriptions); an exercise is looked up by "Name, Equipment" (Exercise_findByNameAndEquipment in
src/models/exercise.ts), an unknown one is "Unknown exercise NAME".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BUILT_IN = {"Reverse Hyperextension"}  # the one built-in exercise the exporter names (src/models/exercise.ts)
EQUIPMENT = {"Barbell", "Cable", "Dumbbell", "Smith Machine", "Band", "Kettlebell", "Bodyweight",
             "Leverage Machine", "Medicine Ball", "EZ Bar", "Trap Bar"}  # equipmentName() in src/models/exercise.ts

NON_SEPARATOR = re.compile(r"[^/{}() \t\n\r#\[\]|!]+")
SPACE = re.compile(r"[ \t]+")
INT = r"\d+"
FLOAT = r"\d*\.\d+"
SET_PART = re.compile(rf"({INT})\+?[ \t]*x[ \t]*({INT})(?:[ \t]*-[ \t]*({INT}))?\+?")
WEIGHT = re.compile(rf"[+-]?({FLOAT}|{INT})(kg|lb)\+?")
TIMER = re.compile(rf"({INT})s(?![|\w])")
KEYWORD = re.compile(r"[a-zA-Z_][0-9a-zA-Z_]*")


class LiftoscriptError(ValueError):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line, self.column = line, column


@dataclass
class Exercise:
    name: str
    line: int
    description: list[str]
    sets: int | None = None
    reps: int | None = None
    weight_kg: float | None = None
    rest_seconds: int | None = None
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        """Whether Liftosaur finds it without a custom exercise ("Name" or "Name, Equipment")."""
        name, _, equipment = self.name.rpartition(", ")
        return self.name in BUILT_IN or (name in BUILT_IN and equipment in EQUIPMENT)


@dataclass
class Day:
    name: str
    description: list[str]
    exercises: list[Exercise] = field(default_factory=list)


@dataclass
class Week:
    name: str
    description: list[str]
    days: list[Day] = field(default_factory=list)


@dataclass
class Program:
    weeks: list[Week]
    hidden: list[str]  # the /// lines
    program_lines: list[str]  # every line that is not a comment or blank: what Liftosaur reads as program


def parse(text: str) -> Program:
    bad = re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text)
    if bad:  # stricter than the grammar: \r is a linebreak there, the rest would be taken as text
        before = text[:bad.start()]
        raise LiftoscriptError(before.count("\n") + 1, bad.start() - before.rfind("\n"),
                               f"control character {bad.group()!r}")
    weeks: list[Week] = []
    hidden: list[str] = []
    program_lines: list[str] = []
    pending: list[str] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line == "":  # EmptyExpression
            pending = []
        elif line.startswith("///"):  # TripleLineComment (precedence over LineComment)
            hidden.append(line[3:].strip())
            pending = []
        elif line.startswith("//"):  # LineComment
            pending.append(line[2:].strip())
        elif line.startswith("##"):  # Day (precedence over Week)
            program_lines.append(line)
            if not weeks:
                raise LiftoscriptError(number, 1, "You need to specify a week before a day")
            weeks[-1].days.append(Day(line.lstrip("#").strip(), pending))
            pending = []
        elif line.startswith("#"):  # Week
            program_lines.append(line)
            weeks.append(Week(line.lstrip("#").strip(), pending))
            pending = []
        else:
            program_lines.append(line)
            exercise = _exercise(line, number, pending)
            if not weeks or not weeks[-1].days:
                raise LiftoscriptError(number, 1, "You should first define a week and a day before listing exercises.")
            weeks[-1].days[-1].exercises.append(exercise)
            pending = []
    return Program(weeks, hidden, program_lines)


def _exercise(line: str, number: int, description: list[str]) -> Exercise:
    """ExerciseExpression without variations, Repeat, reuse, supersets or line continuations."""
    column = 0
    names = []
    while column < len(line):  # ExerciseName { NonSeparator+ } with spaces skipped
        space = SPACE.match(line, column)
        if space:
            column = space.end()
            continue
        word = NON_SEPARATOR.match(line, column)
        if not word:
            break
        names.append(word.group())
        column = word.end()
    if not names:
        raise LiftoscriptError(number, column + 1, "an exercise line must start with the exercise name")
    exercise = Exercise(" ".join(names), number, description)
    while column < len(line):
        if line[column] != "/":
            raise LiftoscriptError(number, column + 1, f"expected '/' (SectionSeparator), found {line[column]!r}")
        end = line.find("/", column + 1)
        end = len(line) if end < 0 else end
        _section(line[column + 1:end], number, column + 2, exercise)
        column = end
    return exercise


def _section(section: str, number: int, start: int, exercise: Exercise) -> None:
    body = section.strip(" \t")
    if body == "":
        return  # (SectionSeparator ExerciseSection?)*
    offset = start + len(section) - len(section.lstrip(" \t"))
    prop = re.fullmatch(r"([a-zA-Z_][0-9a-zA-Z_]*)[ \t]*:[ \t]*(.*)", body)
    if prop:  # ExerciseProperty; the only value written is None
        if prop.group(2) != "none":
            raise LiftoscriptError(number, offset, f"property {prop.group(1)}: only 'none' is in the checked subset")
        exercise.properties[prop.group(1)] = "none"
        return
    for index, exercise_set in enumerate(body.split(",")):  # ExerciseSets { ExerciseSet ("," ExerciseSet)* }
        if index:
            raise LiftoscriptError(number, offset, "one ExerciseSet per section in the checked subset")
        _set(exercise_set.strip(" \t"), number, offset, exercise)


def _set(text: str, number: int, column: int, exercise: Exercise) -> None:
    """ExerciseSet { (Timer | SetPart | WeightWithPlus)+ }, items separated by skipped spaces."""
    if not text:
        raise LiftoscriptError(number, column, "an empty set")
    position = 0
    while position < len(text):
        space = SPACE.match(text, position)
        if space:
            position = space.end()
            continue
        for pattern, kind in ((SET_PART, "set"), (WEIGHT, "weight"), (TIMER, "timer")):
            found = pattern.match(text, position)
            if found:
                break
        else:
            raise LiftoscriptError(number, column + position, f"not a set, weight or timer: {text[position:]!r}")
        if kind == "set":
            if found.group(3) is not None:
                raise LiftoscriptError(number, column + position, "rep ranges are not written by the exporter")
            exercise.sets, exercise.reps = int(found.group(1)), int(found.group(2))
        elif kind == "weight":
            if found.group(2) != "kg":
                raise LiftoscriptError(number, column + position, "the exporter writes kg only")
            exercise.weight_kg = float(found.group(1))
        else:
            exercise.rest_seconds = int(found.group(1))
        position = found.end()
