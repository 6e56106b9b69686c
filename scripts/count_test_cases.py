#!/usr/bin/env python3
"""Counts passed and failed test cases of one `bazel test` invocation.

Reads the invocation's Build Event Protocol file (--build_event_json_file), follows
each test result to its test.xml (cached results included, stale logs of earlier
invocations ignored) and counts the <testcase> elements. A test result without a
test.xml, or one that cannot be parsed, counts as one failure unless it passed.
Prints "PASSED FAILED" on one line. Skipped test cases count as neither.

    scripts/count_test_cases.py /tmp/bep.json
"""
import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree


def count_xml(path):
    passed = failed = 0
    root = ElementTree.parse(path).getroot()
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


def test_results(bep_path):
    with open(bep_path) as bep:
        for line in bep:
            event = json.loads(line)
            if "testResult" in event:
                yield event["testResult"]


def main(bep_path):
    passed = failed = 0
    for result in test_results(bep_path):
        xml_uri = next((o["uri"] for o in result.get("testActionOutput", [])
                        if o.get("name") == "test.xml"), None)
        try:
            if xml_uri is None:
                raise FileNotFoundError
            p, f = count_xml(urllib.parse.unquote(urllib.parse.urlparse(xml_uri).path))
            if f == 0 and result.get("status") not in (None, "PASSED", "FLAKY"):
                f = 1  # the binary failed outside any test case (a crash, a timeout)
        except (FileNotFoundError, ElementTree.ParseError):
            p, f = (0, 0) if result.get("status") == "PASSED" else (0, 1)
        passed += p
        failed += f
    print(passed, failed)


if __name__ == "__main__":
    main(sys.argv[1])
