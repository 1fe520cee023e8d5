"""What is Vietnam-specific: the built-in plans and figures (:mod:`.builtin`, offered to the rest of
geoplan through :mod:`geoplan.plan.catalogue`), legacy text encodings (:mod:`.encodings`) and the
national demo (:mod:`.demo`)."""
