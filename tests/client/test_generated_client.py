"""The committed client package is exactly what the contract generates: they cannot drift apart."""

from __future__ import annotations

from pathlib import Path

from scripts.generate_client import DEFAULT_OUTPUT, generate

IGNORED_PARTS = {".ruff_cache", "__pycache__"}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not IGNORED_PARTS & set(path.relative_to(root).parts)
        and not path.name.endswith(".egg-info")
    }


def test_committed_client_matches_a_fresh_generation(tmp_path: Path) -> None:
    fresh = tmp_path / "generated_client"
    generate(fresh)
    committed, regenerated = _tree(DEFAULT_OUTPUT), _tree(fresh)
    assert sorted(committed) == sorted(regenerated), "files differ: run `make generate-client`"
    changed = [name for name in committed if committed[name] != regenerated[name]]
    assert changed == [], f"run `make generate-client`; these differ: {changed}"
