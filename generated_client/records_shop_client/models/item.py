from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Item")


@_attrs_define
class Item:
    """
    Attributes:
        id (int):
        name (str):
        price (float):
        deleted (bool):
    """

    id: int
    name: str
    price: float
    deleted: bool

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        price = self.price

        deleted = self.deleted

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "price": price,
                "deleted": deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        price = d.pop("price")

        deleted = d.pop("deleted")

        item = cls(
            id=id,
            name=name,
            price=price,
            deleted=deleted,
        )

        return item
