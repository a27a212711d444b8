"""The mutation score from mutmut's results (mutants/): killed share per package, and every surviving mutant
with its one-line change. `make mutate` prints it; `--survivors GLOB` lists survivors' names for a re-run.

Usage: python -m tests.mutation_score [--survivors] [GLOB]   (GLOB: mutant names, e.g. 'flashcall.billing.*')
"""
import fnmatch
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

MUTANTS = Path("mutants")
LISTED = Path(__file__).with_name("MUTATION.md")  # the known survivors, each with why it is harmless
# mutmut's exit codes (mutmut/stats.py): the tests failed, or hung past their time limit, under the mutant.
KILLED = {1, 3}
TIMEOUT = {-24, 24, 152, 255, 36}
SURVIVED = {0}
NO_TESTS = {5, 33}


def results(pattern="*"):
    """{mutant name: exit code or None} for every mutant whose name matches `pattern`."""
    found = {}
    for meta in sorted(MUTANTS.glob("flashcall/**/*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if fnmatch.fnmatch(name, pattern):
                found[name] = code
    return found


def listed():
    """The mutant names tests/MUTATION.md explains (the first cell of its table rows)."""
    if not LISTED.exists():
        return set()
    names = set()
    for line in LISTED.read_text().splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith("flashcall."):
            names.add(cells[0])
    return names


def package(name):
    """flashcall.billing.providers.zibal.x_verify__mutmut_3 → billing."""
    return name.split(".")[1]


def verdict(code):
    if code in KILLED:
        return "killed"
    if code in TIMEOUT:
        return "timeout"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "not checked" if code is None else "other"


def change(name):
    """The mutant's changed lines, as mutmut shows them."""
    sys.path.insert(0, ".")
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    try:
        diff = get_diff_for_mutant(name)
    except Exception as exc:  # a mutant of a function that has since changed
        return f"(no diff: {exc})"
    lines = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    return " | ".join(line.strip() for line in lines)


def report(pattern):
    found = results(pattern)
    known = listed()
    by_package = defaultdict(Counter)
    for name, code in found.items():
        by_package[package(name)][verdict(code)] += 1
        if verdict(code) in ("survived", "no tests") and name in known:
            by_package[package(name)]["explained"] += 1
    total = Counter()
    print(f"{'package':<14}{'killed':>8}{'timeout':>9}{'survived':>10}{'no tests':>10}{'unchecked':>11}{'score':>9}"
          f"{'explained':>11}{'without':>9}")
    for name in sorted(by_package):
        counts = by_package[name]
        total.update(counts)
        print(_line(name, counts))
    print(_line("all", total))
    survivors = sorted(name for name, code in found.items() if verdict(code) in ("survived", "no tests"))
    explained = [name for name in survivors if name in known]
    unexplained = [name for name in survivors if name not in known]
    if explained:
        print(f"\n{len(explained)} surviving mutants are explained in tests/MUTATION.md.")
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutants not explained in tests/MUTATION.md:")
        for name in unexplained:
            print(f"  {name}: {change(name)}")


def _line(label, counts):
    """The score counts a mutant the tests hung on (timeout) as caught, as mutation tools do; "without" is the
    score with the survivors tests/MUTATION.md explains (equivalent or harmless) left out of the count."""
    caught = counts["killed"] + counts["timeout"]
    checked = caught + counts["survived"] + counts["no tests"] + counts["other"]
    score = f"{100 * caught / checked:.1f}%" if checked else "-"
    meaningful = checked - counts["explained"]
    without = f"{100 * caught / meaningful:.1f}%" if meaningful else "-"
    return (f"{label:<14}{counts['killed']:>8}{counts['timeout']:>9}{counts['survived']:>10}{counts['no tests']:>10}"
            f"{counts['not checked']:>11}{score:>9}{counts['explained']:>11}{without:>9}")


def main(argv):
    survivors_only = "--survivors" in argv
    patterns = [a for a in argv if not a.startswith("--")] or ["*"]
    if survivors_only:
        for pattern in patterns:
            for name, code in results(pattern).items():
                if verdict(code) in ("survived", "no tests"):  # new tests may reach them now
                    print(name)
        return
    for pattern in patterns:
        report(pattern)


if __name__ == "__main__":
    main(sys.argv[1:])
