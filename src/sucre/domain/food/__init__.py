"""Food-supply planning for the bloc's fleet (issue 15): which member's surplus feeds which
member's need (:mod:`.matching`), on which vessel (:mod:`.voyages`), and the trade invoices that
pay for it through set-off and the chamber (:mod:`.contracts`). Pure: distances come in as a
:class:`~.records.Distances` table that an adapter builds (``sucre.adapters.sea_routes``)."""
