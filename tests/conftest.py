"""Session hooks: the number of generated property-based cases in the terminal summary."""


def pytest_terminal_summary(terminalreporter):
    import sys

    module = sys.modules.get("test_properties")
    cases = getattr(module, "CASES", None)
    if cases:
        terminalreporter.write_line(f"property-based cases run: {sum(cases.values())} "
                                    f"({len(cases)} tests)")
