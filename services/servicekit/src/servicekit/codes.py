"""The shop's codes, spelled alike wherever a service reads or writes one: a code one service
accepts is one every other accepts too. Each service declares its fields with these types,
adding its own documentation and `OneLine` where text arrives from outside."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# A stock keeping unit, as the catalog names products: upper-case letters, digits and dashes.
SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,63}$"
# ISO 4217.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
# ISO 3166-1 alpha-2.
COUNTRY_PATTERN = r"^[A-Z]{2}$"
# What the payment provider's client-side tokenization hands the shop in place of a card.
PAYMENT_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"  # noqa: S105 - a pattern, not a token
# Why something ended, as a code (`OUT_OF_STOCK`, `CARD_DECLINED`): no longer than ordering's
# `reason` column, and never free text a customer could be shown verbatim.
REASON_PATTERN = r"^[A-Z][A-Z0-9_]{0,39}$"
# An error a saga step answers the state machine with (`OutOfStock`), as its `Catch` names it.
ERROR_NAME_PATTERN = r"^[A-Z][A-Za-z0-9]{0,63}$"

SkuCode = Annotated[str, StringConstraints(pattern=SKU_PATTERN)]
CurrencyCode = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
CountryCode = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]
PaymentToken = Annotated[str, StringConstraints(pattern=PAYMENT_TOKEN_PATTERN)]
ReasonCode = Annotated[str, StringConstraints(pattern=REASON_PATTERN)]
ErrorName = Annotated[str, StringConstraints(pattern=ERROR_NAME_PATTERN)]
