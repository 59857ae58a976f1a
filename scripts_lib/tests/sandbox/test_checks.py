import pytest

from scripts_lib.sandbox.checks import RULES, SourceProblem, check_source

GOOD = "import math\nfrom collections import deque\n\ndef decide(obs):\n    return {}\n"


def test_a_good_script_has_no_problems() -> None:
    assert check_source(GOOD) == []


def test_syntax_error_names_the_line() -> None:
    problems = check_source("def decide(obs):\n    return {\n")
    assert len(problems) == 1 and problems[0].line == 2
    assert "syntax error" in problems[0].message


def test_forbidden_imports_name_their_lines() -> None:
    source = "import math, os\n\ndef decide(obs):\n    from subprocess import run\n    return {}\n"
    problems = check_source(source)
    assert [p.line for p in problems] == [1, 4]
    assert "'os'" in problems[0].message and "'subprocess'" in problems[1].message
    assert check_source("from . import x\ndef decide(obs):\n    return {}")[0].line == 1


def test_missing_decide_and_size_limit() -> None:
    assert check_source("x = 1\n") == [
        SourceProblem(None, "missing_decide", "no top-level function decide(obs) defined")]
    assert "at most 10 allowed" in check_source(GOOD, max_bytes=10)[0].message


def test_the_parse_budget_refuses_by_counting_tokens_before_parsing():
    from scripts_lib.sandbox.checks import MAX_BRACKET_DEPTH, MAX_OPERATORS_PER_STATEMENT

    n = MAX_OPERATORS_PER_STATEMENT
    assert check_source("x = " + "1+" * n + "1\n" + GOOD) == []
    assert check_source("x = (" * 1 + "1+" * (n + 1) + "1)\n" + GOOD)[0].message == (
        f"too complex: more than {n} operators in one statement")
    deep = MAX_BRACKET_DEPTH
    assert check_source("x = " + "[" * deep + "]" * deep + "\n" + GOOD) == []
    problem = check_source("\n\nx = " + "[" * (deep + 1) + "]" * (deep + 1) + "\n" + GOOD)[0]
    assert problem == SourceProblem(3, "too_complex",
                                    f"too complex: brackets nested deeper than {deep} levels")


def test_a_source_that_does_not_tokenize_is_still_a_syntax_error():
    assert check_source("x = (\n" + GOOD)[0].message.startswith("syntax error")
    assert check_source("x = 1\0\n" + GOOD)[0].message.startswith("syntax error")


@pytest.mark.parametrize(("source", "rule"), [
    ("x = (\n" + GOOD, "syntax_error"),
    ("x = 1\0\n" + GOOD, "syntax_error"),
    ("x = " + "(" * 101 + ")" * 101 + "\n" + GOOD, "too_complex"),
    ("import decide\n" + GOOD, "forbidden_import"),  # names `decide`, still an import
    ("from . import decide\n" + GOOD, "forbidden_import"),
    ("def decide_later(obs):\n    return {}\n", "missing_decide"),
    (GOOD + "#" * 300_000, "too_large"),
])
def test_every_problem_carries_its_rule_from_the_check_that_found_it(source, rule):
    problems = check_source(source)
    assert [p.rule for p in problems] == [rule]
    assert {p.rule for p in problems} <= set(RULES)
