"""Fail when the contract breaks a client of the released one: `python -m scripts.contract_breaks`.

The released contract is openapi/openapi.yaml at the latest `contract-v*` tag that HEAD contains (or, in a
clone that came without tags, at the newest commit whose message carries the trailer `Contract-Tag:
contract-vN`). Comparing with the release rather than with the previous commit means that a breaking commit
followed by a small fix cannot slip through. A break passes only when `info.version`'s major number moved
past the release's; that commit is then tagged `contract-v<major>` (docs/development.md).

A break is what makes a request an existing client sends fail, or a response it parses surprise it: an
operation, parameter, request body, property, media type or success response removed; a parameter or
property newly required; a request schema narrowed (type, enum value removed, bounds, pattern, format); a
response schema widened (type, enum value added, nullable) or losing a property clients always got; an
operation that needs credentials where it needed none. Both contracts are compared as a server with
default settings serves them (`open_contract`): credentials are the operator's choice (API_TOKENS), and a
server given none serves the contract without its security requirement. The server is strict
(`strict_validation`, `additionalProperties: false`): a client still sending a removed parameter or
property is refused.

`--base FILE` compares with a file instead of the release, for trying out a change.

Why our own: no maintained tool that catches these installs here. oasdiff is a Go program with no npm or
PyPI package, and this machine has neither Go nor the Go module proxy; @pb33f/openapi-changes downloads its
binary when installed and fails offline; @useoptic/optic is archived, does not start as npm resolves it
today, and (with its dependencies pinned back) misses a removed query parameter, a removed request
property and a lowered maximum; Atlassian's openapi-diff misses new required parameters, removed
parameters, parameter type changes and enum changes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

import yaml

from server.config.paths import PROJECT_ROOT, SPEC_PATH
from server.contract.spec import HTTP_METHODS, Contract, open_contract

Direction = Literal["request", "response"]
Node = Mapping[str, Any]
# Parameters by where they go and their name, or for path parameters their place in the template.
_Parameters = dict[tuple[str, str | int], Node]

TAG_PATTERN = "contract-v*"
TRAILER = "Contract-Tag"
_TRAILER_LINE = re.compile(rf"^{TRAILER}: (contract-v\d+)$", re.MULTILINE)
_TEMPLATE_PARAMETER = re.compile(r"\{[^}/]+\}")

# Bounds a request schema narrows by lowering (max*) or raising (min*); a response may move them freely.
_UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
# Formats whose values include all of another's: a request may widen to them, a response narrow from them.
_WIDER_FORMAT = {("int32", "int64"), ("float", "double")}


class Release(NamedTuple):
    name: str
    contract: Contract


class _Operation(NamedTuple):
    path: str
    method: str
    item: Node
    definition: Node


# The comparison: each function yields one sentence per break, prefixed with where it is.


def _resolve(document: Contract, node: Any) -> Any:
    """Follow local $refs (`#/components/...`) until a node that is not one."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


class _Comparison:
    """The old and the new contract, compared operation by operation, schema by schema."""

    def __init__(self, old: Contract, new: Contract) -> None:
        self.old, self.new = old, new
        # Schemas may refer to themselves: the pairs being compared, so that a cycle is walked once.
        self._walking: set[tuple[int, int, Direction]] = set()

    def breaks(self) -> Iterator[str]:
        old_operations, new_operations = _operations(self.old), _operations(self.new)
        for key, old in old_operations.items():
            where = f"{old.method.upper()} {old.path}"
            new = new_operations.get(key)
            if new is None:
                yield f"{where}: the operation was removed"
            else:
                yield from self._operation(where, old, new)

    def _operation(self, where: str, old: _Operation, new: _Operation) -> Iterator[str]:
        old_parameters, new_parameters = _parameters(self.old, old), _parameters(self.new, new)
        yield from self._parameters(where, old_parameters, new_parameters)
        old_body, new_body = old.definition.get("requestBody"), new.definition.get("requestBody")
        yield from self._request_body(where, old_body, new_body)
        yield from self._responses(
            where, old.definition.get("responses", {}), new.definition.get("responses", {})
        )
        if _anonymous_allowed(self.old, old.definition) and not _anonymous_allowed(self.new, new.definition):
            yield f"{where}: the operation now requires credentials"

    def _parameters(self, where: str, old: _Parameters, new: _Parameters) -> Iterator[str]:
        for key, parameter in old.items():
            name = f"{parameter['in']} parameter '{parameter['name']}'"
            if key not in new:
                yield f"{where}: the {name} was removed"
                continue
            if new[key].get("required", False) and not parameter.get("required", False):
                yield f"{where}: the {name} became required"
            old_schema, new_schema = parameter.get("schema", {}), new[key].get("schema", {})
            yield from self._schema(f"{where}: {name}", old_schema, new_schema, "request")
        for key, parameter in new.items():
            if key not in old and parameter.get("required", False):
                yield f"{where}: the {parameter['in']} parameter '{parameter['name']}' is new and required"

    def _request_body(self, where: str, old_body: Any, new_body: Any) -> Iterator[str]:
        old, new = _resolve(self.old, old_body), _resolve(self.new, new_body)
        if old is None:
            if new is not None and new.get("required", False):
                yield f"{where}: a request body is now required"
            return
        if new is None:
            yield f"{where}: the request body was removed"
            return
        if new.get("required", False) and not old.get("required", False):
            yield f"{where}: the request body became required"
        old_content, new_content = old.get("content", {}), new.get("content", {})
        yield from self._content(f"{where}: request body", old_content, new_content, "request")

    def _responses(self, where: str, old: Node, new: Node) -> Iterator[str]:
        for status, old_response in old.items():
            if status not in new:
                # An error a client stops getting breaks nothing; a success it stops getting does.
                if str(status)[0] in "23":
                    yield f"{where}: the {status} response was removed"
                continue
            old_content = _resolve(self.old, old_response).get("content", {})
            new_content = _resolve(self.new, new[status]).get("content", {})
            yield from self._content(f"{where}: {status} response", old_content, new_content, "response")

    def _content(self, where: str, old: Node, new: Node, direction: Direction) -> Iterator[str]:
        for media_type, old_media in old.items():
            if media_type not in new:
                yield f"{where}: {media_type} was removed"
                continue
            old_schema, new_schema = old_media.get("schema", {}), new[media_type].get("schema", {})
            yield from self._schema(f"{where} ({media_type})", old_schema, new_schema, direction)

    def _schema(self, where: str, old_node: Any, new_node: Any, direction: Direction) -> Iterator[str]:
        old, new = _resolve(self.old, old_node), _resolve(self.new, new_node)
        pair = (id(old), id(new), direction)
        if pair in self._walking:
            return
        self._walking.add(pair)
        try:
            checks = _request_schema if direction == "request" else _response_schema
            yield from (f"{where}: {sentence}" for sentence in checks(old, new))
            yield from self._properties(where, old, new, direction)
            if "items" in old:
                yield from self._schema(f"{where}[]", old["items"], new.get("items", {}), direction)
            yield from self._alternatives(where, old, new, direction)
        finally:
            self._walking.discard(pair)

    def _properties(self, where: str, old: Node, new: Node, direction: Direction) -> Iterator[str]:
        old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name, schema in old_properties.items():
            if name not in new_properties:
                yield f"{where}: property '{name}' was removed"
                continue
            yield from self._schema(f"{where}.{name}", schema, new_properties[name], direction)
        if direction == "request":
            for name in sorted(new_required - old_required):
                yield f"{where}: property '{name}' is now required"
        else:
            for name in sorted((old_required - new_required) & set(new_properties)):
                yield f"{where}: property '{name}' is no longer always present"

    def _alternatives(self, where: str, old: Node, new: Node, direction: Direction) -> Iterator[str]:
        for keyword in ("oneOf", "anyOf", "allOf"):
            old_list, new_list = old.get(keyword, []), new.get(keyword, [])
            for index, (old_member, new_member) in enumerate(zip(old_list, new_list, strict=False)):
                yield from self._schema(f"{where} {keyword}[{index}]", old_member, new_member, direction)
            # Fewer alternatives accept less; a further allOf member constrains more; more alternatives
            # in a response are shapes a client never saw.
            fewer, more = len(new_list) < len(old_list), len(new_list) > len(old_list)
            if keyword == "allOf":
                if direction == "request" and more:
                    yield f"{where}: allOf gained a member"
            elif direction == "request" and fewer:
                yield f"{where}: {keyword} lost an alternative"
            elif direction == "response" and more:
                yield f"{where}: {keyword} gained an alternative"


def _request_schema(old: Node, new: Node) -> Iterator[str]:
    """What makes a schema accept less than it did: a request that passed would be refused."""
    old_type, new_type = old.get("type"), new.get("type")
    if new_type is not None and new_type != old_type and (old_type, new_type) != ("integer", "number"):
        yield f"type narrowed from {old_type or 'any'} to {new_type}"
    if old.get("nullable", False) and not new.get("nullable", False):
        yield "null is no longer accepted"
    if "enum" in new:
        removed = [value for value in old.get("enum", []) if value not in new["enum"]]
        if "enum" not in old:
            yield f"values are now limited to {new['enum']}"
        elif removed:
            yield f"enum value(s) {removed} removed"
    yield from _narrowed_bounds(old, new)
    old_format, new_format = old.get("format"), new.get("format")
    if new_format is not None and new_format != old_format and (old_format, new_format) not in _WIDER_FORMAT:
        yield f"format changed from {old_format} to {new_format}"
    if new.get("additionalProperties", True) is False and old.get("additionalProperties", True) is not False:
        yield "additional properties are no longer accepted"


def _narrowed_bounds(old: Node, new: Node) -> Iterator[str]:
    for bound in _UPPER_BOUNDS:
        if bound in new and (bound not in old or new[bound] < old[bound]):
            yield f"{bound} lowered from {old.get(bound, 'none')} to {new[bound]}"
    for bound in _LOWER_BOUNDS:
        if bound in new and (bound not in old or new[bound] > old[bound]):
            yield f"{bound} raised from {old.get(bound, 'none')} to {new[bound]}"
    for flag in ("exclusiveMinimum", "exclusiveMaximum", "uniqueItems"):
        if new.get(flag, False) and not old.get(flag, False):
            yield f"{flag} is now set"
    # Whether one regular expression accepts all another does cannot be decided here: any change counts.
    for keyword in ("pattern", "multipleOf"):
        if keyword in new and new[keyword] != old.get(keyword):
            yield f"{keyword} changed from {old.get(keyword, 'none')!r} to {new[keyword]!r}"


def _response_schema(old: Node, new: Node) -> Iterator[str]:
    """What makes a schema allow more than it did: a response a client parsed may now surprise it."""
    old_type, new_type = old.get("type"), new.get("type")
    if old_type is not None and new_type != old_type and (old_type, new_type) != ("number", "integer"):
        yield f"type changed from {old_type} to {new_type or 'any'}"
    if new.get("nullable", False) and not old.get("nullable", False):
        yield "may now be null"
    if "enum" in old:
        added = [value for value in new.get("enum", []) if value not in old["enum"]]
        if "enum" not in new:
            yield f"values are no longer limited to {old['enum']}"
        elif added:
            yield f"enum value(s) {added} added"
    old_format, new_format = old.get("format"), new.get("format")
    if old_format is not None and new_format != old_format and (new_format, old_format) not in _WIDER_FORMAT:
        yield f"format changed from {old_format} to {new_format}"


def _operations(document: Contract) -> dict[tuple[str, str], _Operation]:
    """Each operation by (path, method), the path's parameters unnamed: `/item/{id}` is `/item/{item_id}`."""
    return {
        (_TEMPLATE_PARAMETER.sub("{}", path), method): _Operation(path, method, item, operation)
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _parameters(document: Contract, operation: _Operation) -> _Parameters:
    """The operation's parameters (its path item's, overridden by its own) by what a client sends.

    Path parameters are keyed by their place in the template: renaming one changes nothing on the wire.
    """
    declared = [*operation.item.get("parameters", []), *operation.definition.get("parameters", [])]
    by_name = {(p["in"], p["name"]): p for p in (_resolve(document, node) for node in declared)}
    names = [name[1:-1] for name in _TEMPLATE_PARAMETER.findall(operation.path)]
    return {
        (kind, names.index(name) if kind == "path" and name in names else name): parameter
        for (kind, name), parameter in by_name.items()
    }


def _anonymous_allowed(document: Contract, operation: Node) -> bool:
    requirements = operation.get("security", document.get("security", []))
    return not requirements or {} in requirements


def breaking_changes(old: Contract, new: Contract) -> list[str]:
    """Every break of `old`'s clients that `new` makes, one sentence each, in the order of `old`."""
    return list(_Comparison(old, new).breaks())


def major(contract: Contract) -> int:
    version = str(contract["info"]["version"])
    return int(version.split(".")[0])


# The release: the latest contract-v* tag, or the trailer that names it in a clone without tags.


def _git(repo: Path, *arguments: str) -> str:
    result = subprocess.run(["git", *arguments], cwd=repo, capture_output=True, text=True, check=True)
    return result.stdout


def _released_commit(repo: Path) -> tuple[str, str]:
    """(the release's name, a revision of it): the latest tag HEAD contains, else the newest trailer."""
    tags = _git(repo, "tag", "--list", TAG_PATTERN, "--merged", "HEAD", "--sort=-version:refname").split()
    if tags:
        return tags[0], tags[0]
    marked = _git(repo, "log", "-E", f"--grep=^{TRAILER}: contract-v[0-9]+$", "--format=%H", "HEAD")
    for commit in marked.split():
        match = _TRAILER_LINE.search(_git(repo, "show", "--no-patch", "--format=%B", commit))
        if match:
            return match[1], commit
    raise LookupError(
        f"no {TAG_PATTERN} tag in this clone and no commit with a '{TRAILER}:' trailer: "
        "fetch the tags (git fetch --tags) or the full history"
    )


def released_contract(repo: Path = PROJECT_ROOT, spec: Path = SPEC_PATH) -> Release:
    name, revision = _released_commit(repo)
    text = _git(repo, "show", f"{revision}:{spec.relative_to(repo).as_posix()}")
    contract: Contract = yaml.safe_load(text)
    return Release(name, contract)


def check(release: Release, current: Contract) -> tuple[bool, list[str]]:
    """Whether `current` may land beside `release`, and the lines that say why."""
    breaks = breaking_changes(open_contract(release.contract), open_contract(current))
    released, now = major(release.contract), major(current)
    if now < released:
        return False, [f"info.version's major went back from {released} to {now}"]
    if now > released:
        moved = f"info.version's major moved from {released} to {now}: {len(breaks)} break(s) allowed"
        tag = f"once this lands, tag its commit contract-v{now} (docs/development.md)"
        return True, [moved, *(f"  {line}" for line in breaks), tag]
    if breaks:
        return False, [
            f"{len(breaks)} change(s) break clients of {release.name}:",
            *(f"  {line}" for line in breaks),
            "keep the old behaviour beside the new one, or move info.version's major (docs/development.md)",
        ]
    return True, [f"no change breaks a client of {release.name}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", type=Path, help="compare with this file instead of the released contract")
    parser.add_argument("contract", type=Path, nargs="?", default=SPEC_PATH)
    arguments = parser.parse_args(argv)
    if arguments.base is not None:
        release = Release(str(arguments.base), yaml.safe_load(arguments.base.read_text()))
    else:
        try:
            release = released_contract()
        except (LookupError, subprocess.CalledProcessError) as error:
            print(f"contract_breaks: {error}", file=sys.stderr)
            return 2
    passed, lines = check(release, yaml.safe_load(arguments.contract.read_text()))
    print("\n".join(f"contract_breaks: {line}" if not line.startswith("  ") else line for line in lines))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
