"""Writes the dictionaries tools/schemathesis/schemathesis.toml names (scripts/schemathesis.sh).

org.dict and integration_id.dict: what the script has just seeded. query.dict and project.dict:
words the simulators will match (a user's first letters, an issue key, a summary, a project's
name and key, a sprint or label), and their project ids, read from each jira-sim's /_sim/data,
so searches answer non-empty lists and every item is held to the schema.

Usage: dictionaries.py OUT_DIR ORG SIM_BASE_URL... -- INTEGRATION_ID...

With --values: one dictionary NAME.dict of the VALUEs given (the admin API's seeded ids, prefixes
and URLs); a VALUE @PATH is the text of that file (a PEM key).

Usage: dictionaries.py --values OUT_DIR NAME VALUE...
"""

import json
import sys
import urllib.request


def write(path: str, values: list[str]) -> None:
    """One libFuzzer-style entry per line, each value once, in first-seen order."""
    seen = dict.fromkeys(v for v in values if v)
    with open(path, "w", encoding="utf-8") as f:
        for value in seen:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            f.write('"' + escaped + '"\n')


def words_of(data: dict) -> list[str]:
    users, issues, projects = data["users"], data["issues"], data["projects"]
    words = [user["display_name"][:3] for user in users[:5]]
    words += [users[0]["name"], users[0]["display_name"]]
    words += [issue["key"] for issue in issues[:3]]
    # Whole summaries (one has double quotes, which the JQL must escape) and single words.
    words += [issue["summary"] for issue in issues[:3]]
    words += [issue["summary"].split()[-1] for issue in issues[:3]]
    words += [project["name"].split()[0] for project in projects[:3]]
    words += [project["key"] for project in projects[:3]]
    words += [suggestion["display_name"][:3] for suggestion in data["suggestions"][::4]]
    return words


def values(argv: list[str]) -> int:
    out, name = argv[0], argv[1]
    entries = []
    for value in argv[2:]:
        if value.startswith("@"):
            with open(value[1:], encoding="utf-8") as f:
                value = f.read()
        entries.append(value)
    write(f"{out}/{name}.dict", entries)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--values"]:
        return values(argv[1:])
    out, org = argv[0], argv[1]
    sims = argv[2 : argv.index("--")]
    ids = argv[argv.index("--") + 1 :]
    queries: list[str] = []
    projects: list[str] = []
    for base_url in sims:
        with urllib.request.urlopen(f"{base_url}/_sim/data", timeout=10) as answer:
            data = json.load(answer)
        queries += words_of(data)
        projects += [project["id"] for project in data["projects"][:3]]
    write(f"{out}/org.dict", [org])
    write(f"{out}/integration_id.dict", ids)
    write(f"{out}/query.dict", queries)
    write(f"{out}/project.dict", projects)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
