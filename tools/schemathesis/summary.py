"""One Schemathesis run in a line (scripts/schemathesis.sh), from its JSON report and from the
service's /metrics scraped before and after it: what the service answered, by status, probes of
the checks included, and how many calls it made to Jira.

With --require-2xx SPEC SCHEME (the runs with the caller token, callerToken, and with the admin
token, adminToken): fails when an operation that documents a 2xx answer and whose security names
SCHEME, or that has none (but the connect routes, which answer 2xx only to a consent in
progress), never got one, i.e. the seeded data did not reach it and the run tested only its 404s.
An operation added to SPEC later is held to this too.

Usage: summary.py NAME JSON_REPORT METRICS_BEFORE METRICS_AFTER [--require-2xx SPEC SCHEME]
"""

import collections
import json
import re
import sys

import yaml

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace", "query"}
# docs/operations.md: what the HTTP layer answers for each reason it refuses a request.
REJECTED = {"malformed": "400", "too_large": "431"}
SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def counters(path: str) -> tuple[collections.Counter, int]:
    """Answers by status (requests served, and refused by the HTTP layer), and Jira calls."""
    by_status: collections.Counter = collections.Counter()
    jira_calls = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = SAMPLE.match(line.strip())
            if m is None:
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m["labels"] or ""))
            value = int(float(m["value"]))
            if m["name"] == "jira_search_http_requests_total":
                by_status[labels["status"]] += value
            elif m["name"] == "jira_search_http_rejected_total":
                by_status[REJECTED.get(labels.get("reason", ""), "closed")] += value
            elif m["name"] == "jira_search_jira_requests_total":
                jira_calls += value
    return by_status, jira_calls


def main(argv: list[str]) -> int:
    name, json_path, before_path, after_path = argv[:4]
    spec_path, scheme = (argv[5], argv[6]) if argv[4:5] == ["--require-2xx"] else (None, None)
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    before, jira_before = counters(before_path)
    after, jira_after = counters(after_path)
    answered = after - before
    # The scrape taken before the run is counted once it has been answered: not the run's.
    answered["200"] -= 1
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(answered.items()) if count)
    cases = report["test_cases"]
    accepted = {
        label: sum(phase["accepted"] for phase in phases.values())
        for label, phases in report.get("valid_rates", {}).items()
    }
    print(
        f"schemathesis: run {name}: {report['operations']['tested']} operations, "
        f"{cases['generated']} test cases, {sum(answered.values())} requests answered ({statuses}), "
        f"{jira_after - jira_before} Jira calls, {cases['unique_failures']} failures, "
        f"{len(report['errors'])} errors"
    )
    if spec_path is None:
        return 0
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    unreached = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            if not any(str(status).startswith("2") for status in operation["responses"]):
                continue
            schemes = {name for requirement in operation.get("security", spec.get("security", [])) for name in requirement}
            if schemes and scheme not in schemes:
                continue
            if not schemes and "connect" in operation.get("tags", []):
                continue
            label = f"{method.upper()} {path}"
            print(f"schemathesis:   {label}: {accepted.get(label, 0)} answered 2xx")
            if accepted.get(label, 0) == 0:
                unreached.append(label)
    if unreached:
        print(
            f"schemathesis: never answered 2xx with the {scheme} token: {', '.join(unreached)} "
            "(do its path parameters have the seeded values? see tools/schemathesis/schemathesis.toml)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
