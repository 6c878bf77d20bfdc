"""Bad command lines for the property-based tests of ``deterministic-risk``
(tests/test_cli_inputs.py).

The ideas of tests/strategies.py, one level up: for each subcommand, a small valid command line
and, for each of its flags, the kind of value it takes; a drawn case replaces one flag's value
by a bad value of its kind (non-numbers, NaN, inf, negative, zero, out of range, unwritable
paths) or breaks a relation between flags (reversed ranges, inadmissible (α, β), v <= d). Every
case must end with exit code 2 and one line on standard error, before any computation.
A new flag is covered by one more entry in ``FLAGS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

#: Bad values of a real number (any range: none of these is finite).
NOT_A_NUMBER = ["nan", "NaN", "inf", "-inf", "1e400", "-1e400", "abc", "", "1,5", "0x10", "1..2",
                "one", "1e", "--1"]
#: Bad values of a positive real number.
NOT_POSITIVE = NOT_A_NUMBER + ["0", "-0", "-1", "-1e-300", "1e-400"]
#: Bad values of a count (a whole number >= 1).
NOT_A_COUNT = ["0", "-1", "2.5", "1e30", "nan", "inf", "x", "", "3.0000001", "1e3.5", "-0.5",
               "99999999999999999999999"]
#: Bad values of a seed (a whole number in [0, 2**63)).
NOT_A_SEED = ["-1", "2.5", "nan", "inf", "x", "", str(2**63), "1e30"]
#: Bad values of a list of at least three model sizes.
NOT_SIZES = ["", "10", "10,20", "10,20,x", "10,10,10", "0,10,20", "-5,10,20", "10,20,nan",
             "10;20;40", "10,,20", "2.5,10,20", "10,20,inf"]
#: Bad learning rates.
NOT_A_LR = NOT_POSITIVE + ["fast", "Stable", "1e151", "best"]

#: Generated bad values: text that is no number, numbers <= 0, whole numbers <= 0, and numbers
#: that are not whole (each written as a shell would pass it).
GARBAGE = st.text(alphabet="abcnxyz,;:+-_. ", max_size=6).filter(
    lambda t: t.strip().lower() not in ("nan", "+nan", "-nan", "inf", "+inf", "-inf"))
NON_POSITIVE = st.floats(max_value=0.0).map(repr)
NON_POSITIVE_WHOLE = st.integers(max_value=0).map(str)
NOT_WHOLE = st.floats(1e-3, 1e6).filter(lambda x: x != int(x)).map(repr)


@dataclass(frozen=True)
class Flag:
    """One flag of a subcommand and the bad values of its kind (a list drawn from, and
    generated values of the kind the list's name says)."""

    name: str
    bad: list[str]
    #: The error must mention one of these words (default: the flag).
    words: tuple[str, ...] = ()

    def values(self) -> st.SearchStrategy:
        more = [GARBAGE]
        if self.bad is NOT_POSITIVE or self.bad is NOT_A_LR:
            more.append(NON_POSITIVE)
        if self.bad is NOT_A_COUNT:
            more += [NON_POSITIVE_WHOLE, NOT_WHOLE]
        return st.one_of(st.sampled_from(self.bad), *more)


def _paths(suffix: str) -> list[str]:
    """Bad output paths, relative to a test's tmp folder (``{tmp}`` is replaced)."""
    return [f"{{tmp}}/missing/x{suffix}", f"{{tmp}}/a_file/x{suffix}", "{tmp}",
            "{tmp}/x.txt", f"/proc/x{suffix}", "", "{tmp}/x"]


PROBLEM = [Flag("--alpha", NOT_POSITIVE), Flag("--beta", NOT_A_NUMBER), Flag("--d", NOT_A_COUNT),
           Flag("--v", NOT_A_COUNT + ["1", "20", "10"], ("--v", "v must be", "v = ")),
           Flag("--noise-std", NOT_A_NUMBER + ["-1", "1e200"]),
           Flag("--feature-seed", NOT_A_SEED),
           Flag("--spectrum-method", ["exact", "", "Sampled", "nan"])]
OPTIMIZER = [Flag("--optimizer", ["adamw", "", "SGD", "nan"]), Flag("--lr", NOT_A_LR),
             Flag("--batch", NOT_A_COUNT), Flag("--schedule", ["linear", "", "nan"]),
             Flag("--total", NOT_POSITIVE + ["0.5"]),
             Flag("--warmup-frac", NOT_A_NUMBER + ["-0.1", "1.5"]),
             Flag("--decay-frac", NOT_A_NUMBER + ["-0.1", "1.5"]),
             Flag("--final", NOT_A_NUMBER + ["-1"]), Flag("--tau", NOT_POSITIVE),
             Flag("--exponent", NOT_A_NUMBER + ["-1", "11"]),
             Flag("--factor", NOT_POSITIVE + ["1.5"]), Flag("--every", NOT_POSITIVE + ["0.5"])]
STEPS = [Flag("--kmin", NOT_A_NUMBER + ["-1"]), Flag("--kmax", NOT_POSITIVE + ["0.5", "1e30"]),
         Flag("--points", NOT_A_COUNT)]
#: Relations between flags, broken: (extra flags, words the error must contain).
PROBLEM_RELATIONS = [(["--alpha", "0.1", "--beta", "0.1"], ("alpha",)),
                     (["--alpha", "0.2", "--beta", "-1"], ("alpha",)),
                     (["--d", "20", "--v", "20"], ("v",)), (["--d", "20", "--v", "5"], ("v",))]
OPTIMIZER_RELATIONS = [(["--kmin", "100", "--kmax", "10"], ("kmin",)),
                       (["--optimizer", "signsgd", "--batch", "4"], ("batch",)),
                       (["--optimizer", "adam", "--batch", "2"], ("batch",)),
                       (["--schedule", "wsd", "--warmup-frac", "0.9", "--decay-frac", "0.9"],
                        ("frac",)),
                       (["--schedule", "cosine", "--final", "5", "--lr", "1"], ("final",))]


@dataclass(frozen=True)
class Command:
    """A subcommand: a small valid command line, its flags and its broken relations."""

    valid: list[str]
    flags: list[Flag]
    relations: list[tuple[list[str], tuple[str, ...]]]
    examples: int = 20


SMALL = ["--d", "20", "--spectrum-method", "sampled"]
COMMANDS: dict[str, Command] = {
    "curve": Command(["curve", *SMALL, "--kmax", "100", "--points", "5"],
                     PROBLEM + OPTIMIZER + STEPS + [
                         Flag("--solver", ["exact", "", "nan"]), Flag("--out", _paths(".csv")),
                         Flag("--plot", _paths(".png")), Flag("--x", ["time", ""])],
                     PROBLEM_RELATIONS + OPTIMIZER_RELATIONS, examples=30),
    "simulate": Command(["simulate", *SMALL, "--kmax", "50", "--points", "5", "--runs", "2"],
                        PROBLEM + OPTIMIZER + STEPS + [
                            Flag("--runs", NOT_A_COUNT), Flag("--seed", NOT_A_SEED),
                            Flag("--out", _paths(".json")), Flag("--plot", _paths(".png"))],
                        PROBLEM_RELATIONS + OPTIMIZER_RELATIONS, examples=25),
    "compare": Command(["compare", *SMALL, "--kmax", "50", "--points", "5", "--runs", "2",
                        "--plot", "{tmp}/c.png"],
                       PROBLEM + OPTIMIZER + STEPS + [
                           Flag("--runs", NOT_A_COUNT + ["1"]), Flag("--seed", NOT_A_SEED),
                           Flag("--plot", _paths(".png")),
                           Flag("--out", ["{tmp}/missing/x", "{tmp}/a_file/x", "{tmp}", ""])],
                       PROBLEM_RELATIONS + OPTIMIZER_RELATIONS, examples=25),
    "compute-optimal": Command(
        ["compute-optimal", "--d-values", "20,40,80", "--budgets", "5", "--flops-min", "1e3",
         "--flops-max", "1e5", "--spectrum-method", "sampled"],
        [Flag("--alpha", NOT_POSITIVE), Flag("--beta", NOT_A_NUMBER),
         Flag("--optimizer", ["adamw", ""]), Flag("--d-values", NOT_SIZES),
         Flag("--flops-min", NOT_POSITIVE), Flag("--flops-max", NOT_POSITIVE),
         Flag("--budgets", NOT_A_COUNT + ["1", "2"]),
         Flag("--lr", NOT_A_LR + ["tuned-per", "grids"]), Flag("--batch", NOT_A_COUNT),
         Flag("--spectrum-method", ["exact", ""]), Flag("--out", _paths(".npz")),
         Flag("--plot", _paths(".png"))],
        [(["--alpha", "0.1", "--beta", "0.1"], ("alpha",)),
         (["--flops-min", "1e6", "--flops-max", "1e4"], ("flops",)),
         (["--flops-min", "1", "--flops-max", "1e4"], ("flops",)),
         (["--optimizer", "signsgd", "--batch", "2"], ("batch",)),
         (["--lr", "grid", "--spectrum-method", "sampled"], ("spectrum-method",))], examples=25),
    "spectrum": Command(["spectrum", "--d", "20", "--seeds", "2"],
                        PROBLEM[:-1] + [Flag("--n-nodes", NOT_A_COUNT),
                                   Flag("--seeds", NOT_A_COUNT + ["1001"]),
                                   Flag("--out", _paths(".npz")), Flag("--plot", _paths(".png"))],
                        PROBLEM_RELATIONS + [(["--feature-seed", str(2**63 - 1), "--seeds", "2"],
                                              ("feature-seed",))], examples=20),
    "phases": Command(["phases", "--alpha", "0.7", "--beta", "0.3"],
                      [Flag("--alpha", NOT_POSITIVE), Flag("--beta", NOT_A_NUMBER),
                       Flag("--optimizer", ["adam", ""]), Flag("--format", ["html", ""])],
                      [(["--alpha", "0.1", "--beta", "0.1"], ("alpha",))], examples=12),
    "phase-diagram": Command(
        ["phase-diagram", "--resolution", "5", "--out", "{tmp}/p.png"],
        [Flag("--kind", ["map", ""]), Flag("--optimizer", ["adam", ""]),
         Flag("--resolution", NOT_A_COUNT + ["1", "2", "5000"]), Flag("--out", _paths(".png"))],
        [], examples=12),
    "phase-diagram --kind measured": Command(
        ["phase-diagram", "--kind", "measured", "--grid", "2", "--d-values", "20,40,80",
         "--budgets", "5", "--flops-min", "1e3", "--flops-max", "1e5", "--backend", "serial",
         "--out", "{tmp}/m.png"],
        [Flag("--grid", NOT_A_COUNT + ["1"]), Flag("--alpha-min", NOT_POSITIVE),
         Flag("--alpha-max", NOT_POSITIVE), Flag("--beta-min", NOT_A_NUMBER),
         Flag("--beta-max", NOT_A_NUMBER), Flag("--d-values", NOT_SIZES),
         Flag("--flops-min", NOT_POSITIVE), Flag("--flops-max", NOT_POSITIVE),
         Flag("--budgets", NOT_A_COUNT + ["2"]), Flag("--lr", NOT_A_LR + ["tuned"]),
         Flag("--n-nodes", NOT_A_COUNT), Flag("--backend", ["cluster", ""]),
         Flag("--workers", NOT_A_COUNT), Flag("--cache-dir", ["{tmp}/a_file", "{tmp}/a_file/c"]),
         Flag("--save", _paths(".npz")), Flag("--out", _paths(".png"))],
        [(["--alpha-min", "1.5", "--alpha-max", "0.3"], ("alpha-min",)),
         (["--beta-min", "1.5", "--beta-max", "0.2"], ("beta-min",)),
         (["--flops-min", "1e5", "--flops-max", "1e3"], ("flops-min",)),
         (["--optimizer", "signsgd-decay"], ("optimizer",)),
         (["--backend", "dask"], ("scheduler",))], examples=25),
    "demo": Command(["demo", "--out", "{tmp}/demo", "--scale", "0.05"],
                    [Flag("--out", ["{tmp}/a_file", "{tmp}/a_file/demo", "/proc/demo"]),
                     Flag("--alpha", NOT_POSITIVE), Flag("--beta", NOT_A_NUMBER),
                     Flag("--scale", NOT_POSITIVE + ["0.01", "2"])],
                    [(["--alpha", "0.1", "--beta", "0.1"], ("alpha",))], examples=15),
}


@st.composite
def bad_command_lines(draw, command: str) -> tuple[list[str], tuple[str, ...]]:
    """A command line of ``command`` with one bad flag value or one broken relation, and the
    words one of which its error must contain."""
    cmd = COMMANDS[command]
    if cmd.relations and draw(st.integers(0, 4)) == 0:
        extra, words = draw(st.sampled_from(cmd.relations))
        return _replace(cmd.valid, extra), words
    flag = draw(st.sampled_from(cmd.flags))
    value = draw(flag.values() if not flag.name.endswith(("out", "plot", "save", "cache-dir"))
                 else st.sampled_from(flag.bad))
    return _replace(cmd.valid, [flag.name, value]), flag.words or (flag.name,)


def _replace(argv: list[str], extra: list[str]) -> list[str]:
    """``argv`` with the flags of ``extra`` set to its values (the valid ones dropped)."""
    names = set(extra[::2])
    out, i = [], 0
    while i < len(argv):
        if argv[i] in names:
            i += 2
            continue
        out.append(argv[i])
        i += 1
    # "--flag=value" keeps values that start with "-" from being read as flags
    return out + [f"{n}={v}" for n, v in zip(extra[::2], extra[1::2])]
