#!/usr/bin/env python3
"""Counts passed and failed test cases in the test.xml files under a Bazel testlogs dir.

Prints "PASSED FAILED" on one line. Skipped test cases count as neither.
"""
import pathlib
import sys
import xml.etree.ElementTree as ElementTree


def count(testlogs: pathlib.Path) -> tuple[int, int]:
    passed = failed = 0
    for xml_file in sorted(testlogs.rglob("test.xml")):
        try:
            root = ElementTree.parse(xml_file).getroot()
        except ElementTree.ParseError:
            failed += 1
            continue
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.get("result") == "skipped" or case.find("skipped") is not None:
                continue
            elif case.get("status", "run") == "notrun":
                continue
            else:
                passed += 1
    return passed, failed


if __name__ == "__main__":
    directory = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs")
    p, f = count(directory.resolve()) if directory.exists() else (0, 0)
    print(p, f)
