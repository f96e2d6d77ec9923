from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.cart_item import CartItem


T = TypeVar("T", bound="Cart")


@_attrs_define
class Cart:
    """
    Attributes:
        id (int):
        items (list[CartItem]): In item id order.
        price (float): Sum of price x quantity over the available items, added as doubles in the order `items` lists
            them.
        quantity (int): Sum of the available items' quantities.
    """

    id: int
    items: list[CartItem]
    price: float
    quantity: int

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        price = self.price

        quantity = self.quantity

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "items": items,
                "price": price,
                "quantity": quantity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cart_item import CartItem  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = CartItem.from_dict(items_item_data)

            items.append(items_item)

        price = d.pop("price")

        quantity = d.pop("quantity")

        cart = cls(
            id=id,
            items=items,
            price=price,
            quantity=quantity,
        )

        return cart
