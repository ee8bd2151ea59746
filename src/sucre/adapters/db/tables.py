"""The relational schema (SQLAlchemy Core), the single source for Alembic migrations.

Amounts are ``BIGINT`` minor units (never ``Numeric``: SQLite loses digits). Exact rates are text
fractions ``"num/den"``. Journal tables are append-only: nothing updates or deletes them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sucre import bounds

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
Id = BigInteger().with_variant(Integer(), "sqlite")
Minor = BigInteger

authorities = Table(
    "authorities", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(12), nullable=False, unique=True),
    Column("name", String(bounds.party_name_chars_max), nullable=False),
    Column("currency", String(3), nullable=False),
)

members = Table(
    "members", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(3), nullable=False, unique=True),
    Column("name", String(bounds.party_name_chars_max), nullable=False),
    Column("authority_id", ForeignKey("authorities.id"), nullable=False),
)

# Council decisions: append-only audit trail of every parameter change, with its reference.
decisions = Table(
    "decisions", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("reference", String(bounds.decision_reference_chars_max), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON of the decision
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A member's status history: one row per council decision changing it, in force from its date
# (domain/members.status_on: the last change effective on or before a day). Migration 0009.
member_status_changes = Table(
    "member_status_changes", metadata,
    Column("id", Id, primary_key=True),
    Column("member", ForeignKey("members.code"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("decision_id", ForeignKey("decisions.id")),  # NULL: converted, no decision recorded
    Index("ix_member_status_changes_member_date", "member", "effective_date"),
)

# Proposals put to the council's vote (domain/proposals.py), and the votes of its member states:
# a proposal is closed once (adopted, linked to the decision it recorded, or rejected); a vote is
# one per member state and proposal, never changed.
proposals = Table(
    "proposals", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON, as the decision will record it
    Column("effective_date", Date, nullable=False),
    Column("reference", String(bounds.decision_reference_chars_max), nullable=False),
    Column("proposed_by", String(bounds.actor_chars_max), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("state", String(12), nullable=False),  # open, adopted, rejected
    # The tally that closed it (domain/proposals.py: Tally): outcome (adopted, no_quorum,
    # no_majority, no_consensus), the members counted, the votes counted, the shares applied.
    Column("outcome", String(16)),
    Column("eligible", Integer),
    Column("yes", Integer),
    Column("no", Integer),
    Column("abstain", Integer),
    Column("quorum", String(64)),  # "num/den"
    Column("majority", String(64)),
    Column("closed_by", String(bounds.actor_chars_max)),
    Column("closed_at", DateTime(timezone=True)),
    Column("decision_id", ForeignKey("decisions.id"), unique=True),
)

votes = Table(
    "votes", metadata,
    Column("id", Id, primary_key=True),
    Column("proposal_id", ForeignKey("proposals.id"), nullable=False),
    Column("member", ForeignKey("members.code"), nullable=False),
    Column("ballot", String(8), nullable=False),  # yes, no, abstain
    Column("cast_by", String(bounds.actor_chars_max), nullable=False),
    Column("cast_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("proposal_id", "member", name="uq_votes_proposal_member"),
)

parameters = Table(
    "parameters", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("value", String(bounds.parameter_value_chars_max), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False),
    Index("ix_parameters_name_date", "name", "effective_date"),
)

baskets = Table(
    "baskets", metadata,
    Column("id", Integer, primary_key=True),
    Column("launch_date", Date, nullable=False, unique=True),
    Column("launch_usd_per_xsu", String(64), nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False),
)

basket_components = Table(
    "basket_components", metadata,
    Column("basket_id", ForeignKey("baskets.id"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("weight", String(64), nullable=False),
    Column("quantity", String(200), nullable=False),
)

fixings = Table(
    "fixings", metadata,
    Column("currency", String(3), primary_key=True),
    Column("value_date", Date, primary_key=True),
    Column("per_usd", String(64), nullable=False),
    Column("market_per_usd", String(64)),
)

xsu_rates = Table(
    "xsu_rates", metadata,
    Column("value_date", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("per_xsu", String(64), nullable=False),
    Column("basket_id", ForeignKey("baskets.id"), nullable=False),
)

periods = Table(
    "periods", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("state", String(12), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closing_at", DateTime(timezone=True)),
    Column("settled_at", DateTime(timezone=True)),
)

allocations = Table(
    "allocations", metadata,
    Column("id", Integer, primary_key=True),
    Column("authority_id", ForeignKey("authorities.id"), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("allocation_minor", Minor, nullable=False),
    Column("credit_line_minor", Minor, nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False),
)

# One row per (period, authority): the limit in force and the running reserved/posted sums.
positions = Table(
    "positions", metadata,
    Column("period_id", ForeignKey("periods.id"), primary_key=True),
    Column("authority_id", ForeignKey("authorities.id"), primary_key=True),
    Column("limit_minor", Minor, nullable=False),
    Column("credit_line_minor", Minor, nullable=False),
    Column("debit_pending_minor", Minor, nullable=False, default=0),
    Column("credit_pending_minor", Minor, nullable=False, default=0),
    Column("debit_posted_minor", Minor, nullable=False, default=0),
    Column("credit_posted_minor", Minor, nullable=False, default=0),
)

payment_orders = Table(
    "payment_orders", metadata,
    Column("id", Id, primary_key=True),
    Column("idempotency_key", String(bounds.order_key_chars_max), nullable=False, unique=True),
    Column("body_hash", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reason_code", String(4)),
    Column("reason", String(300)),
    Column("period_id", ForeignKey("periods.id"), nullable=False),
    Column("debtor_member", String(3), nullable=False),
    Column("creditor_member", String(3), nullable=False),
    Column("debtor_authority_id", ForeignKey("authorities.id"), nullable=False),
    Column("creditor_authority_id", ForeignKey("authorities.id"), nullable=False),
    Column("amount_minor", Minor, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("xsu_minor", Minor, nullable=False),
    Column("value_date", Date, nullable=False),
    Column("hs_code", String(10), nullable=False),
    Column("quantity", String(40), nullable=False),
    Column("unit", String(bounds.order_unit_chars_max), nullable=False),
    Column("origin", String(3), nullable=False),
    Column("invoice_ref", String(bounds.text_chars_max), nullable=False),
    Column("customs_ref", String(bounds.text_chars_max), nullable=False),
    Column("debtor_bank", String(bounds.text_chars_max), nullable=False),
    Column("creditor_bank", String(bounds.text_chars_max), nullable=False),
    Column("importer", String(bounds.text_chars_max), nullable=False),
    Column("exporter", String(bounds.text_chars_max), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_payment_orders_period_status", "period_id", "status"),
)

journal_entries = Table(
    "journal_entries", metadata,
    Column("id", Id, primary_key=True),
    # NULL for the entries of solidarity finance (loans, funds), which no clearing period holds
    Column("period_id", ForeignKey("periods.id")),
    Column("kind", String(12), nullable=False),
    Column("order_id", ForeignKey("payment_orders.id"), unique=True),
    Column("memo", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_journal_entries_period_kind", "period_id", "kind"),
)

postings = Table(
    "postings", metadata,
    Column("id", Id, primary_key=True),
    Column("entry_id", ForeignKey("journal_entries.id"), nullable=False, index=True),
    Column("account", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", Minor, nullable=False),
)

# The record of a period's close (domain/settlement.py: SettlementRecord), written once and never
# changed: its figures here, its instructions, positions, member flows and corridors in the
# tables below (``line`` keeps the order the close gave them). Reports are built from these rows.
settlements = Table(
    "settlements", metadata,
    Column("period_id", ForeignKey("periods.id"), primary_key=True),
    Column("settled_at", DateTime(timezone=True), nullable=False),
    Column("gross_xsu_minor", Minor, nullable=False),
    Column("net_xsu_minor", Minor, nullable=False),
    Column("bilateral_xsu_minor", Minor, nullable=False),
    Column("settlement_currency", String(3), nullable=False),
    Column("settlement_rate", String(64), nullable=False),  # units per XSU, "num/den"
    Column("accepted_orders", Minor, nullable=False),
    Column("rejected_orders", Minor, nullable=False),
)

settlement_instructions = Table(
    "settlement_instructions", metadata,
    Column("period_id", ForeignKey("settlements.period_id"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("reference", String(35), nullable=False, unique=True),  # e.g. 2026-H2/PAY/BCC
    Column("kind", String(12), nullable=False),  # pay, receive, finance
    Column("authority", ForeignKey("authorities.code"), nullable=False),
    Column("xsu_minor", Minor, nullable=False),
    Column("amount_minor", Minor, nullable=False),
    Column("currency", String(3), nullable=False),
)

# Every authority's net position at the close (zero included), in XSU.
settlement_positions = Table(
    "settlement_positions", metadata,
    Column("period_id", ForeignKey("settlements.period_id"), primary_key=True),
    Column("authority", ForeignKey("authorities.code"), primary_key=True),
    Column("net_xsu_minor", Minor, nullable=False),
)

# XSU paid and received by each member state's orders in the period.
settlement_members = Table(
    "settlement_members", metadata,
    Column("period_id", ForeignKey("settlements.period_id"), primary_key=True),
    Column("member", ForeignKey("members.code"), primary_key=True),
    Column("paid_xsu_minor", Minor, nullable=False),
    Column("received_xsu_minor", Minor, nullable=False),
)

settlement_corridors = Table(
    "settlement_corridors", metadata,
    Column("period_id", ForeignKey("settlements.period_id"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("debtor", ForeignKey("authorities.code"), nullable=False),
    Column("creditor", ForeignKey("authorities.code"), nullable=False),
    Column("gross_xsu_minor", Minor, nullable=False),
    Column("alert", Boolean, nullable=False),  # above the council's alert share at the close
)

# A hard-currency leg of a settled period confirmed paid (pacs.009); see domain/confirmations.py.
# One per instruction and one per UETR: a resent leg finds its row, a second payment is refused.
settlement_confirmations = Table(
    "settlement_confirmations", metadata,
    Column("id", Id, primary_key=True),
    Column("period_id", ForeignKey("periods.id"), nullable=False, index=True),
    Column("reference", String(35), nullable=False, unique=True),  # e.g. 2026-H2/PAY/BCC
    Column("uetr", String(36), nullable=False, unique=True),  # lower case
    Column("message_id", String(35), nullable=False),  # GrpHdr/MsgId of the confirming message
    Column("amount_minor", Minor, nullable=False),  # equal to the instruction's
    Column("currency", String(3), nullable=False),
    Column("settlement_date", Date, nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=False),
)

# --- set-off of trade invoices ----------------------------------------------------------------

invoices = Table(
    "invoices", metadata,
    Column("id", Id, primary_key=True),
    Column("external_id", String(bounds.invoice_label_chars_max), nullable=False, unique=True),
    Column("debtor", String(bounds.invoice_label_chars_max), nullable=False),  # the trader who owes
    Column("creditor", String(bounds.invoice_label_chars_max), nullable=False),
    Column("debtor_member", String(3)),  # member state of the debtor, if known
    Column("creditor_member", String(3)),
    Column("amount_minor", Minor, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", Date),
    Column("remaining_minor", Minor, nullable=False),  # reduced by set-off runs only
    Column("order_id", ForeignKey("payment_orders.id")),  # the order that paid the residual
    Column("created_at", DateTime(timezone=True), nullable=False),
    # What a payment order for the residual needs (DOMAIN section 4); optional for pure set-off.
    Column("hs_code", String(10)),
    Column("quantity", String(40)),
    Column("unit", String(8)),
    Column("customs_ref", String(bounds.text_chars_max)),
)

setoff_runs = Table(
    "setoff_runs", metadata,
    Column("id", Id, primary_key=True),
    Column("value_date", Date, nullable=False),
    Column("invoices", Integer, nullable=False),
    Column("total_debt_xsu_minor", Minor, nullable=False),
    Column("cleared_xsu_minor", Minor, nullable=False),
    Column("parties", Integer, nullable=False),
    Column("net_internal_debt_xsu_minor", Minor, nullable=False),
    # The optimality certificate (domain/setoff/result.py: Certificate), field by field.
    Column("certificate", String(300), nullable=False),  # its method
    Column("certificate_dual_bound_xsu_minor", Minor, nullable=False),
    Column("certificate_rounds", Integer, nullable=False),
    Column("certificate_residual_arcs", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Per run, per member state: what its traders owed and were owed, XSU, before and after.
setoff_run_members = Table(
    "setoff_run_members", metadata,
    Column("id", Id, primary_key=True),
    Column("run_id", ForeignKey("setoff_runs.id"), nullable=False),
    Column("member", String(3)),  # NULL: invoices stored without a member state
    Column("owes_before_xsu_minor", Minor, nullable=False),
    Column("owes_after_xsu_minor", Minor, nullable=False),
    Column("owed_before_xsu_minor", Minor, nullable=False),
    Column("owed_after_xsu_minor", Minor, nullable=False),
    UniqueConstraint("run_id", "member"),
)

setoff_clearings = Table(
    "setoff_clearings", metadata,
    Column("run_id", ForeignKey("setoff_runs.id"), primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), primary_key=True),
    Column("cleared_minor", Minor, nullable=False),  # in the invoice's currency
    Column("cleared_xsu_minor", Minor, nullable=False),
)

# --- API participants, keys, idempotency and access log ---------------------------------------

api_clients = Table(
    "api_clients", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(bounds.api_client_name_chars_max), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # operator, chamber, council, auditor, delegate
    Column("authority_id", ForeignKey("authorities.id")),  # set for central-bank operators
    Column("member_id", ForeignKey("members.id")),  # set for member states' delegates
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", ForeignKey("api_clients.id"), nullable=False),
    Column("key_id", String(32), nullable=False, unique=True),  # public part of the key
    Column("secret_hash", String(200), nullable=False),  # never the secret itself
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# Four eyes (domain/four_eyes.py): a consequential action one key proposed, run when a key of
# another client of the same role approves it. Never deleted; ``state`` goes pending -> approved.
pending_actions = Table(
    "pending_actions", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(32), nullable=False),  # close_period, limit_raise
    Column("payload", Text, nullable=False),  # canonical JSON of the typed payload
    Column("state", String(12), nullable=False),  # pending, approved
    Column("proposed_by", ForeignKey("api_clients.id"), nullable=False),
    Column("proposed_key", String(32), nullable=False),  # the key id (public part)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", ForeignKey("api_clients.id")),
    Column("approved_key", String(32)),
    Column("approved_at", DateTime(timezone=True)),
    Index("ix_pending_actions_state", "state"),
)

idempotency_records = Table(
    "idempotency_records", metadata,
    Column("id", Id, primary_key=True),
    Column("client_id", ForeignKey("api_clients.id"), nullable=False),
    Column("key", String(bounds.api_idempotency_key_chars_max), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(200), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "key", name="uq_idempotency_records_client_key"),
)

access_log = Table(
    "access_log", metadata,
    Column("id", Id, primary_key=True),
    Column("client_id", ForeignKey("api_clients.id")),
    Column("method", String(8), nullable=False),
    Column("path", String(bounds.api_logged_path_chars_max), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("idempotency_key", String(bounds.api_idempotency_key_chars_max)),
    # More than 1 on a row that counts refused (401) requests beyond the per-window bound.
    Column("requests", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The ALBA Bank's joint funds (domain/funds.py): a fund and its projects are council decisions;
# each movement (pledge, contribution, tranche) is one journal entry, linked by ``entry_id``.
# Nothing here is updated or deleted.
funds = Table(
    "funds", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(bounds.fund_name_chars_max), nullable=False, unique=True),
    Column("purpose", String(bounds.text_chars_max), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("target_minor", Minor, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("reference", String(bounds.decision_reference_chars_max), nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False, unique=True),
)

fund_projects = Table(
    "fund_projects", metadata,
    Column("id", Id, primary_key=True),
    Column("fund_id", ForeignKey("funds.id"), nullable=False),
    Column("name", String(bounds.fund_name_chars_max), nullable=False),
    Column("beneficiary", ForeignKey("members.code"), nullable=False),
    Column("budget_minor", Minor, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("reference", String(bounds.decision_reference_chars_max), nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False, unique=True),
    UniqueConstraint("fund_id", "name", name="uq_fund_projects_fund_name"),
)

fund_movements = Table(
    "fund_movements", metadata,
    Column("id", Id, primary_key=True),
    Column("fund_id", ForeignKey("funds.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # subscription, contribution, disbursement
    Column("reference", String(bounds.fund_reference_chars_max), nullable=False),
    Column("value_date", Date, nullable=False),
    Column("amount_minor", Minor, nullable=False),
    # The member state that pledged or paid, or a tranche's beneficiary.
    Column("member", ForeignKey("members.code"), nullable=False),
    Column("project_id", ForeignKey("fund_projects.id")),  # a tranche's project
    Column("entry_id", ForeignKey("journal_entries.id"), nullable=False, unique=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("fund_id", "kind", "reference", name="uq_fund_movements_reference"),
)

# --- firms and PetroCaribe (domain/firms.py, domain/petrocaribe.py, domain/loans.py) ----------

# The register of firms: origin checks on goods read it (and the fraud controls are meant to).
firms = Table(
    "firms", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(bounds.party_name_chars_max), nullable=False),
    Column("member", String(3), nullable=False, index=True),
    Column("registered_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

petrocaribe_agreements = Table(
    "petrocaribe_agreements", metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("supplier", String(3), nullable=False),
    Column("beneficiary", String(3), nullable=False, index=True),
    Column("signed_on", Date, nullable=False),
    Column("reference", String(bounds.decision_reference_chars_max), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per cargo, written once: its bill and the split the terms in force gave it.
petrocaribe_shipments = Table(
    "petrocaribe_shipments", metadata,
    Column("id", Id, primary_key=True),
    Column("agreement_id", ForeignKey("petrocaribe_agreements.id"), nullable=False),
    Column("cargo_id", String(64), nullable=False, unique=True),
    Column("member", String(3), nullable=False, index=True),
    Column("value_date", Date, nullable=False),
    Column("barrels", String(40), nullable=False),  # decimal text, as given
    Column("price_minor", Minor, nullable=False),  # USD cents a barrel
    Column("bill_minor", Minor, nullable=False),
    Column("cash_minor", Minor, nullable=False),
    Column("financed_minor", Minor, nullable=False),
    Column("share", String(12), nullable=False),  # decimal text
    Column("cash_due", Date, nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False),  # the tier table
    Column("created_at", DateTime(timezone=True), nullable=False),
)

petrocaribe_loans = Table(
    "petrocaribe_loans", metadata,
    Column("id", Id, primary_key=True),
    Column("shipment_id", ForeignKey("petrocaribe_shipments.id"), nullable=False, unique=True),
    Column("member", String(3), nullable=False, index=True),
    Column("principal_minor", Minor, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("years", Integer, nullable=False),
    Column("grace_years", Integer, nullable=False),
    Column("rate", String(12), nullable=False),  # decimal text
    Column("per_year", Integer, nullable=False),
    Column("decision_id", ForeignKey("decisions.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The schedule, fixed when the loan is made (never changed: credits are movements).
petrocaribe_instalments = Table(
    "petrocaribe_instalments", metadata,
    Column("loan_id", ForeignKey("petrocaribe_loans.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("due_date", Date, nullable=False),
    Column("principal_minor", Minor, nullable=False),
    Column("interest_minor", Minor, nullable=False),
)

# Every event on a member's PetroCaribe debt, each with the journal entry that booked it: a bill
# (a shipment: its cash part and loan), money or goods received, a buy-back and its discount.
# Append-only.
petrocaribe_movements = Table(
    "petrocaribe_movements", metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(12), nullable=False),  # bill cash_part repayment early goods buyback
    Column("member", String(3), nullable=False, index=True),
    Column("loan_id", ForeignKey("petrocaribe_loans.id")),  # NULL: a cash part, a buy-back
    Column("shipment_id", ForeignKey("petrocaribe_shipments.id")),  # a bill, a cash part
    Column("value_date", Date, nullable=False),
    Column("amount_minor", Minor, nullable=False),  # the bill; received: cash, goods, price
    Column("discount_minor", Minor, nullable=False),  # written off (a buy-back only)
    Column("reference", String(bounds.text_chars_max), nullable=False),
    Column("decision_id", ForeignKey("decisions.id")),  # a buy-back's decision
    Column("entry_id", ForeignKey("journal_entries.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# What each movement credited to each instalment (interest, principal, interest waived).
petrocaribe_credits = Table(
    "petrocaribe_credits", metadata,
    Column("movement_id", ForeignKey("petrocaribe_movements.id"), primary_key=True),
    Column("loan_id", ForeignKey("petrocaribe_loans.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("interest_minor", Minor, nullable=False),
    Column("principal_minor", Minor, nullable=False),
    Column("waived_minor", Minor, nullable=False),
    Index("ix_petrocaribe_credits_loan", "loan_id"),
)

petrocaribe_deliveries = Table(
    "petrocaribe_deliveries", metadata,
    Column("id", Id, primary_key=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("movement_id", ForeignKey("petrocaribe_movements.id"), nullable=False),
    # one loan repaid, or (loan_id NULL) the loans of one agreement, oldest first
    Column("loan_id", ForeignKey("petrocaribe_loans.id")),
    Column("agreement_id", ForeignKey("petrocaribe_agreements.id")),
    Column("member", String(3), nullable=False, index=True),
    Column("value_date", Date, nullable=False),
    Column("hs_code", String(6), nullable=False),
    Column("quantity", String(40), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("unit_price_minor", Minor, nullable=False),
    Column("value_minor", Minor, nullable=False),
    Column("exporter_id", ForeignKey("firms.id"), nullable=False),
    Column("importer", String(bounds.invoice_label_chars_max), nullable=False),
    Column("certificate", String(bounds.text_chars_max), nullable=False),
    Column("certificate_exporter", String(32), nullable=False),
    Column("certificate_country", String(3), nullable=False),
    Column("invoice_id", String(bounds.invoice_label_chars_max), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
