"""read_openlineage_documents: .json (object or array) and .jsonl files, with located errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lineage_stream.errors import DecodeError, ValidationError
from lineage_stream.openlineage import read_openlineage_documents

A: dict[str, Any] = {"eventTime": "2024-01-01T00:00:00Z", "job": {"namespace": "n", "name": "a"}}
B: dict[str, Any] = {"eventTime": "2024-01-01T00:00:01Z", "job": {"namespace": "n", "name": "b"}}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_json_file_with_one_event(tmp_path: Path) -> None:
    assert list(read_openlineage_documents(write(tmp_path, "e.json", json.dumps(A, indent=2)))) == [A]


def test_json_file_with_an_array(tmp_path: Path) -> None:
    assert list(read_openlineage_documents(write(tmp_path, "e.json", json.dumps([A, B], indent=2)))) == [A, B]


def test_jsonl_file_skips_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "e.jsonl", f"{json.dumps(A)}\n\n   \n{json.dumps(B)}\n")
    assert list(read_openlineage_documents(path)) == [A, B]


def test_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    assert list(read_openlineage_documents(write(tmp_path, "e.jsonl", "\ufeff" + json.dumps(A)))) == [A]
    assert list(read_openlineage_documents(write(tmp_path, "e.json", "\ufeff" + json.dumps(A)))) == [A]


def test_jsonl_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "e.jsonl", f"{json.dumps(A)}\n\n{{\"eventTime\": nope}}\n{json.dumps(B)}\n")
    documents = read_openlineage_documents(path)
    assert next(documents) == A
    with pytest.raises(DecodeError, match=rf"^{re.escape(str(path))}:3:15: not valid JSON: Expecting value$"):
        next(documents)


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, "e.jsonl", f"{json.dumps(A)}\n[1, 2]\n")
    with pytest.raises(ValidationError, match=rf"^{re.escape(str(path))}:2: expected a JSON object, got array$"):
        list(read_openlineage_documents(path))


def test_jsonl_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "e.jsonl", json.dumps(A).encode() + b"\n" + b'{"a": "\xff"}\n')
    with pytest.raises(DecodeError, match=rf"^{re.escape(str(path))}:2: not UTF-8"):
        list(read_openlineage_documents(path))


def test_json_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "e.json", '[\n  {"a": 1},\n  {"a": 2,,}\n]')
    with pytest.raises(DecodeError, match=rf"^{re.escape(str(path))}:3:11: not valid JSON"):
        list(read_openlineage_documents(path))


def test_json_array_element_that_is_not_an_object(tmp_path: Path) -> None:
    content = "[\n" + json.dumps(A, indent=2) + ",\n  \"oops\"\n]"
    path = write(tmp_path, "e.json", content)
    expected = rf"^{re.escape(str(path))}:9: array element 1 is a JSON string, expected an object$"
    with pytest.raises(ValidationError, match=expected):
        list(read_openlineage_documents(path))


def test_json_scalar(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="expected a JSON object or an array of objects, got integer"):
        list(read_openlineage_documents(write(tmp_path, "e.json", "42")))


def test_nesting_limit_applies_to_files(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="nesting deeper than"):
        list(read_openlineage_documents(write(tmp_path, "e.jsonl", "[" * 100_000)))


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match=r"unsupported file type '\.avro'"):
        list(read_openlineage_documents(write(tmp_path, "e.avro", "{}")))
