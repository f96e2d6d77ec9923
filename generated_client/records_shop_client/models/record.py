from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="Record")


@_attrs_define
class Record:
    """
    Attributes:
        uuid (UUID):  Example: 3fa85f64-5717-4562-b3fc-2c963f66afa6.
        text (str): Up to 1000 characters. NUL cannot be stored and is refused; so is a lone surrogate escape, as
            malformed JSON.
             Example: a1B2c3D4e5F6g7H8.
    """

    uuid: UUID
    text: str

    def to_dict(self) -> dict[str, Any]:
        uuid = str(self.uuid)

        text = self.text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "uuid": uuid,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        uuid = UUID(d.pop("uuid"))

        text = d.pop("text")

        record = cls(
            uuid=uuid,
            text=text,
        )

        return record
