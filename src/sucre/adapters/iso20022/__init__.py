"""ISO 20022 adapter: safe parsing, validation and mapping of pacs.008/pacs.009, building of
pacs.002 status reports and camt.053 statements.

ISO short tags (``CdtTrfTxInf``) live only inside this package; what leaves it are domain records
(:class:`~sucre.domain.orders.OrderRequest`, :class:`.pacs009.SettlementLeg`) and bytes.
"""
