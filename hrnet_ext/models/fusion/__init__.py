"""Fusion units: how a high-resolution module mixes its parallel branches.

:class:`ExchangeUnit` is the paper's multi-resolution fusion; :class:`LightExchangeUnit` has
the same contract with cheaper downsampling paths. A backbone picks one with ``fusion_cfg``;
every class in :data:`FUSION_UNITS` is tested against the same contract
(tests/models/fusion/test_fusion_contract.py).
"""
from .exchange_unit import ExchangeUnit
from .light_exchange_unit import LightExchangeUnit

#: Every fusion unit of the package, the paper's first.
FUSION_UNITS = (ExchangeUnit, LightExchangeUnit)

__all__ = ['ExchangeUnit', 'FUSION_UNITS', 'LightExchangeUnit']
