"""The crosswalk: the table of pieces a merge produces (old unit -> new unit, with geometry, area,
share and counts; :mod:`.table`), and what derives from it: the new units' figures (:mod:`.units`),
the lineage (:mod:`.lineage`) and where each feature of the old layer went (:mod:`.features`)."""
