"""Measure: geodesic areas and lengths (:mod:`.area`), counts, densities and conservation (:mod:`.counts`)."""
