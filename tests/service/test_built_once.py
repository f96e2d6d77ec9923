"""What is built once per long-lived object (a compiled statement, a schema validator) is built only once."""

from __future__ import annotations

from server.common.built_once import BuiltOnce


def test_each_object_is_built_once_and_kept() -> None:
    builds: list[object] = []

    def build(schema: dict[str, int]) -> int:
        builds.append(schema)
        return len(builds)

    cache = BuiltOnce(build)
    schema, other = {"type": 1}, {"type": 1}
    assert [cache(schema), cache(schema), cache(other), cache(schema)] == [1, 1, 2, 1]
    assert builds == [schema, other]


def test_a_key_is_held_so_that_its_id_is_never_reused() -> None:
    cache: BuiltOnce[list[int], int] = BuiltOnce(len)
    first = cache([1, 2, 3])
    # Were the first list freed, a new one could take its id and get its entry.
    assert [cache([9]) for _ in range(100)] == [1] * 100
    assert first == 3
