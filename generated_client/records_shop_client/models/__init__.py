"""Contains all the data models used in inputs/outputs"""

from .cart import Cart
from .cart_created import CartCreated
from .cart_item import CartItem
from .health import Health
from .health_status import HealthStatus
from .item import Item
from .item_fields import ItemFields
from .item_patch import ItemPatch
from .new_record import NewRecord
from .problem import Problem
from .record import Record

__all__ = (
    "Cart",
    "CartCreated",
    "CartItem",
    "Health",
    "HealthStatus",
    "Item",
    "ItemFields",
    "ItemPatch",
    "NewRecord",
    "Problem",
    "Record",
)
