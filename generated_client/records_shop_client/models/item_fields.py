from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ItemFields")


@_attrs_define
class ItemFields:
    """
    Attributes:
        name (str):
        price (float):
    """

    name: str
    price: float

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        price = self.price

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "price": price,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        price = d.pop("price")

        item_fields = cls(
            name=name,
            price=price,
        )

        return item_fields
