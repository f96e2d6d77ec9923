from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewRecord")


@_attrs_define
class NewRecord:
    """
    Attributes:
        text (str): Up to 1000 characters. NUL cannot be stored and is refused; so is a lone surrogate escape, as
            malformed JSON.
             Example: a1B2c3D4e5F6g7H8.
        uuid (UUID | Unset):  Example: 3fa85f64-5717-4562-b3fc-2c963f66afa6.
    """

    text: str
    uuid: UUID | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        uuid: str | Unset = UNSET
        if not isinstance(self.uuid, Unset):
            uuid = str(self.uuid)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text": text,
            }
        )
        if uuid is not UNSET:
            field_dict["uuid"] = uuid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        _uuid = d.pop("uuid", UNSET)
        uuid: UUID | Unset
        if isinstance(_uuid, Unset):
            uuid = UNSET
        else:
            uuid = UUID(_uuid)

        new_record = cls(
            text=text,
            uuid=uuid,
        )

        return new_record
