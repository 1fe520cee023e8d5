"""Read and write: vector layers a planner has (:mod:`.layers`), the small CSV tables of plans and
figures (:mod:`.tables`), the GeoPackage of a merge result (:mod:`.result`), all outputs atomically
(:mod:`.atomic`)."""
