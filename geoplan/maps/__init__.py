"""Review maps: the data a map shows (:mod:`.data` and its columns, measures, repairs, shapes,
topology), the page (:mod:`.page`, assets in ``assets/``), the public functions (:mod:`.review`)."""
