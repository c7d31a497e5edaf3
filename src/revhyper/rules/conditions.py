"""Rule conditions: a small, safe expression language compiled to closures.

A condition is written like a Python expression over the profile's fields::

    pain.current >= params.high_pain and not person.pregnant
    "spondylolisthesis" in history.conditions
    weeks_since_surgery("microdiscectomy") < params.microdiscectomy_weeks

It is parsed with :mod:`ast` and checked node by node against a whitelist: field paths, the
rule set's ``params``, literals, comparisons, ``and``/``or``/``not``, ``in``, and a fixed set of
functions. Everything else (calls to anything else, attributes of non-fields, arithmetic,
subscripts, comprehensions, lambdas, f-strings...) is a load-time error. Types are checked
too: a number compared with a yes/no field, or a condition name the rule set's vocabulary
does not know, is an error at load time, never a rule that silently never fires.

A comparison with a value the profile leaves out (an optional field, or ``weeks_since_surgery``
of a surgery the client never had) is false.
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..io.suggest import did_you_mean

Facts = Mapping[str, Any]
Predicate = Callable[[Facts], bool]

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_NUMBER = 1_000_000

FUNCTIONS: dict[str, tuple[str | None, str, bool]] = {
    "weeks_since_surgery": ("surgeries", "number", True),
    "had_surgery": ("surgeries", "bool", False),
    "weeks_since_injection": (None, "number", True),
}
"""Function name -> (vocabulary of its one string argument, or None for no argument; result kind; result may be
missing). ``weeks_since_*`` are time-dependent: the engine reads them at each week of the block."""

TIME_DEPENDENT = ("weeks_since_surgery(", "weeks_since_injection(")
"""How a condition's ``reads`` name a time-dependent fact (see screening.facts_for's ``week``)."""

_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_EQUALITY = {ast.Eq: operator.eq, ast.NotEq: operator.ne}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in"}
_KIND_WORDS = {"number": "a number", "bool": "a yes/no value", "enum": "a word", "str": "a word", "list": "a list"}

_NOT_ALLOWED = {
    ast.Call: "calling anything but the functions " + ", ".join(FUNCTIONS),
    ast.BinOp: "arithmetic",
    ast.Subscript: "indexing with [ ]",
    ast.Lambda: "lambda",
    ast.IfExp: "if/else expressions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "assignment (:=)",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.Starred: "starred expressions",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


@attrs.frozen
class ConditionProblem:
    """A problem at ``line`` (1-based) and ``column`` (0-based offset) within the condition text."""

    message: str
    line: int = 1
    column: int = 0
    suggestion: str | None = None


class ConditionError(Exception):
    def __init__(self, problems: list[ConditionProblem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in problems))


@attrs.frozen
class Type:
    kind: str  # number | bool | enum | str | list
    optional: bool = False
    choices: tuple[str, ...] | None = None  # enum fields
    vocabulary: str | None = None  # list fields and their words
    constant: bool = False
    value: Any = None
    label: str = ""  # how the person wrote it, for messages
    fact: Any = None  # the facts' key (or place) when the value is read straight from them (a field or a function)
    member: tuple[Any, str] | None = None  # (facts' key, word) when the condition is just: "word" in that list


@attrs.frozen
class Condition:
    """A compiled condition: its text, a predicate over profile facts, and the names it reads."""

    text: str
    predicate: Predicate = attrs.field(eq=False, repr=False)
    reads: tuple[str, ...] = ()
    tree: ast.expr | None = attrs.field(default=None, eq=False, repr=False)
    """The parsed expression, kept for the analysis that proves a rule can never fire (lint.py)."""

    def __call__(self, facts: Facts) -> bool:
        return self.predicate(facts)


def compile_condition(
    text: str,
    *,
    fields: Mapping[str, Mapping[str, Any]],
    params: Mapping[str, Any],
    vocabularies: Mapping[str, tuple[str, ...]],
) -> Condition:
    """Compile ``text`` or raise :class:`ConditionError` listing every problem found."""
    body = parse_condition(text)
    count = sum(1 for _ in ast.walk(body))
    if count > MAX_NODES:
        raise ConditionError([ConditionProblem(f"the condition is too long ({count} parts; at most {MAX_NODES})")])
    compiler = _Compiler(fields, params, vocabularies, text)
    predicate, kind = compiler.node(body, 0)
    if predicate is not None and kind is not None and kind.kind != "bool":
        compiler.fail(
            body,
            f"a condition must be true or false, but {kind.label or 'this'} is {_KIND_WORDS.get(kind.kind, kind.kind)}"
            + (f"; compare it, e.g. {kind.label} >= 7" if kind.kind == "number" and kind.label else ""),
        )
    if compiler.problems:
        raise ConditionError(compiler.problems)
    if kind is not None and kind.constant:
        predicate = _always(bool(kind.value))
    return Condition(text=text, predicate=predicate, reads=tuple(dict.fromkeys(compiler.reads)), tree=body)


def predicate_on_slots(
    condition: Condition,
    slots: Mapping[str, int],
    *,
    fields: Mapping[str, Mapping[str, Any]],
    params: Mapping[str, Any],
    vocabularies: Mapping[str, tuple[str, ...]],
) -> Predicate:
    """The predicate of ``condition`` (compiled with these fields, params and vocabularies) over a sequence of facts
    rather than a mapping: the fact whose key is ``k`` is read at ``facts[slots[k]]``. Closures built from the tree
    the condition was parsed to, as compile_condition builds them; raises :class:`ConditionError` (or KeyError for a
    fact ``slots`` does not place) when it cannot be built."""
    if condition.tree is None:
        raise ConditionError([ConditionProblem("the condition keeps no parsed tree")])
    compiler = _Compiler(fields, params, vocabularies, condition.text, slots)
    predicate, kind = compiler.node(condition.tree, 0)
    if compiler.problems or predicate is None or kind is None or kind.kind != "bool":
        raise ConditionError(compiler.problems or [ConditionProblem("the condition is not true or false")])
    if kind.constant:
        return _always(bool(kind.value))
    if tuple(dict.fromkeys(compiler.reads)) != condition.reads:
        raise ConditionError([ConditionProblem("the condition reads other values than it did")])
    return predicate


def _always(value: bool) -> Predicate:
    """The predicate of a condition that holds always (or never), whatever the facts."""
    return (lambda facts: True) if value else (lambda facts: False)


COMMENT = ("a condition cannot hold a comment: everything after '#' would be ignored, so the rest of the condition "
           "would silently not apply; put notes in the rule's reason, or in a TOML comment outside the string")


STRAY = "a ')' closes a bracket the condition never opened"


def parse_condition(text: str) -> ast.expr:
    """The expression ``text`` holds, parsed with its lines as written: exactly what the rule evaluates.

    The text is parsed inside brackets, so it may run over several lines as in Python (newlines are not flattened,
    which once let a ``#`` on the first line hide every line after it). A comment is an error wherever it is:
    comments are found with the tokenizer, so a ``#`` inside a quoted word ("a#b") is not one. Raises
    :class:`ConditionError`; lines are 1-based and columns count characters (0-based) within ``text``.
    """
    if not isinstance(text, str):
        raise ConditionError([ConditionProblem("a condition must be a string")])
    if len(text) > MAX_LENGTH:
        raise ConditionError([ConditionProblem(f"a condition may be at most {MAX_LENGTH} characters; this one has {len(text)}")])
    if not text.strip():
        raise ConditionError([ConditionProblem("the condition is empty")])
    lines = text.split("\n")
    if "#" in text:  # no '#' anywhere, no comment: the tokenizer runs only when one could be there
        comments = [ConditionProblem(COMMENT, line, column) for kind, _, line, column in _tokens(text) if kind == "COMMENT"]
        if comments:
            raise ConditionError(comments)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Python's own warnings (e.g. "7and x") are condition errors, not stderr noise
            tree = ast.parse("(\n" + text + "\n)", mode="eval")
    except SyntaxError as exc:  # its offset counts characters
        line, column = _clamp(lines, (exc.lineno or 1) - 1, max((exc.offset or 1) - 1, 0))
        message = exc.msg
        if (exc.lineno or 1) in (1, len(lines) + 2):  # Python blames the brackets the text was put in
            stray = next(((ln, col) for kind, _, ln, col in _tokens(text) if kind == "UNMATCHED"), None)
            if stray:
                raise ConditionError([ConditionProblem(STRAY, *stray)]) from None
            unclosed = _unclosed(text)
            if unclosed:
                message, line, column = f"'{unclosed[0]}' was never closed", unclosed[1], unclosed[2]
        raise ConditionError([ConditionProblem(f"not a valid condition: {message}", line, column)]) from None
    except (RecursionError, MemoryError):
        raise ConditionError([ConditionProblem("the condition is too deeply nested")]) from None
    except (ValueError, Warning) as exc:  # NUL characters, unencodable text, Python's warnings
        raise ConditionError([ConditionProblem(f"not a valid condition: {exc}")]) from None
    body = tree.body
    if body.lineno == 1 or (body.end_lineno or 0) > len(lines) + 1:  # it reaches into the brackets it was put in
        stray = next(((line, column) for kind, string, line, column in _tokens(text) if kind == "UNMATCHED"), (1, 0))
        raise ConditionError([ConditionProblem(STRAY, *stray)])
    hidden = _hash_outside_strings(body, lines) if "#" in text else None
    if hidden:  # a second opinion, from the parser itself: a '#' outside every string literal can only be a comment
        raise ConditionError([ConditionProblem(COMMENT, *hidden)])
    return body


def _hash_outside_strings(body: ast.expr, lines: list[str]) -> tuple[int, int] | None:
    """(line, column) of the first '#' that no string literal of the parsed condition covers."""
    spans = [(_place(lines, node.lineno, node.col_offset), _place(lines, node.end_lineno or 0, node.end_col_offset or 0))
             for node in ast.walk(body) if isinstance(node, (ast.Constant, ast.JoinedStr))]
    for number, line in enumerate(lines, 1):
        column = line.find("#")
        while column >= 0:
            if not any(start <= (number, column) < end for start, end in spans):
                return number, column
            column = line.find("#", column + 1)
    return None


def _place(lines: list[str], lineno: int, byte_column: int) -> tuple[int, int]:
    """An ast position (line of the bracketed text, UTF-8 byte column) as (line, character column) in the condition."""
    line, column = _clamp(lines, lineno - 1, byte_column)
    if 1 <= line <= len(lines) and 1 <= lineno - 1 <= len(lines):
        column = len(lines[line - 1].encode("utf-8", "surrogatepass")[:column].decode("utf-8", "ignore"))
    return line, column


def _tokens(text: str):
    """(kind, string, line, column) of the condition's tokens, lines and character columns within ``text``; stops
    at the first token Python cannot read (the parser then reports it). ``UNMATCHED`` marks a stray closing bracket."""
    import io
    import tokenize

    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO("(\n" + text + "\n)").readline):
            if token.type == tokenize.ERRORTOKEN:
                return
            line, column = token.start[0] - 1, token.start[1]
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
                if depth == 0 and line <= text.count("\n") + 1:
                    yield "UNMATCHED", token.string, line, column
                    return
            yield tokenize.tok_name[token.type], token.string, line, column
    except (tokenize.TokenError, SyntaxError):
        return


def _unclosed(text: str) -> tuple[str, int, int] | None:
    """The innermost bracket the condition opens and never closes, and where it is."""
    import io
    import tokenize

    opened: list[tuple[str, int, int]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "([{":
                opened.append((token.string, *token.start))
            elif token.type == tokenize.OP and token.string in ")]}" and opened:
                opened.pop()
    except (tokenize.TokenError, SyntaxError):
        pass
    return opened[-1] if opened else None


def _clamp(lines: list[str], line: int, column: int) -> tuple[int, int]:
    """A place in the bracketed text as a place in the condition (the brackets' own lines map to its ends)."""
    if line < 1:
        return 1, 0
    if line > len(lines):
        return len(lines), len(lines[-1])
    return line, column


class _Compiler:
    def __init__(self, fields, params, vocabularies, text: str, slots: Mapping[str, int] | None = None):
        self.slots = slots
        self.fields = fields
        self.params = params
        self.vocabularies = vocabularies
        self.lines = text.split("\n")
        self.problems: list[ConditionProblem] = []
        self.reads: list[str] = []

    def fail(self, node: ast.AST, message: str, suggestion: str | None = None) -> tuple[None, None]:
        line, column = _place(self.lines, getattr(node, "lineno", 2), getattr(node, "col_offset", 0))
        self.problems.append(ConditionProblem(message, line, column, suggestion))
        return None, None

    # -- dispatch ---------------------------------------------------------------------------
    def node(self, node: ast.AST, depth: int):
        if depth > MAX_DEPTH:
            return self.fail(node, f"the condition is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.BoolOp):
            return self.bool_op(node, depth)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            return self.fail(node, "a list may only stand on the right of 'in', e.g. training.goal in [\"strength\", \"general\"]")
        what = _NOT_ALLOWED.get(type(node), type(node).__name__)
        return self.fail(node, f"{what}: not allowed in a condition")

    # -- pieces -----------------------------------------------------------------------------
    def bool_op(self, node: ast.BoolOp, depth: int):
        parts = [self.node(value, depth + 1) for value in node.values]
        ok = True
        for value, (fn, kind) in zip(node.values, parts):
            if fn is None:
                ok = False
            elif kind.kind != "bool":
                word = "and" if isinstance(node.op, ast.And) else "or"
                self.fail(value, f"both sides of '{word}' must be true or false, but {kind.label or 'this'} is {_KIND_WORDS[kind.kind]}")
                ok = False
        if not ok:
            return None, None
        fns = tuple(fn for fn, _ in parts)
        either = isinstance(node.op, ast.Or)
        kinds = [kind for _, kind in parts]
        facts = tuple(k.fact for k in kinds if k.fact is not None and not k.constant)
        if len(facts) == len(kinds):  # yes/no facts read straight: no call for each
            return _flags(facts, either, every_place=self.slots is not None), Type("bool")
        if either:  # a run of words looked for in the same list: one test of them all, in the same place
            fns = _words_in_runs(fns, tuple(k.member for k in kinds))
            if len(fns) == 1:
                return fns[0], Type("bool")
        if isinstance(node.op, ast.And):
            if len(fns) == 2:
                a, b = fns
                return (lambda f: a(f) and b(f)), Type("bool")
            return _all(fns), Type("bool")
        if len(fns) == 2:
            a, b = fns
            return (lambda f: a(f) or b(f)), Type("bool")
        return _any(fns), Type("bool")

    def unary(self, node: ast.UnaryOp, depth: int):
        if isinstance(node.op, ast.Not):
            fn, kind = self.node(node.operand, depth + 1)
            if fn is None:
                return None, None
            if kind.kind != "bool":
                return self.fail(node, f"'not' needs a true-or-false value, but {kind.label or 'this'} is {_KIND_WORDS[kind.kind]}")
            return (lambda f: not fn(f)), Type("bool")
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            fn, kind = self.constant(node.operand)
            if fn is None:
                return None, None
            if kind.kind != "number":
                return self.fail(node, "'-' goes only before a number")
            value = -kind.value
            return (lambda f: value), Type("number", constant=True, value=value, label=str(value))
        return self.fail(node, "arithmetic is not allowed in a condition")

    def constant(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return (lambda f: value), Type("bool", constant=True, value=value, label=str(value).lower())
        if isinstance(value, (int, float)):
            if not abs(value) <= MAX_NUMBER:  # also rejects NaN
                return self.fail(node, f"numbers in a condition must lie between -{MAX_NUMBER:,} and {MAX_NUMBER:,}")
            return (lambda f: value), Type("number", constant=True, value=value, label=repr(value))
        if isinstance(value, str):
            return (lambda f: value), Type("str", constant=True, value=value, label=f'"{value}"')
        return self.fail(node, f"{type(value).__name__} values are not allowed in a condition")

    def name(self, node: ast.AST):
        dotted = dotted_name(node)
        if dotted is None:
            return self.fail(node, "only profile fields (like pain.current) and params.NAME can be read")
        if "__" in dotted:
            return self.fail(node, "names with double underscores are not allowed")
        if dotted in ("true", "false"):
            value = dotted == "true"
            return (lambda f: value), Type("bool", constant=True, value=value, label=dotted)
        if dotted.startswith("params."):
            key = dotted[len("params."):]
            if key not in self.params:
                return self.fail(node, f"unknown parameter '{key}'", did_you_mean(key, self.params))
            value = self.params[key]
            param_kind = "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "str"
            self.reads.append(dotted)
            return (lambda f: value), Type(param_kind, constant=True, value=value, label=dotted)
        info = self.fields.get(dotted)
        if info is None:
            return self.fail(node, f"unknown field '{dotted}'", did_you_mean(dotted, self.fields))
        self.reads.append(dotted)
        kind = Type(
            info["kind"],
            optional=info.get("optional", False),
            choices=info.get("choices"),
            vocabulary=info.get("vocabulary"),
            label=dotted,
        )
        key = self.key(dotted)
        return (lambda f: f[key]), attrs.evolve(kind, fact=key)

    def call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = dotted_name(node.func) or "this"
            return self.fail(node, f"calling {name} is not allowed; the functions are: {', '.join(FUNCTIONS)}",
                             did_you_mean(name, FUNCTIONS))
        name = node.func.id
        vocabulary, result, optional = FUNCTIONS[name]
        if vocabulary is None:
            if node.keywords or node.args:
                return self.fail(node, f"{name} takes nothing between its brackets: {name}()")
            self.reads.append(f"{name}()")
            key = self.key(f"{name}:")
            return (lambda f: f[key]), Type(result, optional=optional, label=f"{name}()", fact=key)
        if node.keywords or len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            return self.fail(node, f'{name} takes one quoted name, e.g. {name}("microdiscectomy")')
        word = node.args[0].value
        if not self.check_word(node.args[0], word, vocabulary):
            return None, None
        key = self.key(f"{name}:{word}")
        self.reads.append(f'{name}("{word}")')
        return (lambda f: f[key]), Type(result, optional=optional, label=f'{name}("{word}")', fact=key)

    def check_word(self, node: ast.AST, word: str, vocabulary: str) -> bool:
        words = self.vocabularies.get(vocabulary, ())
        if word not in words:
            self.fail(node, f"'{word}' is not in the rule set's {vocabulary} vocabulary", did_you_mean(word, words))
            return False
        return True

    def compare(self, node: ast.Compare, depth: int):
        terms = [node.left, *node.comparators]
        compiled = [self.pair(node.ops[i], terms[i], terms[i + 1], depth) for i in range(len(node.ops))]
        if any(fn is None for fn in compiled):
            return None, None
        if len(compiled) == 1:
            member = None
            if (isinstance(node.ops[0], ast.In) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
                    and not isinstance(node.comparators[0], (ast.List, ast.Tuple))):
                key = self.list_fact(node.comparators[0])
                member = (key, node.left.value) if key is not None else None
            return compiled[0], Type("bool", member=member)
        return _all(tuple(compiled)), Type("bool")

    def key(self, fact: str) -> Any:
        """How the predicate reads a fact: by its key, or by its place (``slots``) in a sequence of the facts."""
        return fact if self.slots is None else self.slots[fact]

    def list_fact(self, node: ast.AST) -> Any:
        """The facts' key of a list field named by ``node`` (read straight from the facts), else None."""
        dotted = dotted_name(node)
        info = self.fields.get(dotted) if dotted is not None else None
        return self.key(dotted) if dotted is not None and info is not None and info.get("kind") == "list" else None

    def pair(self, op: ast.cmpop, left_node: ast.AST, right_node: ast.AST, depth: int):
        symbol = _SYMBOL.get(type(op))
        if symbol is None:
            self.fail(left_node, "'is' and 'is not' are not allowed; use == or !=")
            return None
        if symbol in ("in", "not in"):
            return self.membership(op, left_node, right_node, depth)
        left, lt = self.node(left_node, depth + 1)
        right, rt = self.node(right_node, depth + 1)
        if left is None or right is None:
            return None
        if lt.constant and rt.constant:
            self.fail(left_node, f"this compares two fixed values ({lt.label} {symbol} {rt.label}); compare a profile field")
            return None
        if symbol in ("<", "<=", ">", ">="):
            for t, n in ((lt, left_node), (rt, right_node)):
                if t.kind != "number":
                    self.fail(n, f"'{symbol}' compares numbers, but {t.label} is {_KIND_WORDS[t.kind]}")
                    return None
            fn = _ORDER[type(op)]
        else:
            if not self.same_kind(lt, rt, left_node, right_node, symbol):
                return None
            fn = _EQUALITY[type(op)]
        return _comparison(fn, left, right, lt, rt)

    def same_kind(self, lt: Type, rt: Type, left_node, right_node, symbol) -> bool:
        if "list" in (lt.kind, rt.kind):
            listed = lt if lt.kind == "list" else rt
            self.fail(left_node, f"{listed.label} is a list; test membership with 'in', e.g. \"name\" in {listed.label}")
            return False
        words = {"enum", "str"}
        if lt.kind in words and rt.kind in words:
            for field_type, const_type, node in ((lt, rt, right_node), (rt, lt, left_node)):
                if field_type.choices and const_type.constant and const_type.value not in field_type.choices:
                    self.fail(node, f"{field_type.label} is one of {', '.join(field_type.choices)}; {const_type.label} can never match",
                              did_you_mean(str(const_type.value), field_type.choices))
                    return False
            return True
        if lt.kind != rt.kind:
            self.fail(left_node, f"'{symbol}' compares {lt.label} ({_KIND_WORDS[lt.kind]}) with {rt.label} ({_KIND_WORDS[rt.kind]})")
            return False
        return True

    def membership(self, op: ast.cmpop, left_node: ast.AST, right_node: ast.AST, depth: int):
        negate = isinstance(op, ast.NotIn)
        if isinstance(right_node, (ast.List, ast.Tuple)):
            left, lt = self.node(left_node, depth + 1)
            if left is None:
                return None
            if lt.constant:
                self.fail(left_node, "the left of 'in' [ ... ] must be a profile field, e.g. training.goal in [\"strength\"]")
                return None
            items = []
            for element in right_node.elts:
                if not isinstance(element, ast.Constant) or isinstance(element.value, bool) or not isinstance(element.value, (str, int, float)):
                    self.fail(element, "a list in a condition holds only quoted words or numbers")
                    return None
                value = element.value
                wanted = "number" if lt.kind == "number" else "str" if lt.kind in ("enum", "str") else None
                got = "str" if isinstance(value, str) else "number"
                if wanted != got:
                    self.fail(element, f"{lt.label} is {_KIND_WORDS[lt.kind]}, so the list must hold {_KIND_WORDS.get(wanted or '', 'values of that kind')}")
                    return None
                if lt.choices and value not in lt.choices:
                    self.fail(element, f"{lt.label} is one of {', '.join(lt.choices)}; '{value}' can never match",
                              did_you_mean(str(value), lt.choices))
                    return None
                items.append(value)
            options = frozenset(items)
            if negate:
                return lambda f: (x := left(f)) is not None and x not in options
            return lambda f: (x := left(f)) is not None and x in options
        right, rt = self.node(right_node, depth + 1)
        if right is None:
            return None
        if rt.kind != "list":
            self.fail(right_node, f"the right of 'in' must be a list field (like history.conditions) or a [list], not {rt.label}")
            return None
        if not (isinstance(left_node, ast.Constant) and isinstance(left_node.value, str)):
            self.fail(left_node, f'the left of \'in {rt.label}\' must be a quoted name, e.g. "spondylolisthesis" in history.conditions')
            return None
        word = left_node.value
        if not self.check_word(left_node, word, rt.vocabulary or ""):
            return None
        key = rt.fact
        if key is not None:  # read the list straight from the facts
            if negate:
                return lambda f: word not in f[key]
            return lambda f: word in f[key]
        if negate:
            return lambda f: word not in right(f)
        return lambda f: word in right(f)


def _all(fns: tuple[Predicate, ...]) -> Predicate:
    def all_hold(f: Facts) -> bool:
        for fn in fns:
            if not fn(f):
                return False
        return True
    return all_hold


def _any(fns: tuple[Predicate, ...]) -> Predicate:
    def any_holds(f: Facts) -> bool:
        for fn in fns:
            if fn(f):
                return True
        return False
    return any_holds


def _words_in_runs(fns: tuple[Predicate, ...], members: tuple[tuple[Any, str] | None, ...]) -> tuple[Predicate, ...]:
    """The parts of an ``or``, each run of two or more ``"word" in the same list`` made one test of any of the words
    (the list is read once); the other parts as they were, in the same order."""
    out: list[Predicate] = []
    i = 0
    while i < len(fns):
        member = members[i]
        j = i + 1
        if member is not None:
            while j < len(fns) and members[j] is not None and members[j][0] == member[0]:  # type: ignore[index]
                j += 1
        if j - i >= 2:
            key = member[0]  # type: ignore[index]
            words = frozenset(m[1] for m in members[i:j])  # type: ignore[index]
            out.append(lambda f: not words.isdisjoint(f[key]))
        else:
            out.extend(fns[i:j])
        i = j
    return tuple(out)


def _flags(keys: tuple[Any, ...], either: bool, every_place: bool = False) -> Predicate:
    """``a or b or ...`` (``either``) or ``a and b and ...`` of yes/no facts read straight from the facts, each read
    in turn and no further than the answer (as ``or`` and ``and`` do), without a call for each. ``every_place``: the
    facts are a sequence holding every one of them (predicate_on_slots), so all are read at once."""
    if every_place:
        get = operator.itemgetter(*keys)  # an or/and has two parts or more: a tuple
        return (lambda f: any(get(f))) if either else (lambda f: all(get(f)))
    if either:
        return lambda f: any(map(f.__getitem__, keys))
    return lambda f: all(map(f.__getitem__, keys))


def _fact_against(fn, key: Any, c: Any, optional: bool) -> Predicate | None:
    """``fact OP constant`` with the operator written out (no call to ``fn``); None for another operator."""
    if optional:
        if fn is operator.lt:
            return lambda f: (x := f[key]) is not None and x < c
        if fn is operator.le:
            return lambda f: (x := f[key]) is not None and x <= c
        if fn is operator.gt:
            return lambda f: (x := f[key]) is not None and x > c
        if fn is operator.ge:
            return lambda f: (x := f[key]) is not None and x >= c
        if fn is operator.eq:
            return lambda f: (x := f[key]) is not None and x == c
        if fn is operator.ne:
            return lambda f: (x := f[key]) is not None and x != c
        return None
    if fn is operator.lt:
        return lambda f: f[key] < c
    if fn is operator.le:
        return lambda f: f[key] <= c
    if fn is operator.gt:
        return lambda f: f[key] > c
    if fn is operator.ge:
        return lambda f: f[key] >= c
    if fn is operator.eq:
        return lambda f: f[key] == c
    if fn is operator.ne:
        return lambda f: f[key] != c
    return None


def _comparison(fn, left, right, lt: Type, rt: Type) -> Predicate:
    if rt.constant and lt.fact is not None:  # the common case, a fact against a number: read the fact straight
        c, key = rt.value, lt.fact
        written = _fact_against(fn, key, c, lt.optional)
        if written is not None:
            return written
        if lt.optional:
            return lambda f: (x := f[key]) is not None and fn(x, c)
        return lambda f: fn(f[key], c)
    if rt.constant:
        c = rt.value
        if lt.optional:
            return lambda f: (x := left(f)) is not None and fn(x, c)
        return lambda f: fn(left(f), c)
    if lt.constant:
        c = lt.value
        if rt.optional:
            return lambda f: (y := right(f)) is not None and fn(c, y)
        return lambda f: fn(c, right(f))
    return lambda f: (x := left(f)) is not None and (y := right(f)) is not None and fn(x, y)


def dotted_name(node: ast.AST) -> str | None:
    """``pain.current`` for the AST of ``pain.current``; None for anything but a chain of names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
