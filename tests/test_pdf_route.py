"""/-/pdf/<document id>: the archived file, for known ids only, with range requests."""

import pytest

from qmarchive.paths import Paths
from qmarchive.serve import build_datasette


@pytest.fixture
def ds(built: Paths):
    return build_datasette(built.database)


@pytest.fixture
def original(built: Paths) -> bytes:
    return (built.archive / "pdf" / "ihek-2019-2021.pdf").read_bytes()


async def test_serves_the_archived_file_unchanged(ds, original: bytes) -> None:
    response = await ds.client.get("/-/pdf/ihek-2019-2021")
    assert response.status_code == 200
    assert response.content == original
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"]
        == "inline; filename=\"ihek-2019-2021.pdf\"; filename*=UTF-8''ihek-2019-2021.pdf"
    )
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(original))


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", -50, None), ("bytes=10-999999999", 10, None)],
)
async def test_range_requests(ds, original: bytes, header: str, start: int, end: int | None) -> None:
    response = await ds.client.get("/-/pdf/ihek-2019-2021", headers={"Range": header})
    expected = original[start : None if end is None else end + 1]
    assert response.status_code == 206
    assert response.content == expected
    first = start % len(original)
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(original)}"


async def test_unsatisfiable_range(ds, original: bytes) -> None:
    response = await ds.client.get("/-/pdf/ihek-2019-2021", headers={"Range": f"bytes={len(original)}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(original)}"


async def test_head(ds, original: bytes) -> None:
    response = await ds.client.request("HEAD", "/-/pdf/ihek-2019-2021")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(original))
    assert response.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/-/pdf/unbekannt",
        "/-/pdf/ihek-2010",  # catalogued but not in the archive
        "/-/pdf/../catalog.csv",
        "/-/pdf/..%2Fcatalog.csv",
        "/-/pdf/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/-/pdf/ihek-2019-2021/../../catalog.csv",
        "/-/pdf/IHEK-2019-2021",
        "/-/pdf/ihek-2019-2021.pdf",
        "/-/pdf/%00",
    ],
)
async def test_unknown_ids_and_traversal_attempts_are_not_found(ds, path: str) -> None:
    # Datasette redirects percent-encoded paths to its tilde encoding first; they end in 404 too.
    response = await ds.client.get(path, follow_redirects=True)
    assert response.status_code == 404
    assert b"%PDF" not in response.content


async def test_archive_directory_from_the_server_setting(built: Paths, tmp_path, original: bytes) -> None:
    moved = tmp_path / "elsewhere"
    (moved / "pdf").mkdir(parents=True)
    (moved / "pdf" / "ihek-2019-2021.pdf").write_bytes(original)
    ds = build_datasette(built.database, archive=moved)
    assert (await ds.client.get("/-/pdf/ihek-2019-2021")).content == original
    (built.archive / "pdf" / "ihek-2019-2021.pdf").rename(built.archive / "moved.pdf")
    try:
        assert (await ds.client.get("/-/pdf/ihek-2019-2021")).content == original
    finally:
        (built.archive / "moved.pdf").rename(built.archive / "pdf" / "ihek-2019-2021.pdf")
