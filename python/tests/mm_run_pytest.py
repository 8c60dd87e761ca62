"""mm_run_pytest.py TEST_FILE BASETEMP - run one pytest file for ctest.

Exits 77 (ctest's SKIP_RETURN_CODE) when pytest is missing, and when every
test of the file skipped (no names.txt, say), so ctest shows a skip rather
than a pass.  pytest's scratch files go under BASETEMP (in the build tree);
no cache directory is written into the source tree.
"""
import sys

try:
    import pytest
except ImportError:
    print("skip: pytest is not installed (scripts/deps.sh pymod)")
    sys.exit(77)


class _Outcomes:
    def __init__(self):
        self.passed = self.skipped = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.passed:
            self.passed += 1
        elif report.skipped:
            self.skipped += 1

    def pytest_collectreport(self, report):
        if report.skipped:          # pytest.importorskip at module level
            self.skipped += 1


def main():
    test, basetemp = sys.argv[1], sys.argv[2]
    outcomes = _Outcomes()
    rc = pytest.main(["-q", "-p", "no:cacheprovider", "-rs", "--basetemp", basetemp, test],
                     plugins=[outcomes])
    # 5: no test ran (the module skipped while being collected).
    if rc in (0, 5) and outcomes.passed == 0 and outcomes.skipped > 0:
        sys.exit(77)
    sys.exit(int(rc))


if __name__ == "__main__":
    main()
