"""Reads Parquet files with pyarrow (Arrow C++'s reader), as a Python user would, for ReaderCompatibilityIT.

Arguments: the output file, then label=path per file. Writes one line per fact:
  VERSION pyarrow <version>
  TYPE <label> <column> <Arrow type>
  ROW <label> <the row as JSON, in file order; decimals as text, bytes as hex, dates and times in ISO form>
  STATS <label> <column> <min>..<max> | empty     (row group 0's statistics as pyarrow exposes them)
  ERROR <label> <exception>
"""
import datetime
import decimal
import json
import sys

import pyarrow
import pyarrow.parquet as pq


def plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    raise TypeError(repr(value))


def main(args):
    out = ["VERSION pyarrow " + pyarrow.__version__]
    for spec in args[1:]:
        label, path = spec.split("=", 1)
        try:
            table = pq.read_table(path)
            for field in table.schema:
                out.append("TYPE %s %s %s" % (label, field.name, field.type))
            for row in table.to_pylist():
                out.append("ROW %s %s" % (label, json.dumps(row, default=plain, ensure_ascii=False)))
            meta = pq.ParquetFile(path).metadata
            group = meta.row_group(0)
            for i in range(group.num_columns):
                column = group.column(i)
                stats = column.statistics
                shown = "%s..%s" % (stats.min, stats.max) if stats is not None and stats.has_min_max else "empty"
                out.append("STATS %s %s %s" % (label, column.path_in_schema, shown))
        except Exception as e:  # reported to the IT, which asserts there is none where a read must succeed
            out.append("ERROR %s %s: %s" % (label, type(e).__name__, str(e).replace("\n", " ")[:400]))
    with open(args[0], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
