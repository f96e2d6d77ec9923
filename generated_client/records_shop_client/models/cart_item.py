from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CartItem")


@_attrs_define
class CartItem:
    """
    Attributes:
        id (int):
        name (str):
        quantity (int):
        available (bool): False once the item is deleted; it then counts in neither total.
    """

    id: int
    name: str
    quantity: int
    available: bool

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        quantity = self.quantity

        available = self.available

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "quantity": quantity,
                "available": available,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        quantity = d.pop("quantity")

        available = d.pop("available")

        cart_item = cls(
            id=id,
            name=name,
            quantity=quantity,
            available=available,
        )

        return cart_item
