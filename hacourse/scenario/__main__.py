"""`python -m hacourse.scenario`: regenerate the JSON Schema and the docs' key tables."""

import sys

from hacourse.scenario.schema import DOCS_PATH, SCHEMA_PATH, docs_with_tables, schema_text


def main() -> int:
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    if DOCS_PATH.exists():
        DOCS_PATH.write_text(docs_with_tables(DOCS_PATH.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {DOCS_PATH}")
    return 0


sys.exit(main())
