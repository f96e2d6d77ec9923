"""Contains all the data models used in inputs/outputs"""

from .health import Health
from .health_status import HealthStatus
from .new_record import NewRecord
from .problem import Problem
from .record import Record

__all__ = (
    "Health",
    "HealthStatus",
    "NewRecord",
    "Problem",
    "Record",
)
