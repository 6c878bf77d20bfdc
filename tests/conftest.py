"""Session hooks: the number of generated property-based cases and command lines in the
terminal summary."""


def pytest_terminal_summary(terminalreporter):
    import sys

    for name, what in (("test_properties", "property-based cases run"),
                       ("test_cli_inputs", "generated command lines run")):
        cases = getattr(sys.modules.get(name), "CASES", None)
        if cases:
            terminalreporter.write_line(f"{what}: {sum(cases.values())} ({len(cases)} tests)")
