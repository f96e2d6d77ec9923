from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ItemPatch")


@_attrs_define
class ItemPatch:
    """
    Attributes:
        name (str | Unset):
        price (float | Unset):
    """

    name: str | Unset = UNSET
    price: float | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        price = self.price

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if price is not UNSET:
            field_dict["price"] = price

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        price = d.pop("price", UNSET)

        item_patch = cls(
            name=name,
            price=price,
        )

        return item_patch
